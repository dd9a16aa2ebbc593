import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { invalidArgument } from '../core/errors.js';
import type { FieldIssue } from '../core/envelope.js';
import type { JsonSchema } from './json-schema.js';


/**
 * Validation of event data against registered JSON Schemas, with ajv (draft 2020-12; a
 * `$schema` of another draft is read as 2020-12, which agrees on the common subset). Formats
 * (`email`, `date-time`...) are annotations here, not checked: zod and most generators also
 * emit a `pattern`, which is. Compiled validators are cached by schema text.
 */
export class SchemaValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly cache = new Map<string, ValidateFunction>();

  /** Compiles `schema`, or throws HERALD_E_INVALID_ARGUMENT saying why it is not a valid JSON Schema. */
  compile(schema: JsonSchema): ValidateFunction {
    const key = JSON.stringify(schema);
    const cached = this.cache.get(key);
    if (cached) return cached;
    let validate: ValidateFunction;
    {
      const { $schema: _draft, $id: _id, ...body } = typeof schema === 'boolean' ? { $schema: undefined, $id: undefined } : schema;
      try {
        validate = this.ajv.compile(typeof schema === 'boolean' ? schema : body);
      } catch (error) {
        throw invalidArgument(`schema is not a valid JSON Schema: ${(error as Error).message}`, { field: 'schema' });
      }
      if (this.cache.size >= 1000) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, validate);
    }
    return validate;
  }

  /** Every way `data` fails `schema`, each naming its field (`data.customer.email`). */
  issues(schema: JsonSchema, data: unknown): FieldIssue[] {
    const validate = this.compile(schema);
    if (validate(data)) return [];
    return (validate.errors ?? []).slice(0, 20).map(toIssue);
  }
}

function toIssue(error: ErrorObject): FieldIssue {
  const pointer = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = error.keyword === 'required' ? String((error.params as { missingProperty?: string }).missingProperty) : undefined;
  const extra = error.keyword === 'additionalProperties' ? String((error.params as { additionalProperty?: string }).additionalProperty) : undefined;
  const path = ['data', ...pointer, ...(missing ? [missing] : []), ...(extra ? [extra] : [])].join('.');
  const message = missing ? 'is required' : extra ? 'is not allowed (additionalProperties is false)' : (error.message ?? error.keyword);
  return { path, message };
}

