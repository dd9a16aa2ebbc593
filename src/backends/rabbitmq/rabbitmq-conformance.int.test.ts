/** The shared EventLog and consumer-runtime conformance suites, run on RabbitLog against the real server. */
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { SERVICE_URLS, requireService } from '../../../test/services.js';
import { FakeClock, runLogConformance, runRuntimeConformance } from '../../../test/conformance/index.js';
import { dropRabbitNamespace, openRabbitLog, type RabbitLog, type RabbitLogOptions } from './index.js';

const url = SERVICE_URLS.rabbitmq;
// Under CI a missing broker fails here, loudly; elsewhere the suites are skipped with the start command.
const up = await requireService('rabbitmq');
const run = `hc${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
let opened = 0;
let last = '';
/** Namespaces whose test is over: dropped as the next one opens, so the broker never holds hundreds of streams. */
const finished: string[] = [];

async function fresh(options: Partial<RabbitLogOptions>): Promise<RabbitLog> {
  if (last) finished.push(last);
  while (finished.length > 0) await dropRabbitNamespace({ url, prefix: finished.shift()! });
  last = `${run}-${++opened}`;
  return openRabbitLog({ url, prefix: last, ...options });
}

after(async () => { if (last) await dropRabbitNamespace({ url, prefix: last }); });

if (up) {
  const clock = new FakeClock();
  runLogConformance({
    name: 'rabbitmq',
    clock,
    open: () => fresh({ clock }),
    reopen: () => openRabbitLog({ url, prefix: last, clock }),
  });
  // Real time, and a body cache of one event: leases and delays sleep, and fetches and reads go to the stream.
  runLogConformance({
    name: 'rabbitmq (system clock, stream reads)',
    open: () => fresh({ cacheEvents: 1 }),
    reopen: () => openRabbitLog({ url, prefix: last, cacheEvents: 1 }),
  });
  runRuntimeConformance({ name: 'rabbitmq', open: () => fresh({}) });
}
