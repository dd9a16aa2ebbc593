import { HeraldError } from '../core/errors.js';
import type { FailureInfo } from '../log/types.js';
import type { Command } from './history.js';

const describe = (c: { kind: string; name: string }): string => (c.kind === 'timer' ? `timer ${c.name}` : `${c.kind} "${c.name}"`);

/** The code now does something else at `seq` than what the history recorded. */
export function nondeterministic(where: string, seq: number, recorded: Command, current: { kind: string; name: string }): HeraldError {
  return new HeraldError('HERALD_E_NONDETERMINISTIC',
    `${where}: the history recorded ${describe(recorded)} as command #${seq} but the code now calls ${describe(current)} there; ` +
    'a change to the steps of a running workflow needs a new version (defineWorkflow(name, { version }, fn))',
    { details: { seq, recorded: { kind: recorded.kind, name: recorded.name }, current } });
}

/** A step, child or instance that failed for good, as the workflow code (or a caller of `result`) sees it. */
export function workflowFailed(message: string, error: FailureInfo | undefined, details: Record<string, unknown> = {}): HeraldError {
  return new HeraldError('HERALD_E_WORKFLOW_FAILED', error ? `${message}: ${error.message}` : message, { details: { ...details, ...(error ? { error } : {}) } });
}

export function cancelledError(where: string, reason?: string): HeraldError {
  return new HeraldError('HERALD_E_CANCELLED', `${where} was cancelled${reason ? `: ${reason}` : ''}`, { details: reason ? { reason } : {} });
}

/** JSON-safe failure info of anything thrown (a HeraldError keeps its code). */
export function failureOf(error: unknown): FailureInfo {
  if (error instanceof Error) {
    const info: FailureInfo = { message: error.message, name: error.name };
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') info.code = code;
    if (error.stack) info.stack = error.stack.slice(0, 2_000);
    return info;
  }
  return { message: String(error) };
}
