import type { InstanceStatus } from '../../src/workflow/views.js';

/** The workflow views of GET /v1/workflows/... (src/workflow/ops.ts), the server's own types. */
export type { AttemptRecord as StepAttempt, InstanceStatus, InstanceSummary, InstanceView, StepView } from '../../src/workflow/views.js';
export const INSTANCE_STATUSES: readonly InstanceStatus[] = ['running', 'completed', 'failed', 'cancelled'];
