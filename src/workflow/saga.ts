import type { StepContext, StepOptions, WorkflowContext } from './define.js';

export interface SagaStepOptions extends StepOptions {
  /** Undoes the step; registered once the step succeeded, run (as a durable step) if a later one fails. */
  compensate?: (step: StepContext) => unknown;
}

export interface Saga {
  step<T>(name: string, fn: (step: StepContext) => Promise<T> | T, options?: SagaStepOptions): Promise<T>;
  /** Runs the registered compensations, newest first, each a durable step named `undo <step>`. */
  compensate(): Promise<void>;
}

/**
 * A saga over a workflow: each step may register its compensation; `compensate()` undoes what
 * was done in reverse order. The compensations are steps too (recorded, retried, replayed), and
 * they run even after a cancel was requested.
 */
export function saga(ctx: WorkflowContext): Saga {
  const undo: { name: string; fn: (step: StepContext) => unknown; options: StepOptions }[] = [];
  return {
    async step(name, fn, options = {}) {
      const { compensate, ...stepOptions } = options;
      const result = await ctx.step(name, fn, stepOptions);
      if (compensate) undo.push({ name, fn: compensate, options: stepOptions.retry ? { retry: stepOptions.retry } : {} });
      return result;
    },
    async compensate() {
      while (undo.length > 0) {
        const u = undo.pop()!;
        await ctx.compensation(`undo ${u.name}`, u.fn, u.options);
      }
    },
  };
}

/** Runs `body` as a saga: if it throws (a failed step, a timeout it turns into an error, a cancel), compensates and rethrows. */
export async function runSaga<T>(ctx: WorkflowContext, body: (s: Saga) => Promise<T>): Promise<T> {
  const s = saga(ctx);
  try {
    return await body(s);
  } catch (error) {
    await s.compensate();
    throw error;
  }
}
