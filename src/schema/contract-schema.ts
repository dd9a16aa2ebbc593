import type { EventContract } from '../core/contract.js';
import { HeraldError } from '../core/errors.js';
import { assertSchema, type JsonSchema } from './json-schema.js';

interface JsonSchemaConverter {
  output(options: { target: string }): Record<string, unknown>;
}

/**
 * The JSON Schema (2020-12) of a contract's data: the one given with the contract
 * (`jsonSchema`), else the one its Standard Schema library produces through the Standard JSON
 * Schema interface (`~standard.jsonSchema`, which zod 4 implements). The *output* schema is
 * used: what validated data looks like, i.e. what is stored (zod objects are closed there).
 */
export function contractJsonSchema(contract: EventContract<unknown>): JsonSchema {
  if (contract.jsonSchema !== undefined) {
    assertSchema(contract.jsonSchema, 'jsonSchema');
    return contract.jsonSchema;
  }
  const converter = (contract.schema['~standard'] as { jsonSchema?: JsonSchemaConverter }).jsonSchema;
  if (converter === undefined || typeof converter.output !== 'function') {
    throw new HeraldError('HERALD_E_UNSUPPORTED', `${contract.type}: its schema library (${contract.schema['~standard'].vendor}) cannot produce a JSON Schema: give one with defineEvent({ jsonSchema })`, { details: { field: 'jsonSchema' } });
  }
  const schema = converter.output({ target: 'draft-2020-12' });
  assertSchema(schema);
  return schema;
}
