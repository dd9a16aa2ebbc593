/** Where a stall shows: Herald's status and onStall, the Prometheus gauge and counter, and `/readyz` 503 naming the backend. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createEvent } from '../../src/core/envelope.js';
import { Herald } from '../../src/herald.js';
import { MemoryLog } from '../../src/log/memory/index.js';
import { watchLog } from '../../src/log/watched-log.js';
import type { StallReport } from '../../src/log/watchdog.js';
import { Observability } from '../../src/observability/observability.js';
import { startServer } from '../../src/server/server.js';
import { hangingLog } from './hang-log.js';

const sample = (text: string, name: string): string | undefined => text.split('\n').find((line) => line.startsWith(`${name}{backend="memory"}`))?.split(' ')[1];

describe('R14 stall exposure', () => {
  it('Herald: backendStatus, onStall, a log line, and the gauges (the scrape does not hang on the stalled log)', async () => {
    const hanging = hangingLog(new MemoryLog());
    const lines: string[] = [];
    const herald = new Herald(hanging.log, 'r14', new Observability(), undefined, {
      stallAfter: 200, logger: { warn: (o, m) => lines.push(`warn ${m ?? ''} ${JSON.stringify(o)}`), info: (_o, m) => lines.push(`info ${m ?? ''}`) },
    });
    const reports: StallReport[] = [];
    herald.onStall((r) => reports.push(r));
    await herald.publish('orders', createEvent({ type: 't' }));
    const before = await herald.observability!.prometheus();
    assert.equal(sample(before, 'herald_backend_stalled'), '0');
    assert.equal(sample(before, 'herald_backend_stalls_total'), '0');

    hanging.hang();
    const pending = herald.publish('orders', createEvent({ type: 't' }));
    await sleep(500);
    assert.equal(herald.backendStatus()?.stalled, true);
    assert.equal(herald.backendStatus()?.operation, 'append');
    assert.equal(reports[0]?.state, 'stalled');
    assert.match(lines[0] ?? '', /^warn herald: the memory backend has not answered for \d+ s .*"operation":"append","topic":"orders"/);
    const during = await herald.observability!.prometheus();
    assert.equal(sample(during, 'herald_backend_stalled'), '1');
    assert.equal(sample(during, 'herald_backend_stalls_total'), '1');
    assert.doesNotMatch(during, /herald_topic_events\{/, 'the stalled log\'s own gauges are skipped, not awaited');

    hanging.release();
    await pending;
    assert.equal(herald.backendStatus()?.stalled, false);
    assert.equal(reports.at(-1)?.state, 'resumed');
    const after = await herald.observability!.prometheus();
    assert.equal(sample(after, 'herald_backend_stalled'), '0');
    assert.equal(sample(after, 'herald_backend_stalls_total'), '1');
    await herald.close();
  });

  it('/readyz answers 503 naming the stalled backend, and 200 again once it answers', async (t) => {
    const hanging = hangingLog(new MemoryLog());
    const log = watchLog(hanging.log, { stallAfter: 200 });
    const server = await startServer({ log, ownsLog: true, port: 0, dev: true, logger: { level: 'error', stream: { write: () => undefined } } });
    t.after(() => server.close());
    const readyz = async (signal?: AbortSignal): Promise<{ status: number; body: { error?: { code: string; message: string; details: Record<string, unknown> } } }> => {
      const res = await fetch(`${server.url}/readyz`, signal ? { signal } : {});
      return { status: res.status, body: await res.json() as { error?: { code: string; message: string; details: Record<string, unknown> } } };
    };
    assert.equal((await readyz()).status, 200);
    hanging.hang();
    const abort = new AbortController();
    const hung = readyz(abort.signal).catch(() => undefined); // this probe's own call hangs: it starts the stall
    await sleep(500);
    const stalled = await readyz();
    assert.equal(stalled.status, 503);
    assert.equal(stalled.body.error?.code, 'HERALD_E_UNAVAILABLE');
    assert.match(stalled.body.error?.message ?? '', /the memory backend is stalled/);
    assert.equal(stalled.body.error?.details.backend, 'memory');
    hanging.release();
    await hung;
    abort.abort();
    assert.equal((await readyz()).status, 200);
  });
});
