/**
 * Workflow throughput on the embedded backend: instance starts per second, and steps per second
 * of instances that run N steps each, end to end (start → every step recorded → completed).
 * A short bounded run: node dist/bench/workflows.js [instances=200] [steps=5] [durability=fsync|os]
 * The machine load average is printed beside the numbers: on a shared machine they vary with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteLog } from '../src/backends/sqlite/index.js';
import { defineWorkflow, startWorkflowRunner } from '../src/workflow/index.js';

const instances = Number(process.argv[2] ?? 200);
const steps = Number(process.argv[3] ?? 5);
const durability = (process.argv[4] ?? 'fsync') as 'fsync' | 'os';

const stepper = defineWorkflow('bench', async (ctx, n: number) => {
  let total = 0;
  for (let i = 0; i < n; i++) total += await ctx.step(`step ${i}`, () => i);
  return total;
});

const dir = mkdtempSync(join(tmpdir(), 'herald-wf-bench-'));
const log = await openSqliteLog({ path: join(dir, 'herald.db'), durability });
try {
  const runner = await startWorkflowRunner(log, { workflows: [stepper], concurrency: 32, pollInterval: 20 });
  const t = performance.now();
  const refs = await Promise.all(Array.from({ length: instances }, (_, i) => runner.start(stepper, steps, { id: `r${i}` })));
  const startsPerSec = instances / ((performance.now() - t) / 1000); // each start resolves once recorded (fsync'd)
  for (const ref of refs) await runner.result(ref, { timeout: '5m' });
  const seconds = (performance.now() - t) / 1000;
  await runner.close();
  const result = {
    backend: 'sqlite', durability, instances, stepsPerInstance: steps,
    startsPerSec: Math.round(startsPerSec),
    completedInstancesPerSec: Math.round(instances / seconds),
    stepsPerSec: Math.round((instances * steps) / seconds),
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    cpus: cpus().length,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
}
