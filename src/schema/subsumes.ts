import { jsonEqual } from '../core/canonical-json.js';
import {
  ANNOTATIONS, UNDERSTOOD, branches, deref, fits, isSchema, localResolver,
  type Branch, type JsonSchema, type JsonSchemaObject, type Resolve,
} from './json-schema.js';

/** What kind of breaking change one difference is. */
export type ChangeKind =
  | 'field-removed' | 'field-added-to-open-object' | 'required-added' | 'type-narrowed' | 'enum-value-removed'
  | 'enum-added' | 'additional-properties-closed' | 'constraint-tightened' | 'not-comparable';

export interface Change {
  /** Where: `data`, `data.customer.email`, `data.items[]`. */
  path: string;
  kind: ChangeKind;
  message: string;
}

/** How the two schemas are named in messages, e.g. `{ writer: 'v1', reader: 'v2' }`. */
export interface Labels { writer: string; reader: string }

interface Walk {
  labels: Labels;
  writer: Resolve;
  reader: Resolve;
  changes: Change[];
  /** Pairs of schemas already being compared (recursive $refs): assumed compatible (coinduction). */
  visiting: Set<string>;
}

/**
 * Every way a value valid under `writer` can be invalid under `reader`, i.e. why `reader`
 * cannot read everything `writer` allows. An empty list proves compatibility for the subset
 * herald understands (types, nullable and anyOf of them, enum/const, objects with properties,
 * required and additionalProperties, arrays with items, string/number/array bounds, local
 * $refs). Anything else (allOf, not, if/then, patternProperties, prefixItems, remote $refs...)
 * is conservative: a difference in such a keyword is reported as `not-comparable`, never
 * assumed safe. The check is sound, not complete: it may refuse a compatible pair, never the
 * reverse within the subset.
 */
export function incompatibilities(writer: JsonSchema, reader: JsonSchema, labels: Labels): Change[] {
  const walk: Walk = { labels, writer: localResolver(writer), reader: localResolver(reader), changes: [], visiting: new Set() };
  compare(walk, writer, reader, 'data');
  return walk.changes;
}

function report(walk: Walk, path: string, kind: ChangeKind, message: string): void {
  walk.changes.push({ path, kind, message });
}

function acceptsAnything(schema: JsonSchema | undefined): boolean {
  return schema === true || (typeof schema === 'object' && Object.keys(schema).every((k) => ANNOTATIONS.has(k) || k.startsWith('x-')));
}

function compare(walk: Walk, writer: JsonSchema, reader: JsonSchema, path: string): void {
  if (acceptsAnything(deref(reader, walk.reader)) || deref(writer, walk.writer) === false) return;
  const w = branches(writer, walk.writer);
  const r = branches(reader, walk.reader);
  if (w === undefined || r === undefined) {
    const a = deref(writer, walk.writer);
    const b = deref(reader, walk.reader);
    if (a === undefined || b === undefined || !jsonEqual(a, b)) {
      report(walk, path, 'not-comparable', `the schema here uses constructs herald cannot compare (anyOf mixed with other keywords, overlapping oneOf, or an unresolvable $ref) and it changed: treated as breaking`);
    }
    return;
  }
  for (const branch of w) {
    const candidates = r.filter((c) => branch.type !== 'any' && fits(branch.type, c.type) || c.type === 'any');
    if (candidates.length === 0) {
      const now = r.map((c) => c.type).join(' | ') || 'nothing';
      report(walk, path, 'type-narrowed', branch.type === 'any'
        ? `type narrowed: ${walk.labels.writer} accepts any value, ${walk.labels.reader} only ${now}`
        : `type narrowed: ${walk.labels.writer} allows ${branch.type}, ${walk.labels.reader} accepts only ${now}`);
      continue;
    }
    // The branch fits if one candidate takes all of it; otherwise report the closest candidate's reasons.
    let best: Change[] | undefined;
    for (const candidate of candidates) {
      const trial: Walk = { ...walk, changes: [] };
      compareBranch(trial, branch, candidate, path);
      if (trial.changes.length === 0) { best = []; break; }
      if (best === undefined || trial.changes.length < best.length) best = trial.changes;
    }
    walk.changes.push(...best!);
  }
}

