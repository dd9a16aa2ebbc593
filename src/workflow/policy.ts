import { isHeraldError } from '../core/errors.js';
import { backoffDelay } from '../consumer/backoff.js';
import type { RetryPolicy } from './define.js';

const DEFAULT_POLICY = { maxAttempts: 3, backoff: { initial: 1_000, max: 60_000, multiplier: 2 } } as const;

/** The step's own policy over the workflow's over the defaults. */
export function effectivePolicy(step: RetryPolicy | undefined, workflow: RetryPolicy | undefined): Required<Pick<RetryPolicy, 'maxAttempts' | 'backoff'>> & RetryPolicy {
  return { ...DEFAULT_POLICY, ...workflow, ...step };
}

/** Whether a failed attempt ends the step: retrying cannot help, or no attempts are left. */
export function isFinalFailure(error: unknown, policy: RetryPolicy, failures: number): boolean {
  if (failures >= (policy.maxAttempts ?? DEFAULT_POLICY.maxAttempts)) return true;
  if (isHeraldError(error) && !error.retryable) return true;
  if (!policy.nonRetryable || !(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return policy.nonRetryable.includes(error.name) || (typeof code === 'string' && policy.nonRetryable.includes(code));
}

export function retryDelay(policy: RetryPolicy, failures: number): number {
  return backoffDelay(failures, policy.backoff ?? DEFAULT_POLICY.backoff);
}
