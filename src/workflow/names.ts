import { invalidArgument } from '../core/errors.js';

/**
 * Every instance of every workflow is one stream, `workflow-<name>:<id>`, of the category
 * `workflow`: its events land on the topic `workflow`, where the runner's consumer groups read them.
 */
export const WORKFLOW_CATEGORY = 'workflow';
export const WORKFLOW_TOPIC = 'workflow';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/;
const MAX_ID = 100;

export function assertWorkflowName(name: unknown, field = 'workflow'): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalidArgument(`${field} must be 1-60 letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${JSON.stringify(name)}`, { field });
  }
}

export function assertInstanceId(id: unknown, field = 'id'): asserts id is string {
  // eslint-disable-next-line no-control-regex
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID || /[\u0000-\u001f\u007f]/.test(id)) {
    throw invalidArgument(`${field} must be 1-${MAX_ID} characters without control characters`, { field });
  }
}

/** The stream of one instance. */
export function instanceStream(workflow: string, id: string): string {
  assertWorkflowName(workflow);
  assertInstanceId(id);
  return `${WORKFLOW_CATEGORY}-${workflow}:${id}`;
}

/** The workflow name and instance id of an instance stream; undefined for any other stream. */
export function parseInstanceStream(stream: string): { workflow: string; id: string } | undefined {
  const prefix = `${WORKFLOW_CATEGORY}-`;
  if (!stream.startsWith(prefix)) return undefined;
  const colon = stream.indexOf(':', prefix.length);
  if (colon < 0) return undefined;
  return { workflow: stream.slice(prefix.length, colon), id: stream.slice(colon + 1) };
}

/** History event ids made from the stream and what they record, so that writing one twice writes it once. */
export const historyId = (stream: string, what: string): string => `${stream}/${what}`;
