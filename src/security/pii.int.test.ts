import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { openSqliteSubjectKeys, type SqliteSubjectKeys } from '../backends/sqlite/subject-keys.js';
import { defineEvent } from '../core/contract.js';
import type { CloudEvent } from '../core/envelope.js';
import { openHerald, type Herald } from '../herald.js';
import { MemoryLog } from '../log/memory/index.js';
import { decryptPii, encryptPii, redactSensitive, REDACTED, SHREDDED_EXTENSION } from './pii.js';
import { MemorySubjectKeys } from './subject-keys.js';

const EMAIL = 'alice.plaintext-4711@example.com';
const STREET = 'Unmistakable Street 4711';
const CustomerRegistered = defineEvent({
  type: 'customer.registered', version: 1,
  schema: z.object({ customerId: z.string(), email: z.string().optional(), address: z.object({ street: z.string() }).optional(), plan: z.string() }),
  pii: { subject: 'customerId', fields: ['email', 'address'] },
});

/** Every file of the database (the WAL too): what an attacker with the disk would have. */
const bytesOf = (...paths: string[]): Buffer => Buffer.concat(paths.filter((p) => existsSync(p)).map((p) => readFileSync(p)));
const contains = (bytes: Buffer, text: string | Uint8Array): boolean => bytes.includes(typeof text === 'string' ? Buffer.from(text) : Buffer.from(text));

describe('PII: per-subject encryption and crypto-shredding', () => {
  let dir: string;
  let keys: SqliteSubjectKeys;
  let herald: Herald;
  let db: string;
  let keyFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-pii-'));
    db = join(dir, 'herald.db');
    keyFile = join(dir, 'subject-keys.db');
    keys = openSqliteSubjectKeys(keyFile);
    herald = await openHerald({ path: db, durability: 'os', governance: { pii: { keys } } });
  });
  after(async () => {
    await herald.close();
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the sensitive fields encrypted, never in plaintext, and handlers see them decrypted', async () => {
    await herald.publish('customers', CustomerRegistered, { customerId: 'c-1', email: EMAIL, address: { street: STREET }, plan: 'gold' });
    await herald.publish('customers', CustomerRegistered, { customerId: 'c-2', email: 'bob@example.com', plan: 'free' });
    const stored: CloudEvent[] = [];
    for await (const e of herald.read('customers')) stored.push(e.event);
    const data = stored[0]!.data as Record<string, unknown>;
    assert.match(String(data.email), /^hpii:v1:/);
    assert.match(String(data.address), /^hpii:v1:/);
    assert.equal(data.customerId, 'c-1', 'the subject stays readable');
    assert.equal(data.plan, 'gold', 'other fields are untouched');
    assert.equal(stored[0]!.heraldpii, 'email,address');
    assert.equal(stored[1]!.heraldpii, 'email', 'absent fields stay absent');
    const disk = bytesOf(db, `${db}-wal`);
    assert.ok(contains(disk, 'gold'), 'the scan finds what is stored in plaintext');
    assert.ok(!contains(disk, EMAIL) && !contains(disk, STREET), 'no sensitive plaintext in the database files');
    const seen: CloudEvent[] = [];
    const sub = herald.subscribe('customers', { group: 'mailer' }, (event) => { seen.push(event); });
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await sub.close();
    seen.sort((a, b) => String((a.data as { customerId: string }).customerId).localeCompare(String((b.data as { customerId: string }).customerId)));
    assert.deepEqual(seen[0]!.data, { customerId: 'c-1', email: EMAIL, address: { street: STREET }, plan: 'gold' });
    assert.deepEqual((await herald.open(stored[0]!)).data, seen[0]!.data, 'open() decrypts for read and consume');
  });

  it('forget deletes the key from the key file; the fields can never be read again, the log stays intact', async () => {
    const key = await keys.find('c-1');
    assert.ok(key && contains(bytesOf(keyFile), key), 'the key is in the key file before');
    const [first] = await (async () => { const out: CloudEvent[] = []; for await (const e of herald.read('customers', { limit: 1 })) out.push(e.event); return out; })();
    assert.equal(await keys.forget('c-1'), true);
    assert.equal(await keys.forget('c-1'), false);
    assert.ok(!contains(bytesOf(keyFile, `${keyFile}-journal`, `${keyFile}-wal`), key), 'the key bytes are gone from the key store files (secure_delete)');
    const opened = await herald.open(first!);
    assert.deepEqual(opened.data, { customerId: 'c-1', plan: 'gold' });
    assert.equal(opened[SHREDDED_EXTENSION], 'email,address');
    const other = await herald.open((await (async () => { const out: CloudEvent[] = []; for await (const e of herald.read('customers')) out.push(e.event); return out; })())[1]!);
    assert.equal((other.data as { email: string }).email, 'bob@example.com', 'other subjects are unaffected');
    assert.equal((await herald.log.topicInfo('customers'))?.count, 2, 'the log keeps every event');
    const disk = bytesOf(db, `${db}-wal`);
    assert.ok(!contains(disk, EMAIL) && !contains(disk, STREET), 'and no plaintext anywhere');
  });

  it('the ciphertext is useless without the right key, and bound to its subject and field', async () => {
    const memory = new MemorySubjectKeys();
    const event = await CustomerRegistered.create({ customerId: 'c-9', email: EMAIL, plan: 'x' });
    const sealed = await encryptPii(event, CustomerRegistered.pii!, memory);
    const stranger = new MemorySubjectKeys();
    await stranger.keyFor('c-9');
    assert.equal((await decryptPii(sealed, stranger))[SHREDDED_EXTENSION], 'email', 'another key opens nothing');
    const moved = { ...sealed, data: { ...(sealed.data as object), plan: (sealed.data as { email: string }).email }, heraldpii: 'plan' };
    assert.equal((await decryptPii(moved, memory))[SHREDDED_EXTENSION], 'plan', 'a ciphertext moved to another field does not decrypt');
    assert.equal(((await decryptPii(sealed, memory)).data as { email: string }).email, EMAIL);
  });

  it('redactSensitive hides sensitive fields for logs and the console, by contract or by the event\'s own list', async () => {
    const event = await CustomerRegistered.create({ customerId: 'c-3', email: EMAIL, address: { street: STREET }, plan: 'p' });
    const shown = redactSensitive(event, CustomerRegistered);
    assert.deepEqual(shown.data, { customerId: 'c-3', email: REDACTED, address: REDACTED, plan: 'p' });
    assert.equal((event.data as { email: string }).email, EMAIL, 'the event itself is not changed');
    const sealed = await encryptPii(event, CustomerRegistered.pii!, new MemorySubjectKeys());
    assert.equal((redactSensitive(sealed).data as { email: string }).email, REDACTED);
  });

  it('works the same on the memory log, and refuses an event without its subject', async () => {
    const h = await openHerald({ log: new MemoryLog(), governance: { pii: { keys: new MemorySubjectKeys() } } });
    await assert.rejects(h.publish('customers', CustomerRegistered, { customerId: '', email: EMAIL, plan: 'p' }), /data\.customerId/);
    await h.publish('customers', CustomerRegistered, { customerId: 'c-5', email: EMAIL, plan: 'p' });
    for await (const e of h.read('customers')) assert.notEqual((e.event.data as { email: string }).email, EMAIL);
    await h.close();
  });
});
