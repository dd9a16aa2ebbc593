import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import { run } from '../../src/cli/main.js';
import { startServer } from '../../src/server/server.js';
import { openHerald, renderFlow, traceFlow, type Flow, type FlowNode } from '../../src/index.js';
import { TOPICS } from './contracts.js';
import { runOrderFlow } from './flow.js';

const capture = (): { text: string; write(s: string): boolean } => {
  const c = { text: '', write(s: string) { c.text += s; return true; } };
  return c;
};

async function herald(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await run(args, { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const path = (nodes: readonly FlowNode[]): string[] => nodes.flatMap((n) => [n.event.type, ...path(n.children)]);
const find = (nodes: readonly FlowNode[], type: string): FlowNode | undefined => {
  for (const n of nodes) { const hit = n.event.type === type ? n : find(n.children, type); if (hit) return hit; }
  return undefined;
};

test('the lineage of a declined order: API, CLI and server agree on the causal tree, outcomes and timings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-trace-'));
  const db = join(dir, 'herald.db');
  try {
    const h = await openHerald({ path: db, observability: { outcomes: true } });
    let flow: Flow;
    let declinedId: string;
    try {
      const { orders, subscriptions } = await runOrderFlow(h, 4, { flakyEmails: 0 });
      declinedId = orders.find((o) => o.declined)!.eventId;
      // The flow is settled once its emails are out; closing waits for the handlers still ending
      // (their outcome records are written after they return), then every outcome is flushed.
      await Promise.all(subscriptions.map((s) => s.close()));
      await h.observability!.flush();
      flow = await traceFlow(h.log, TOPICS, declinedId);
    } finally {
      await h.close();
    }
    assert.equal(flow.roots.length, 1, 'one root: the order');
    const chain = path(flow.roots);
    for (const type of ['order.placed', 'payment.failed', 'order.cancelled', 'notification.sent']) assert.ok(chain.includes(type), `${type} in ${chain.join(', ')}`);
    const placed = flow.roots[0]!;
    assert.equal(placed.event.type, 'order.placed');
    const failed = find(placed.children, 'payment.failed')!;
    const cancelled = find(failed.children, 'order.cancelled')!;
    assert.ok(find(cancelled.children, 'notification.sent'), 'the email follows the cancellation');
    const groups = (n: FlowNode): Record<string, string> => Object.fromEntries(n.handlings.map((x) => [x.group, x.outcome]));
    assert.deepEqual(groups(placed), { payment: 'ok', inventory: 'ok', notification: 'ok', analytics: 'ok' }, 'every group of the order topic handled the order');
    assert.deepEqual(groups(failed), { inventory: 'ok', 'order-saga': 'ok' });
    assert.equal(groups(cancelled).notification, 'ok');
    assert.ok(failed.offsetMs >= placed.offsetMs && cancelled.offsetMs >= failed.offsetMs, 'timings follow causes');
    assert.ok(flow.attempts >= 8);

    const printed = await herald(['--db', db, 'trace', declinedId]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.deepEqual(printed.stdout.trimEnd().split('\n').slice(1), renderFlow(flow).slice(1), 'the CLI prints the same tree');
    assert.match(printed.stdout, /order\.placed {2}order#\d+ {2}\+0 ms/);
    assert.match(printed.stdout, /✓ \[payment\] ok — #1 ok/);
    const asJson = await herald(['--db', db, 'trace', declinedId, '--topics', 'order,payments', '--json']);
    assert.equal(asJson.code, 0, asJson.stderr);
    const narrowed = JSON.parse(asJson.stdout) as Flow;
    assert.ok(!path(narrowed.roots).includes('notification.sent'), '--topics limits where it looks');
    const missing = await herald(['--db', db, 'trace', 'no-such-flow']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /HERALD_E_NOT_FOUND/);

    const log = new SqliteLog({ path: db });
    const server = await startServer({ log, ownsLog: true, dev: true, port: 0, logger: false });
    try {
      const remote = await herald(['--url', server.url, 'trace', declinedId, '--json']);
      assert.equal(remote.code, 0, remote.stderr);
      assert.deepEqual(JSON.parse(remote.stdout), JSON.parse(JSON.stringify(await traceFlow(log, undefined, declinedId))), 'through the server, the same flow');
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
