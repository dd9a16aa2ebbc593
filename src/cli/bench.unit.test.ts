import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run, type CliIO } from './main.js';

function capture(): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { err += s; } }, env: {} },
    out: () => out,
    err: () => err,
  };
}

test('herald bench --help names the workloads, the systems and the results file', async () => {
  const c = capture();
  assert.equal(await run(['bench', '--help'], c.io), 0);
  for (const word of ['--quick', '--only', 'herald-os', 'rabbitmq', 'latency', 'memory', '<date>-<host>.json']) {
    assert.ok(c.out().includes(word), word);
  }
});

test('herald bench refuses unknown systems and workloads before touching any server', async () => {
  const systems = capture();
  assert.equal(await run(['bench', '--only', 'herald,kafka'], systems.io), 1);
  assert.match(systems.err(), /HERALD_E_INVALID_ARGUMENT: unknown system kafka \(known: herald, herald-os, nats, redis, redis-everysec, rabbitmq, postgres\)/);
  const workloads = capture();
  assert.equal(await run(['bench', '--workloads', 'publish,soak'], workloads.io), 1);
  assert.match(workloads.err(), /unknown workload soak/);
  const reps = capture();
  assert.equal(await run(['bench', '--reps', '0'], reps.io), 2);
});
