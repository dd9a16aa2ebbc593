import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { openHerald } from '../herald.js';
import type { CloudEvent } from '../core/envelope.js';
import type { CliDeps } from './context.js';
import { run } from './main.js';

const BIN = fileURLToPath(new URL('./main.js', import.meta.url));
let dir = '';
let db = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
  db = join(dir, 'herald.db');
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Capture { text: string; write(s: string): boolean }
const capture = (): Capture => { const c = { text: '', write(s: string) { c.text += s; return true; } }; return c; };

interface Options { stdin?: string; env?: Record<string, string>; deps?: CliDeps; signal?: AbortSignal; stdout?: Capture }

/** Runs `herald --db <db> ...args` in this process. */
async function herald(args: string[], options: Options = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = options.stdout ?? capture();
  const stderr = capture();
  const stdin = options.stdin === undefined ? undefined : Object.assign(Readable.from([options.stdin]), { isTTY: false });
  const code = await run(['--db', db, ...args], {
    stdout, stderr, env: options.env ?? {}, ...(stdin ? { stdin } : {}), ...(options.signal ? { signal: options.signal } : {}),
  }, options.deps);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const jsonLines = <T = Record<string, unknown>>(text: string): T[] => lines(text).map((l) => JSON.parse(l) as T);

async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function count(topic: string): Promise<number> {
  const r = await herald(['topics', '--json']);
  return (JSON.parse(r.stdout) as { topic: string; count: number }[]).find((t) => t.topic === topic)?.count ?? 0;
}

test('publish: one event with --data, --key and --id; the same id again is a duplicate', async () => {
  const r = await herald(['publish', 'orders', '--type', 'order.placed', '--key', 'o-1', '--id', 'evt-1', '--data', '{"orderId":"o-1","total":42}']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'orders#1  id=evt-1\n');
  const again = await herald(['publish', 'orders', '--type', 'order.placed', '--id', 'evt-1', '--data', '{}', '--json']);
  assert.deepEqual(jsonLines(again.stdout).map((x) => [x.position, x.id, x.duplicate]), [[1, 'evt-1', true]]);
  assert.equal(await count('orders'), 1);
});

test('publish: NDJSON file (data lines and whole CloudEvents) and standard input', async () => {
  const event: CloudEvent = { specversion: '1.0', id: 'ce-1', source: 'urn:test', type: 'order.cancelled', data: { orderId: 'o-2' } };
  const file = join(dir, 'orders.ndjson');
  writeFileSync(file, `{"orderId":"o-2","total":5}\n\n${JSON.stringify(event)}\n{"orderId":"o-3","total":7}\n`);
  const r = await herald(['publish', 'orders', '--type', 'order.placed', '--file', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout).map((l) => l.split('  ')[0]), ['orders#2', 'orders#3', 'orders#4']);
  assert.match(lines(r.stdout)[1]!, /id=ce-1$/);
  const piped = await herald(['publish', 'orders', '--type', 'order.placed', '--json'], { stdin: '{"orderId":"o-4"}\n{"orderId":"o-5"}\n' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.deepEqual(jsonLines(piped.stdout).map((x) => x.position), [5, 6]);
  const tail = await herald(['tail', 'orders', '--json', '--from', '3', '--limit', '1']);
  assert.deepEqual((jsonLines<{ event: CloudEvent }>(tail.stdout)[0]!).event, event, 'a whole CloudEvent is stored as given');
});

test('publish: invalid JSON or an invalid event is one clear error naming the field, and nothing is appended', async () => {
  const before = await count('orders');
  const file = join(dir, 'bad.ndjson');
  writeFileSync(file, '{"orderId":"ok"}\n{"orderId": oops}\n');
  const badJson = await herald(['publish', 'orders', '--type', 'order.placed', '--file', file]);
  assert.equal(badJson.code, 1);
  assert.match(badJson.stderr, /^error HERALD_E_INVALID_EVENT: line 2: the line is not valid JSON/);
  assert.equal(lines(badJson.stderr).length, 1, 'one line, no stack');

  writeFileSync(file, '{"orderId":"ok"}\n{"specversion":"1.0","id":"x","type":"t"}\n');
  const noSource = await herald(['publish', 'orders', '--type', 'order.placed', '--file', file]);
  assert.equal(noSource.code, 1);
  assert.match(noSource.stderr, /^error HERALD_E_INVALID_EVENT: line 2: invalid event: source: source is required/);

  const noType = await herald(['publish', 'orders', '--data', '{"a":1}']);
  assert.match(noType.stderr, /^error HERALD_E_INVALID_EVENT: type: pass --type/);
  const badData = await herald(['publish', 'orders', '--type', 't', '--data', '{"a":']);
  assert.match(badData.stderr, /^error HERALD_E_INVALID_EVENT: --data is not valid JSON/);
  assert.equal(await count('orders'), before, 'nothing appended');
});

test('usage errors exit with 2; HeraldErrors with 1 and a stack only with HERALD_DEBUG=1', async () => {
  for (const args of [['publish'], ['publish', 'orders', '--bogus'], ['tail', 'orders', '--from', 'yesterday'], ['publish', 'bad topic', '--type', 't'],
    ['publish', 'o', '--data', '1', '--file', 'f'], ['replay', 'orders', '--to', 'orders'], ['nosuchverb']]) {
    const r = await herald(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error: /, args.join(' '));
  }
  const missing = await run(['--db', join(dir, 'nope', 'x.db'), 'topics'], { stdout: capture(), stderr: capture(), env: {} });
  assert.equal(missing, 1);
  const debug = await herald(['tail', 'no-such-topic'], { env: { HERALD_DEBUG: '1' } });
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /^error HERALD_E_NOT_FOUND: topic no-such-topic does not exist\n.*\n\s+at /);
  const help = await herald(['dlq', 'redrive', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: herald dlq redrive/);
});

test('topics: a table and JSON', async () => {
  const r = await herald(['topics']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout)[0]!.split(/\s+/), ['TOPIC', 'HEAD', 'FIRST', 'COUNT', 'RETENTION']);
  assert.match(r.stdout, /^orders\s+6\s+1\s+6\s+forever$/m);
  const j = JSON.parse((await herald(['topics', '--json'])).stdout) as { topic: string; head: number }[];
  assert.equal(j.find((t) => t.topic === 'orders')?.head, 6);
});

test('tail: human lines, --json, --from a position, --type and --limit', async () => {
  const r = await herald(['tail', 'orders']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout).length, 6);
  assert.match(lines(r.stdout)[0]!, /^#1 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}order\.placed {2}key=o-1 {2}id=evt-1 {2}\{"orderId":"o-1","total":42\}$/);
  const j = jsonLines<{ topic: string; position: number; appendedAt: number; event: CloudEvent }>((await herald(['tail', 'orders', '--json', '--from', '4'])).stdout);
  assert.deepEqual(j.map((x) => x.position), [4, 5, 6]);
  assert.equal(j[0]!.topic, 'orders');
  assert.equal(typeof j[0]!.appendedAt, 'number');
  assert.deepEqual(j[0]!.event.data, { orderId: 'o-3', total: 7 });
  const typed = await herald(['tail', 'orders', '--type', 'order.cancelled', '--json']);
  assert.deepEqual(jsonLines(typed.stdout).map((x) => x.position), [3]);
  const limited = await herald(['tail', 'orders', '-n', '2', '--from', '2']);
  assert.deepEqual(lines(limited.stdout).map((l) => l.split('  ')[0]), ['#2', '#3']);
});

test('tail --follow (in process): prints events as they are appended and stops cleanly when interrupted', async () => {
  await herald(['publish', 'inproc', '--type', 'tick', '--data', '1']);
  const controller = new AbortController();
  const out = capture();
  const following = herald(['tail', 'inproc', '-f', '--from', 'earliest'], { signal: controller.signal, stdout: out });
  await waitFor(() => out.text.includes('#1 '), 'the existing event');
  await herald(['publish', 'inproc', '--type', 'tock', '--data', '2']);
  await waitFor(() => out.text.includes('#2 '), 'the new event');
  controller.abort();
  const r = await following;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(out.text).map((l) => l.split('  ')[2]), ['tick', 'tock']);
});

test('the real binary: tail -f sees an event published by another process and exits 0 on SIGINT', async () => {
  await herald(['publish', 'live', '--type', 'first', '--data', '{"n":1}']);
  const child = spawn(process.execPath, [BIN, '--db', db, 'tail', 'live', '--follow', '--from', 'earliest', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    await waitFor(() => stdout.includes('"first"'), `the first event (stderr: ${stderr})`);
    await herald(['publish', 'live', '--type', 'second', '--data', '{"n":2}']);
    await waitFor(() => stdout.includes('"second"'), 'the event published by this process');
  } finally {
    child.kill('SIGINT');
  }
  assert.deepEqual(await exited, { code: 0, signal: null }, stderr);
  assert.deepEqual(jsonLines<{ position: number }>(stdout).map((x) => x.position), [1, 2]);
  const usage = spawnSync(process.execPath, [BIN, '--db', db, 'publish'], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /error: missing required argument 'topic'/);
});

test('replay: --dry-run counts only; a replay keeps ids, so running it again adds nothing', async () => {
  const file = join(dir, 'src.ndjson');
  writeFileSync(file, [1, 2, 3, 4, 5].map((n) => JSON.stringify({ specversion: '1.0', id: `src-${n}`, source: 'urn:t', type: n % 2 ? 'odd' : 'even', data: { n } })).join('\n'));
  assert.equal((await herald(['publish', 'src', '--file', file])).code, 0);

  const dry = await herald(['replay', 'src', '--to', 'dst', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout, 'dry run: 5 events of src #1..#5 would be replayed into dst\n');
  assert.equal(await count('dst'), 0);

  const part = await herald(['replay', 'src', '--to', 'dst', '--from', '2', '--until', '4'], { deps: { progressIntervalMs: 0 } });
  assert.equal(part.code, 0, part.stderr);
  assert.equal(part.stdout, 'replayed 3 events of src #2..#4 into dst: 3 appended (#1..#3), 0 already there\n');
  assert.match(part.stderr, /^replay src → dst: 3\/3 \(100%\), \d+ ev\/s, ETA 0s$/m, 'plain progress lines when stderr is not a TTY');

  const full = await herald(['replay', 'src', '--to', 'dst', '--json']);
  assert.deepEqual(JSON.parse(full.stdout), { topic: 'src', to: 'dst', start: 1, end: 5, matched: 5, appended: 2, duplicates: 3, dryRun: false, interrupted: false });
  const again = await herald(['replay', 'src', '--to', 'dst', '--json']);
  assert.equal((JSON.parse(again.stdout) as { appended: number }).appended, 0);
  const copied = jsonLines<{ position: number; event: CloudEvent }>((await herald(['tail', 'dst', '--json'])).stdout);
  assert.deepEqual(copied.map((x) => [x.position, x.event.id]), [[1, 'src-2'], [2, 'src-3'], [3, 'src-4'], [4, 'src-1'], [5, 'src-5']]);

  const odd = await herald(['replay', 'src', '--to', 'odd-only', '--type', 'odd', '--json']);
  assert.equal((JSON.parse(odd.stdout) as { appended: number }).appended, 3);
  const none = await herald(['replay', 'src', '--to', 'dst', '--from', 'latest']);
  assert.equal(none.stdout, 'nothing to replay: src has no events in that range\n');
});

test('groups: cursor, pending and lag after a consumer acked some events; reset', async () => {
  const h = await openHerald({ path: db });
  try {
    for (let n = 1; n <= 5; n++) await h.publish('work', { type: 'job', data: { n } });
    const got = await h.log.fetch('work', 'billing', { max: 3, leaseMs: 60_000 });
    assert.equal(got.length, 3);
    await h.log.settle('work', 'billing', got.slice(0, 2).map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId })));
  } finally {
    await h.close();
  }
  const r = await herald(['groups', 'work']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout).map((l) => l.split(/\s+/)), [['TOPIC', 'GROUP', 'CURSOR', 'PENDING', 'LAG'], ['work', 'billing', '4', '1', '3']]);
  const all = JSON.parse((await herald(['groups', '--json'])).stdout) as { topic: string; group: string; lag: number }[];
  assert.ok(all.some((g) => g.topic === 'work' && g.group === 'billing' && g.lag === 3));

  const reset = await herald(['groups', 'reset', 'work', 'billing', '--to', 'earliest']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(reset.stdout, 'group billing on work reset to earliest: cursor 4 → 1, lag 3 → 5\n');
  const toPos = await herald(['groups', 'reset', 'work', 'billing', '--to', '5', '--json']);
  assert.deepEqual(JSON.parse(toPos.stdout), { topic: 'work', group: 'billing', cursor: 5, pending: 0, lag: 1 });
  assert.equal((await herald(['groups', 'reset', 'work', 'nobody', '--to', 'latest'])).code, 1);
  assert.equal((await herald(['groups', 'reset', 'work', 'billing', '--to', 'soon'])).code, 2);
  assert.equal((await herald(['groups', 'reset', 'work', 'billing'])).code, 2, '--to is required');
});

