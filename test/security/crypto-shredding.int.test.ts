import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { openSqliteSubjectKeys, type SqliteSubjectKeys } from '../../src/backends/sqlite/subject-keys.js';
import { logging, type Logger } from '../../src/consumer/middleware/logging.js';
import { defineEvent } from '../../src/core/contract.js';
import type { CloudEvent } from '../../src/core/envelope.js';
import { handleCommand } from '../../src/eventstore/command-handler.js';
import type { Decider } from '../../src/eventstore/decider.js';
import { defineProjection, on } from '../../src/eventstore/projection.js';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import { startProjection } from '../../src/eventstore/projection-runner.js';
import { sqliteProjectionStore } from '../../src/eventstore/projection-store-sqlite.js';
import type { SqlDatabase } from '../../src/eventstore/sql.js';
import { openHerald, type Herald } from '../../src/herald.js';
import type { DeadLetter } from '../../src/log/dead-letters.js';
import { Observability } from '../../src/observability/observability.js';
import { FileBlobStore } from '../../src/schema/blob-store.js';
import { redactSensitive, SHREDDED_EXTENSION } from '../../src/security/pii.js';
import { filesUnder, hits } from './canary.js';

/**
 * RELIABILITY S6: a canary value of personal data for subjects A and B flows through everything
 * herald writes (the log and its WAL, claim-check blobs, a projection built by herald's runner,
 * the dead-letter topic with the handler's error, retry records, outcome records, structured logs
 * and OpenTelemetry spans); then A is forgotten. No spelling of A's canary may be left anywhere,
 * A's key bytes must be gone from the key store file, and B must still decrypt.
 */
