import { ENCRYPTED_FIELD_PATTERN } from '../security/pii.js';
import type { JsonSchema, JsonSchemaObject } from './json-schema.js';

const ENCRYPTED: JsonSchemaObject = { type: 'string', pattern: ENCRYPTED_FIELD_PATTERN };

/**
 * `schema` with each sensitive field (a dotted path through `properties`) also accepting its
 * encrypted form, so events whose PII was encrypted by the producer validate against the
 * schema of their plain data. Paths the schema does not spell out are left alone.
 */
export function withEncryptedFields(schema: JsonSchema, fields: readonly string[]): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  const copy = structuredClone(schema);
  for (const path of fields) {
    let node: JsonSchemaObject | undefined = copy;
    const parts = path.split('.');
    parts.forEach((part, i) => {
      const props = node?.properties as Record<string, JsonSchema> | undefined;
      const child = props?.[part];
      if (props === undefined || child === undefined) { node = undefined; return; }
      if (i === parts.length - 1) props[part] = { anyOf: [child, ENCRYPTED] };
      else node = typeof child === 'object' ? child : undefined;
    });
  }
  return copy;
}