test('dlq: list, show, redrive and discard dead letters made by the consumer runtime', async () => {
  const h = await openHerald({ path: db });
  try {
    for (const n of [1, 2, 3, 4]) await h.publish('pay', { type: 'payment.requested', key: `o-${n}`, data: { n, fail: n !== 2 } });
    const sub = h.subscribe<{ fail: boolean }>('pay', { group: 'billing', maxAttempts: 1, pollInterval: 10, name: 'charge' }, (event) => {
      if (event.data?.fail) throw new Error(`card declined for ${event.partitionkey}`);
    });
    await waitFor(() => sub.stats().deadLettered === 3 && sub.stats().handled >= 1, 'three dead letters');
  } finally {
    await h.close();
  }
  const list = await herald(['dlq', 'list', 'pay', 'billing']);
  assert.equal(list.code, 0, list.stderr);
  const rows = lines(list.stdout);
  assert.deepEqual(rows[0]!.split(/\s{2,}/), ['POS', 'FROM', 'ATTEMPTS', 'FAILED AT', 'TYPE', 'ID', 'ERROR']);
  assert.deepEqual(rows.slice(1).map((l) => l.split(/\s+/).slice(0, 3)), [['1', 'pay#1', '1'], ['2', 'pay#3', '1'], ['3', 'pay#4', '1']]);
  assert.match(rows[1]!, /card declined for o-1$/);
  const asJson = JSON.parse((await herald(['dlq', 'list', 'pay', 'billing', '--json'])).stdout) as { dlqPosition: number; context: { position: number } }[];
  assert.deepEqual(asJson.map((l) => [l.dlqPosition, l.context.position]), [[1, 1], [2, 3], [3, 4]]);

  const show = await herald(['dlq', 'show', 'pay', 'billing', '2']);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^dead letter pay\.dlq\.billing#2\n {2}from: {6}pay#3 \(group billing\)\n {2}attempts: {2}1\n/);
  assert.match(show.stdout, /handler: {3}charge/);
  assert.match(show.stdout, /error: {5}Error: card declined for o-3/);
  assert.match(show.stdout, /stack:\n {4}Error: card declined for o-3\n {4}at /);
  assert.match(show.stdout, /event:\n\{\n {2}"specversion": "1\.0"/);
  assert.equal((await herald(['dlq', 'show', 'pay', 'billing', '9'])).code, 1);

  const redrive = await herald(['dlq', 'redrive', 'pay', 'billing', '1']);
  assert.equal(redrive.code, 0, redrive.stderr);
  assert.match(redrive.stdout, /^redriven pay\.dlq\.billing#1 → pay#1 for group billing/);
  const groups = JSON.parse((await herald(['groups', 'pay', '--json'])).stdout) as { group: string; pending: number }[];
  assert.equal(groups.find((g) => g.group === 'billing')?.pending, 1, 'the redriven event waits for the group again');

  const discard = await herald(['dlq', 'discard', 'pay', 'billing', '2']);
  assert.equal(discard.code, 0, discard.stderr);
  assert.deepEqual(lines((await herald(['dlq', 'list', 'pay', 'billing'])).stdout).slice(1).map((l) => l.split(/\s+/)[0]), ['3']);
  const missing = await herald(['dlq', 'discard', 'pay', 'billing', '2']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error HERALD_E_NOT_FOUND: no dead letter at pay\.dlq\.billing#2/);
  assert.equal((await herald(['dlq', 'discard', 'pay', 'billing'])).code, 2, 'positions or --all are required');
  const all = await herald(['dlq', 'discard', 'pay', 'billing', '--all']);
  assert.equal(all.stdout, 'discarded pay.dlq.billing#3\n1 dead letter discarded\n');
  assert.equal((await herald(['dlq', 'list', 'pay', 'billing'])).stdout, 'no dead letters for group billing on pay\n');
});
