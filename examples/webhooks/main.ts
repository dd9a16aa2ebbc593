// A topic sent to an HTTP endpoint: the receiver checks each request's Standard Webhooks
// signature, answers 503 once (herald retries), then 410 Gone (herald disables the endpoint
// until it is enabled again). Run: node dist/examples/webhooks/main.js (data in ./data).
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openHerald, startWebhook, newWebhookSecret, verifyWebhook } from '../../src/index.js';

mkdirSync('data', { recursive: true });
const herald = await openHerald({ path: 'data/herald.db', watchdog: false });
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}
const replies = [200, 503, 200, 410];
const received: string[] = [];

// docs:begin
const secret = newWebhookSecret();                     // whsec_...: shared with the receiver only

const receiver = createServer((req, res) => {          // the other side, e.g. a CRM
  let body = '';
  req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
  req.on('end', () => {
    verifyWebhook(secret, req.headers, body);          // throws unless herald signed exactly this
    received.push(`${String(req.headers['webhook-id'])} ${(JSON.parse(body) as { type: string }).type}`);
    res.writeHead(replies.shift() ?? 200).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/orders`;

const crm = await startWebhook(herald, {
  name: 'crm', topic: 'orders', url, secret,
  allow: ['127.0.0.1'],                                // loopback is refused unless allowed
  backoff: { initial: 50 },
  onDisabled: (status) => console.log(`disabled: ${status.reason}`),
});
for (const id of ['o-1', 'o-2', 'o-3']) await herald.publish('orders', { type: 'order.placed', id, key: 'customer-7', data: { id } });
// docs:end

await until(() => crm.status().state === 'disabled');
console.log(`received ${received.join(', ')}`);
await crm.enable();
await until(() => received.length === 5);
console.log(`after enable ${received.slice(4).join(', ')}`);
await crm.close();
receiver.close();
await herald.close();