function compareBranch(walk: Walk, w: Branch, r: Branch, path: string): void {
  // Keyed by the schemas, not the path: a recursive $ref meets the same pair again one level down.
  const key = `${w.type}|${r.type}|${JSON.stringify(w.schema)}|${JSON.stringify(r.schema)}`;
  if (walk.visiting.has(key)) return;
  walk.visiting.add(key);
  try {
    values(walk, w, r, path);
    unknownKeywords(walk, w.schema, r.schema, path);
    // Bounds apply to the values of their own type; a branch of any type gets every family's checks.
    const type = r.type === 'any' ? w.type : r.type;
    if (type === 'string' || type === 'any') strings(walk, w.schema, r.schema, path);
    if (type === 'number' || type === 'integer' || type === 'any') numbers(walk, w.schema, r.schema, path);
    if (type === 'array' || type === 'any') arrays(walk, w.schema, r.schema, path);
    if (type === 'object' || type === 'any') objects(walk, w.schema, r.schema, path);
  } finally {
    walk.visiting.delete(key);
  }
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

function values(walk: Walk, w: Branch, r: Branch, path: string): void {
  if (r.values === undefined) return;
  if (w.values === undefined) {
    report(walk, path, 'enum-added', `values restricted: ${walk.labels.reader} allows only ${r.values.map(show).join(', ')}, ${walk.labels.writer} allows any ${w.type === 'any' ? 'value' : w.type}`);
    return;
  }
  const removed = w.values.filter((v) => !r.values!.some((x) => jsonEqual(v, x)));
  if (removed.length > 0) {
    report(walk, path, 'enum-value-removed', `enum value${removed.length > 1 ? 's' : ''} removed: ${removed.map(show).join(', ')} ${removed.length > 1 ? 'are' : 'is'} allowed by ${walk.labels.writer} but not by ${walk.labels.reader}`);
  }
}

function unknownKeywords(walk: Walk, w: JsonSchemaObject, r: JsonSchemaObject, path: string): void {
  for (const keyword of Object.keys(r)) {
    if (UNDERSTOOD.has(keyword) || ANNOTATIONS.has(keyword) || keyword.startsWith('x-')) continue;
    if (!(keyword in w) || !jsonEqual(w[keyword], r[keyword])) {
      report(walk, path, 'not-comparable', `keyword "${keyword}" ${keyword in w ? 'changed' : `added in ${walk.labels.reader}`}: herald does not compare it and treats it as breaking`);
    }
  }
}

type Bound = { value: number; exclusive: boolean } | undefined;

function bound(s: JsonSchemaObject, inclusive: string, exclusive: string): Bound {
  const a = typeof s[inclusive] === 'number' ? { value: s[inclusive], exclusive: false } : undefined;
  const b = typeof s[exclusive] === 'number' ? { value: s[exclusive], exclusive: true } : undefined;
  if (a === undefined) return b;
  if (b === undefined) return a;
  return inclusive === 'minimum' ? (b.value >= a.value ? b : a) : (b.value <= a.value ? b : a);
}

/** Is the writer's bound within the reader's? `lower`: a minimum, else a maximum. */
function within(w: Bound, r: Bound, lower: boolean): boolean {
  if (r === undefined) return true;
  if (w === undefined) return false;
  if (w.value !== r.value) return lower ? w.value > r.value : w.value < r.value;
  return w.exclusive || !r.exclusive;
}

function tighter(walk: Walk, path: string, what: string, w: unknown, r: unknown): void {
  report(walk, path, 'constraint-tightened', `${what} tightened: ${walk.labels.writer} ${w === undefined ? 'has none' : `has ${show(w)}`}, ${walk.labels.reader} has ${show(r)}`);
}

function minMax(walk: Walk, w: JsonSchemaObject, r: JsonSchemaObject, path: string, min: string, max: string): void {
  const wMin = typeof w[min] === 'number' ? w[min] : 0;
  if (typeof r[min] === 'number' && r[min] > wMin) tighter(walk, path, min, w[min], r[min]);
  if (typeof r[max] === 'number' && !(typeof w[max] === 'number' && w[max] <= r[max])) tighter(walk, path, max, w[max], r[max]);
}

function strings(walk: Walk, w: JsonSchemaObject, r: JsonSchemaObject, path: string): void {
  minMax(walk, w, r, path, 'minLength', 'maxLength');
  for (const keyword of ['pattern', 'format'] as const) {
    if (r[keyword] !== undefined && r[keyword] !== w[keyword]) tighter(walk, path, keyword, w[keyword], r[keyword]);
  }
}

function numbers(walk: Walk, w: JsonSchemaObject, r: JsonSchemaObject, path: string): void {
  const rMin = bound(r, 'minimum', 'exclusiveMinimum');
  if (!within(bound(w, 'minimum', 'exclusiveMinimum'), rMin, true)) tighter(walk, path, 'minimum', bound(w, 'minimum', 'exclusiveMinimum')?.value, rMin!.value);
  const rMax = bound(r, 'maximum', 'exclusiveMaximum');
  if (!within(bound(w, 'maximum', 'exclusiveMaximum'), rMax, false)) tighter(walk, path, 'maximum', bound(w, 'maximum', 'exclusiveMaximum')?.value, rMax!.value);
  const m = r.multipleOf;
  if (typeof m === 'number' && !(typeof w.multipleOf === 'number' && Number.isInteger(w.multipleOf / m))) tighter(walk, path, 'multipleOf', w.multipleOf, m);
}

function arrays(walk: Walk, w: JsonSchemaObject, r: JsonSchemaObject, path: string): void {
  minMax(walk, w, r, path, 'minItems', 'maxItems');
  if (r.uniqueItems === true && w.uniqueItems !== true) tighter(walk, path, 'uniqueItems', w.uniqueItems, true);
  const wi = isSchema(w.items) ? w.items : true;
  const ri = isSchema(r.items) ? r.items : true;
  compare(walk, wi, ri, `${path}[]`);
}

function objects(walk: Walk, w: JsonSchemaObject, r: JsonSchemaObject, path: string): void {
  minMax(walk, w, r, path, 'minProperties', 'maxProperties');
  const wProps = record(w.properties);
  const rProps = record(r.properties);
  const wRequired = new Set(names(w.required));
  const wExtra: JsonSchema = isSchema(w.additionalProperties) ? w.additionalProperties : true;
  const rExtra: JsonSchema = isSchema(r.additionalProperties) ? r.additionalProperties : true;
  const { writer, reader } = walk.labels;
  for (const name of names(r.required)) {
    if (wRequired.has(name)) continue;
    const fieldPath = `${path}.${name}`;
    report(walk, fieldPath, 'required-added', name in wProps
      ? `field made required: ${reader} requires it, ${writer} events may lack it`
      : `required field added: ${reader} requires it, ${writer} events do not have it`);
  }
  for (const name of new Set([...Object.keys(wProps), ...Object.keys(rProps)])) {
    const fieldPath = `${path}.${name}`;
    const inWriter = name in wProps;
    const inReader = name in rProps;
    if (inWriter && !inReader) {
      if (rExtra === false) report(walk, fieldPath, 'field-removed', `field removed: ${writer} events may carry it, ${reader} does not list it and allows no additional properties`);
      else compare(walk, wProps[name]!, rExtra, fieldPath);
    } else if (!inWriter && inReader) {
      if (wExtra === false) continue; // the writer never sends it
      const trial: Walk = { ...walk, changes: [] };
      compare(trial, wExtra, rProps[name]!, fieldPath);
      if (trial.changes.length > 0) {
        report(walk, fieldPath, 'field-added-to-open-object', `field added with a type to an open object: ${writer} allows any additional property, so its events may already carry "${name}" with another value (close ${writer} with additionalProperties: false, or let the field accept anything)`);
      }
    } else {
      compare(walk, wProps[name]!, rProps[name]!, fieldPath);
    }
  }
  if (rExtra !== true && wExtra !== false) {
    if (rExtra === false) report(walk, path, 'additional-properties-closed', `additionalProperties closed: ${writer} allows properties it does not list, ${reader} refuses them`);
    else compare(walk, wExtra, rExtra, `${path}.*`);
  }
}

function record(value: unknown): Record<string, JsonSchema> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => isSchema(v)));
}

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
