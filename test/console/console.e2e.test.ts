import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ORDER_TOPIC } from '../../examples/order-flow/contracts.js';
import { placeOrders, settled, type PlacedOrder } from '../../examples/order-flow/flow.js';
import { startServices, type FlowState } from '../../examples/order-flow/services.js';
import { connectRemoteLog } from '../../src/client/index.js';
import { openHerald, type Herald } from '../../src/index.js';
import { bearer, call, publish, testServer, type TestServer } from '../../src/server/test-helpers.js';
import { ARTIFACTS, launch, probeBrowser, until, type Browser } from './browser.js';

/**
 * The web console in headless Chromium, against a real server with the order-flow demo's
 * services running as its clients. One declined order's cancellation email bounces for good and
 * is dead-lettered; in the browser we sign in, open that order's lineage, follow it to the dead
 * letter, redrive it once the mailbox is fixed, and see the queue empty and the handler succeed.
 * Each page is saved as a screenshot in test-artifacts/console/.
 */
const probe = probeBrowser();

describe('the web console (headless Chromium)', { skip: probe.skip }, () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let h: Herald;
  let state: FlowState;
  let orders: PlacedOrder[];
  let declined: PlacedOrder;
  let consoleKey = '';
  let mailboxFixed = false;
  const urls: string[] = [];
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  before(async () => {
    if (probe.failure) throw probe.failure;
    t = await testServer({ backend: 'sqlite' });
    // The demo's services: an ordinary client with its own key, recording handler outcomes for lineage.
    const log = await connectRemoteLog({ url: t.url, key: await t.key(['*:>']), pollMs: 50 });
    h = await openHerald({ log, source: 'urn:herald:example:order-flow', observability: { outcomes: true } });
    ({ state } = startServices(h, { bouncingEmails: (_order, template) => template === 'order-cancelled' && !mailboxFixed }));
    orders = await placeOrders(h, 4);
    declined = orders.find((o) => o.declined)!;
    const dlq = async (): Promise<number> => (await call<{ count: number }>(`${t.url}/v1/topics/${ORDER_TOPIC}.dlq.notification`, { headers: bearer(consoleKey) })).body.count ?? 0;
    consoleKey = await t.key(['*:>']);
    let seen = '';
    await until('the cancellation email to be dead-lettered and the other emails sent', async () => {
      const depth = await dlq();
      seen = `dead letters ${depth}, emails ${JSON.stringify(state.emails)}, analytics ${JSON.stringify(state.analytics)}`;
      return depth === 1 && state.emails.length === 3;
    }).catch((error: Error) => { throw new Error(`${error.message}: ${seen}`); });
    await h.observability!.flush();
    browser = await launch();
    page = await browser.context.newPage();
    page.on('request', (request) => urls.push(request.url()));
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await browser?.close();
    await h?.close();
    await t?.close();
  });

  it('asks for a key, refuses a wrong one, and keeps the right one in sessionStorage only', async () => {
    await page.goto(t.url);
    await page.getByLabel('API key or JWT').waitFor();
    assert.equal(await page.title(), 'Sign in · herald console');
    await shot('01-sign-in');
    await page.getByLabel('API key or JWT').fill('hk_0000000000000000_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'This key or token was refused.' }).waitFor();
    await page.getByLabel('API key or JWT').fill(consoleKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('tenant acme').waitFor();
    assert.equal(await page.evaluate('sessionStorage.getItem("herald.console.credential")'), consoleKey);
    assert.deepEqual(await browser.context.cookies(), [], 'no cookie');
  });

  it('Topics: counts, retention, and append rates from successive polls as sparklines', async () => {
    // Traffic on a topic nobody handles; a group that reads none of it, so its lag grows.
    await call(`${t.url}/v1/topics/clickstream/groups/slow-reader/reset`, { method: 'POST', headers: bearer(consoleKey), json: { to: 'earliest' } });
    let n = 0;
    const traffic = setInterval(() => void publish(t.url, consoleKey, 'clickstream', [{ specversion: '1.0', id: `click-${++n}`, source: 'urn:test', type: 'page.viewed', data: { n } }]), 100);
    try {
      const clicks = page.locator('tr[data-topic="clickstream"]');
      await clicks.waitFor();
      await until('a rate above zero', async () => /[1-9][\d.]*\/s/.test(await clicks.locator('td').nth(3).innerText()), 15_000);
      await clicks.locator('svg.sparkline path.spark-line').waitFor({ state: 'attached' }); // two rates: a line
      assert.match(await page.locator(`tr[data-topic="${ORDER_TOPIC}"]`).innerText(), /keep everything/);
      assert.equal(await page.locator('tr[data-topic^="herald."]').count(), 0, 'herald\'s own topics are hidden by default');
      await shot('02-topics');

      await page.getByRole('link', { name: 'Consumer groups' }).click();
      await page.locator('tr[data-group="clickstream / slow-reader"]').waitFor();
      await page.waitForTimeout(4500); // a few polls: the lag chart has a slope
    } finally {
      clearInterval(traffic);
    }
  });

  it('Consumer groups: lag chart, cursor and pending, the dead letters of each group, and a reset', async () => {
    await page.locator('svg.line-chart path.series').first().waitFor({ state: 'attached' });
    const notification = page.locator(`tr[data-group="${ORDER_TOPIC} / notification"]`);
    await notification.getByRole('link', { name: '1' }).waitFor();
    const slow = page.locator('tr[data-group="clickstream / slow-reader"]');
    assert.ok(Number((await slow.locator('td').nth(3).innerText()).replace(/,/g, '')) > 10, 'the slow reader lags');
    await shot('03-groups');
    page.once('dialog', (dialog) => void dialog.accept());
    await slow.getByRole('button', { name: 'Reset clickstream / slow-reader' }).click();
    const panel = page.getByRole('region', { name: 'Reset clickstream / slow-reader' });
    await panel.getByLabel('reset clickstream / slow-reader to').selectOption('latest');
    await panel.getByRole('button', { name: 'Reset' }).click();
    await page.getByRole('status').filter({ hasText: 'was reset to latest' }).waitFor();
    await until('the lag to drop to 0', async () => (await slow.locator('td').nth(3).innerText()) === '0');
  });

  it('Lineage: the declined order\'s flow shows the bounced email as dead-lettered', async () => {
    await page.getByRole('link', { name: 'Lineage' }).click();
    await page.getByLabel('Correlation id').fill(declined.eventId);
    await page.getByRole('button', { name: 'Show flow' }).click();
    const failed = page.locator('tr[data-group="notification"][data-outcome="dead-lettered"]');
    await failed.waitFor();
    assert.match(await failed.innerText(), /order\.cancelled/);
    assert.match(await failed.innerText(), /mailbox of .* does not exist/);
    for (const type of ['order.placed', 'payment.failed', 'order.cancelled']) {
      await page.locator(`svg.flow-graph g.flow-node[aria-label^="${type} at"]`).waitFor();
    }
    assert.equal(await page.locator('svg.flow-graph g.flow-node.node-bad').count(), 1, 'one event failed a handler');
    await shot('04-lineage-failed');
  });

  it('Dead letters: from the lineage to the dead letter, its failure and payload, then a redrive after the fix', async () => {
    await page.locator('tr[data-group="notification"][data-outcome="dead-lettered"]').getByRole('link', { name: /dead letter #/ }).click();
    const panel = page.getByRole('region', { name: /dead letter \d+/ });
    await panel.getByRole('heading', { name: /Dead letter #\d+: order\.cancelled/ }).waitFor();
    assert.match(await panel.innerText(), new RegExp(`mailbox of ${declined.orderId} does not exist`));
    assert.match(await panel.innerText(), /HERALD_E_NON_RETRYABLE/);
    assert.match(await panel.locator('pre.json').innerText(), /"reason": "card declined"/);
    await shot('05-dead-letter');
    mailboxFixed = true;
    await panel.getByRole('button', { name: 'Redrive', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Redriven' }).waitFor();
    await page.getByText('No dead letters: this queue is empty.').waitFor();
    await settled(state, orders);
    assert.ok(state.emails.includes(`${declined.orderId}:order-cancelled`), 'the email went out');
    await shot('06-dead-letters-empty');
  });

  it('Lineage after the redrive: the handler succeeded and the email event joined the flow', async () => {
    await h.observability!.flush();
    await page.goto(`${t.url}/#/lineage?id=${declined.eventId}`);
    await page.locator('tr[data-group="notification"][data-outcome="ok"]').filter({ hasText: 'order.cancelled' }).waitFor();
    await page.locator('svg.flow-graph g.flow-node[aria-label^="notification.sent at"]').waitFor();
    assert.equal(await page.locator('tr[data-outcome="dead-lettered"]').count(), 0);
    assert.equal(await page.locator('svg.flow-graph g.flow-node.node-bad').count(), 0);
    await shot('07-lineage-redriven');
  });

  it('Event browser: filters by topic, type and correlation id, shows payloads with redacted values, follows live over SSE', async () => {
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByLabel('Topic').fill(ORDER_TOPIC);
    await page.getByLabel('Types').fill('order.cancelled');
    await page.getByLabel('Correlation id').fill(declined.eventId);
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('tbody tr[data-position]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1, 'only the cancellation of that order');
    await rows.first().getByRole('button').click();
    await page.getByRole('region', { name: /event \d+/ }).locator('pre.json').filter({ hasText: declined.orderId }).waitFor();

    await page.goto(`${t.url}/#/events?topic=audit.trail`);
    await page.getByText('No event matches.').waitFor();
    await page.getByLabel('follow live').check();
    await page.getByText('● live').waitFor();
    const sent = await publish(t.url, consoleKey, 'audit.trail', [{
      specversion: '1.0', id: 'pii-1', source: 'urn:test', type: 'customer.updated', subject: 'customer-7',
      datacontenttype: 'application/json', data: { name: 'Ada', email: { $redacted: 'pii' }, tags: ['vip'] },
    }]);
    assert.equal(sent.status, 200, sent.text);
    await page.locator('tr.live-row').filter({ hasText: 'customer.updated' }).getByRole('button').click();
    const payload = page.getByRole('region', { name: /event \d+/ }).locator('pre.json');
    await payload.locator('.redacted').filter({ hasText: 'redacted (pii)' }).waitFor();
    assert.ok(!(await payload.innerText()).includes('$redacted'), 'the marker is shown as redacted, not as data');
    await shot('08-events');
  });

  it('never put the credential in a URL, and signing out forgets it', async () => {
    assert.ok(urls.length > 20, `the console made requests (${urls.length})`);
    for (const url of urls) assert.ok(!url.includes(consoleKey.slice(20)), `the key is in ${url}`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key or JWT').waitFor();
    assert.equal(await page.evaluate('sessionStorage.getItem("herald.console.credential")'), null);
  });

  it('a key revoked while signed in sends the console back to the sign-in screen', async () => {
    await page.getByLabel('API key or JWT').fill(consoleKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Topics' }).click();
    await page.locator(`tr[data-topic="${ORDER_TOPIC}"]`).waitFor();
    await t.server.keys!.revoke(consoleKey.split('_')[1]!);
    await page.getByRole('alert').filter({ hasText: 'The server refused your key or token' }).waitFor();
    assert.equal(await page.evaluate('sessionStorage.getItem("herald.console.credential")'), null);
  });
});

describe('the web console on a --dev server (headless Chromium)', { skip: probe.skip }, () => {
  it('needs no sign-in and says loudly that nothing is authenticated', async () => {
    if (probe.failure) throw probe.failure;
    const t = await testServer({ dev: true });
    const browser = await launch();
    try {
      await publish(t.url, 'none', 'greetings', [{ specversion: '1.0', id: 'hello-1', source: 'urn:test', type: 'greeting.said', data: { to: 'world' } }]);
      const page = await browser.context.newPage();
      await page.goto(t.url);
      await page.getByText('dev mode · no authentication').waitFor();
      await page.locator('tr[data-topic="greetings"]').waitFor();
      assert.equal(await page.getByLabel('API key or JWT').count(), 0, 'no sign-in screen');
      assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    } finally {
      await browser.close();
      await t.close();
    }
  });
});