const Customer = defineEvent({
  type: 'customer.registered', version: 1,
  schema: z.object({ customerId: z.string(), email: z.string(), profile: z.object({ name: z.string(), phone: z.string() }), bio: z.string().optional() }),
  pii: { subject: 'customerId', fields: ['email', 'profile'] },
});
interface CustomerData { customerId: string; email: string; profile: { name: string; phone: string }; bio?: string }
const canary = (who: string): { email: string; name: string; phone: string } => {
  const tag = randomBytes(12).toString('hex');
  return { email: `canary-${who}-${tag}@example.com`, name: `Canary ${who} ${tag}`, phone: `+99-${who}-${tag}` };
};
const until = async (what: string, ready: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('S6: crypto-shredding canary', () => {
  const A = { id: 'subject-A', ...canary('A') };
  const B = { id: 'subject-B', ...canary('B') };
  let dir: string;
  let herald: Herald;
  let keys: SqliteSubjectKeys;
  let projectionDb: Database.Database;
  const spans = new InMemorySpanExporter();
  const logLines: string[] = [];
  const logger: Logger = {
    info: (obj, msg) => logLines.push(JSON.stringify({ level: 'info', msg, ...obj })),
    warn: (obj, msg) => logLines.push(JSON.stringify({ level: 'warn', msg, ...obj })),
    error: (obj, msg) => logLines.push(JSON.stringify({ level: 'error', msg, ...obj })),
  };
  const seenByHandler: string[] = [];
  const path = (...parts: string[]): string => join(dir, ...parts);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-s6-'));
    keys = openSqliteSubjectKeys(path('subject-keys.db'));
    const observability = new Observability({ tracing: { tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }) }, metrics: false, outcomes: true });
    herald = await openHerald({
      path: path('herald.db'), durability: 'os', watchdog: false, observability,
      governance: { pii: { keys }, claimCheck: { store: new FileBlobStore(path('blobs')), thresholdBytes: 1024 } },
    });
  });
  after(async () => {
    await herald.close();
    await keys.close();
    projectionDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the canaries flow through the log, blobs, a projection, the DLQ, retries, outcomes, logs and traces', async () => {
    for (const s of [A, B]) {
      const data: CustomerData = { customerId: s.id, email: s.email, profile: { name: s.name, phone: s.phone } };
      await herald.publish('customers', Customer, data);
      await herald.publish('customers', Customer, { ...data, bio: 'x'.repeat(4096) }); // over the threshold: into a blob
    }
    // A projection kept by herald's runner gets the events as stored.
    projectionDb = new Database(path('projection.db'));
    const projection = defineProjection<SqlDatabase>({
      name: 'customers', version: 1, source: { topics: ['customers'] },
      setup: ({ tx, table }) => tx.exec(`CREATE TABLE ${table('c')} (id TEXT, email TEXT, dataref TEXT)`),
      handlers: [on('customer.registered', (event, { tx, table }) => {
        const data = event.data as Partial<CustomerData> | undefined;
        tx.prepare(`INSERT INTO ${table('c')} VALUES (?, ?, ?)`).run(data?.customerId ?? null, data?.email ?? null, typeof event.dataref === 'string' ? event.dataref : null);
      })],
    });
    const runner = startProjection(projection, { log: herald.log, store: sqliteProjectionStore(projectionDb as unknown as SqlDatabase), pollInterval: 20 });
    await until('the projection', () => (projectionDb.prepare('SELECT count(*) AS n FROM c_v1').get() as { n: number }).n === 4);
    await runner.close();
    const rows = projectionDb.prepare('SELECT email FROM c_v1 WHERE email IS NOT NULL').all() as { email: string }[];
    assert.equal(rows.length, 2, 'the two inline events (the other two are claim-checked)');
    for (const row of rows) assert.match(row.email, /^hpii:v1:/, 'herald\'s projection runner hands over ciphertext');

    // A subscription through the facade sees plaintext (the API's promise); A's handler fails
    // with the address in its error message, retries once, and is dead-lettered.
    const sub = herald.subscribe('customers', {
      group: 'mailer', maxAttempts: 2, backoff: { initial: 10, max: 10 },
      middleware: [logging(logger, { data: true, redact: redactSensitive })],
    }, (event) => {
      const data = event.data as CustomerData;
      seenByHandler.push(data.email);
      if (data.customerId === A.id) throw new Error(`cannot mail ${data.email} for ${data.profile.name} (${JSON.stringify(data.profile)})`);
    });
    const deadLetters = async (): Promise<DeadLetter[]> => { const out: DeadLetter[] = []; for await (const d of herald.deadLetters.list('customers', 'mailer')) out.push(d); return out; };
    await until('two dead letters', async () => (await deadLetters()).length === 2);
    await until('the spans', () => spans.getFinishedSpans().filter((s) => s.name.startsWith('process')).length >= 6);
    await sub.close();
    assert.ok(seenByHandler.includes(A.email) && seenByHandler.includes(B.email), 'handlers got the plaintext through the API');
    const dead = await deadLetters();
    assert.match(dead[0]!.context.error.message, /^cannot mail \[redacted\] for \[redacted\]/, 'the error is kept, its personal data is not');
    assert.match(String((dead[0]!.event.data as CustomerData | undefined)?.email ?? dead[0]!.event.dataref), /^hpii:v1:|^herald-blob:/, 'the dead letter holds the stored (encrypted) event');
    assert.ok(logLines.some((l) => l.includes('handler failed') && l.includes('[redacted]')), 'the failure was logged, redacted');
    assert.ok(logLines.some((l) => l.includes(B.id)), 'the logs were captured (they name the subject, which is not secret)');
  });

  it('after forgetting A: no spelling of A\'s canary anywhere, A\'s key gone, B still decrypts', async () => {
    const keyOfA = await keys.find(A.id);
    assert.ok(keyOfA);
    assert.equal(await keys.forget(A.id), true);
    const disk = [...filesUnder(dir)];
    const memory = [
      { path: '<structured logs>', bytes: Buffer.from(logLines.join('\n')) },
      { path: '<spans>', bytes: Buffer.from(JSON.stringify(spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links })))) },
    ];
    // The scanner must be able to find what it looks for.
    writeFileSync(path('control.txt'), Buffer.from(A.email).toString('base64'));
    assert.deepEqual(hits(readFileSync(path('control.txt')), A.email).length > 0, true, 'the scan finds a base64 canary');
    rmSync(path('control.txt'));
    const found: string[] = [];
    for (const { path: where, bytes } of [...disk, ...memory]) {
      for (const secret of [A.email, A.name, A.phone]) for (const form of hits(bytes, secret)) found.push(`${where}: ${form} of ${secret}`);
      if (bytes.includes(Buffer.from(keyOfA))) found.push(`${where}: A's key bytes`);
      for (const form of hits(bytes, B.email)) found.push(`${where}: ${form} of B's email (B is encrypted too)`);
    }
    const scanned = [...disk, ...memory].map((f) => `${f.path.replace(dir, '')} ${f.bytes.length} B`);
    console.log(`S6 scanned ${scanned.length} places: ${scanned.join(', ')}`);
    assert.deepEqual(found, [], 'no plaintext and no key of A left');
    assert.ok(disk.some((f) => f.path.includes('blobs')), 'blobs were written');
    assert.ok(disk.some((f) => f.path.endsWith('herald.db-wal')), 'the WAL was scanned');

    const opened: CloudEvent[] = [];
    for await (const stored of herald.read('customers')) opened.push(await herald.open(stored.event));
    const of = (id: string): CloudEvent[] => opened.filter((e) => (e.data as CustomerData).customerId === id);
    for (const e of of(A.id)) {
      assert.equal(e[SHREDDED_EXTENSION], 'email,profile', 'A\'s fields are gone for good');
      assert.equal((e.data as Partial<CustomerData>).email, undefined);
    }
    for (const e of of(B.id)) assert.deepEqual([(e.data as CustomerData).email, (e.data as CustomerData).profile.phone], [B.email, B.phone], 'B decrypts, inline and claim-checked');
    assert.equal(of(A.id).length + of(B.id).length, 4, 'the log keeps every event');
  });

  // The event store: a command handler given the subject keys encrypts its decider's events the
  // same way, and takes no snapshots of such streams (they would keep decrypted state).
  it('event-sourced streams: events encrypted, no plaintext snapshot, state decrypted on load', async () => {
    const C = { id: 'subject-C', ...canary('C') };
    const file = path('streams.db');
    const log = new SqliteLog({ path: file, durability: 'os' });
    type State = { email?: string };
    const loaded: (string | undefined)[] = [];
    const decider: Decider<State, CustomerData, { type: 'customer.registered'; data: CustomerData }> = {
      initialState: () => ({}),
      evolve: (_state, event) => ({ email: event.data.email }),
      decide: (command, state) => { loaded.push(state.email); return [{ type: 'customer.registered', data: command }]; },
    };
    const stream = `customer-${C.id}`;
    try {
      for (let i = 0; i < 2; i++) {
        await handleCommand(log.streams, stream, { customerId: C.id, email: C.email, profile: { name: C.name, phone: C.phone } }, decider, { contracts: [Customer], snapshots: { every: 1 }, pii: { keys } });
      }
      assert.deepEqual(loaded, [undefined, C.email], 'the second command saw the decrypted state');
      assert.equal(await log.streams.snapshots?.loadSnapshot(stream), undefined, 'no snapshot of a stream with personal data');
      for await (const recorded of log.streams.readStream(stream)) assert.match(String((recorded.event.data as CustomerData).email), /^hpii:v1:/);
      assert.equal(await keys.forget(C.id), true);
    } finally {
      await log.close();
    }
    const found = filesUnder(dir).filter((f) => f.path.startsWith(file)).flatMap((f) => [C.email, C.name, C.phone].flatMap((secret) => hits(f.bytes, secret).map((form) => `${f.path}: ${form}`)));
    assert.deepEqual(found, [], 'no spelling of C\'s canary in the stream database or its WAL');
  });
});
