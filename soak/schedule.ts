/**
 * Runs jobs with at most `concurrency` at once and never two heavy ones together: on a 2-core
 * machine two CPU-bound fault tests would distort each other, while a mostly idle one (the slow
 * consumer) can run beside a heavy one. Jobs start in list order whenever they fit.
 */
export interface Job<T> {
  heavy: boolean;
  run(): Promise<T>;
}

export async function schedule<T>(jobs: readonly Job<T>[], concurrency: number): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  const pending = jobs.map((job, index) => ({ job, index }));
  const running = new Map<number, { heavy: boolean; done: Promise<void> }>();
  while (pending.length > 0 || running.size > 0) {
    const heavyRunning = [...running.values()].some((r) => r.heavy);
    const next = running.size < concurrency ? pending.findIndex((p) => !p.job.heavy || !heavyRunning) : -1;
    if (next >= 0) {
      const [{ job, index }] = pending.splice(next, 1) as [{ job: Job<T>; index: number }];
      const done = job.run().then((r) => { results[index] = r; }).finally(() => running.delete(index));
      running.set(index, { heavy: job.heavy, done });
      continue;
    }
    // Nothing fits now: wait for one to finish (an error ends the whole schedule).
    await Promise.race([...running.values()].map((r) => r.done));
  }
  return results;
}
