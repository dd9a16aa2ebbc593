/** The R10 test body shared by the per-backend files: run, print the figures, assert the outcome. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import type { EventLog } from '../../../src/log/types.js';
import { seedFromEnv } from '../../crash/random.js';
import { describeResult } from '../history.js';
import type { Broker } from './broker.js';
import { countingUnhandled, envInt, killRun } from './kill-run.js';

/** Whether `command` runs here; under CI a missing one throws, elsewhere the caller skips. */
export function haveBinary(command: string, args: readonly string[] = ['--version']): string | false {
  const ok = spawnSync(command, args, { stdio: 'ignore' }).status === 0;
  if (ok) return false;
  const message = `${command} is not installed; R10 starts a private broker with it`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`);
  return message;
}

export async function brokerKillTest(t: TestContext, broker: Broker, open: (url: string) => Promise<EventLog>): Promise<void> {
  const seed = seedFromEnv();
  const events = envInt('HERALD_R10_EVENTS', 20_000);
  const kills = envInt('HERALD_R10_KILLS', 2);
  console.log(`R10 ${broker.name} seed ${seed} (replay with HERALD_SEED=${seed}); ${events} events, ${kills} kills, port ${broker.port}, data ${broker.dataDir}`);
  await broker.start();
  try {
    const { value: run, unhandled } = await countingUnhandled(() => killRun({ broker, open: () => open(broker.url), events, kills, seed }));
    const figures = {
      backend: broker.name, seed, events, kills, durationMs: run.durationMs, stored: run.stored,
      deliveries: run.deliveries, redelivered: run.redelivered, reconnectMs: run.reconnectMs, redeliverMs: run.redeliverMs,
      appendErrors: run.appendErrors, counts: run.result.counts, unhandled: unhandled.length,
    };
    console.log(`R10 ${broker.name}: ${JSON.stringify(figures)}`);
    t.diagnostic(JSON.stringify(figures));
    assert.deepEqual(unhandled.map(String), [], `no unhandled rejection (seed ${seed})`);
    assert.equal(run.result.anomalies.length, 0, `seed ${seed}: ${describeResult(run.result)}`);
    assert.equal(run.result.counts.acked, events, `every event acked in the end (seed ${seed})`);
    assert.equal(run.stored, events, `one stored copy per id (seed ${seed})`);
    assert.equal(run.reconnectMs.length, kills);
    assert.ok(run.reconnectMs.every((ms) => ms >= 0), `the adapter appended again after every restart (seed ${seed})`);
  } finally {
    await broker.stop();
  }
}
