import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { defineEvent } from '../../src/core/contract.js';
import { NonRetryableError } from '../../src/core/errors.js';
import type { Subscription } from '../../src/consumer/types.js';
import { openHerald, type Herald } from '../../src/index.js';
import { ENCRYPTED_FIELD_PATTERN } from '../../src/security/pii.js';
import { MemorySubjectKeys } from '../../src/security/subject-keys.js';
import { call, publish, testServer, type TestServer } from '../../src/server/test-helpers.js';
import { defineWorkflow, startWorkflowRunner, type WorkflowRunner } from '../../src/workflow/index.js';
import { ARTIFACTS, launch, probeBrowser, until, type Browser } from './browser.js';

/**
 * The console's Workflows and Catalog pages and its PII redaction, in headless Chromium against a
 * --dev server whose log is shared by a workflow runner and a herald with PII encryption (as an
 * application beside the server would). Screenshots go to test-artifacts/console/.
 */
const probe = probeBrowser();

const EMAIL = 'ada.plaintext-4711@example.com';
const customerSchema = z.object({ customerId: z.string(), email: z.string(), address: z.object({ street: z.string() }).optional(), plan: z.string() });
const CustomerRegistered = defineEvent({ type: 'customer.registered', version: 1, schema: customerSchema, pii: { subject: 'customerId', fields: ['email', 'address'] } });

let processorDown = true;
const fulfil = defineWorkflow('fulfil', { retry: { maxAttempts: 2, backoff: { initial: 20, max: 20 } } }, async (ctx, order: { orderId: string }) => {
  const reserved = await ctx.step('reserve stock', () => ({ reserved: order.orderId }));
  const charged = await ctx.step('charge card', () => {
    if (processorDown) throw new Error('card processor down');
    return { receipt: `r-${order.orderId}` };
  });
  await ctx.step('ship', () => ({ carrier: 'DHL' }));
  return { ...reserved, ...charged };
});
const approval = defineWorkflow('approval', async (ctx, request: { amount: number }) => {
  const decision = await ctx.waitForSignal<{ approved: boolean }>('decision');
  return { amount: request.amount, approved: decision?.approved === true };
});

describe('the web console: workflows, catalog and PII redaction (headless Chromium)', { skip: probe.skip }, () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let h: Herald;
  let runner: WorkflowRunner;
  let mailer: Subscription;
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const instance = (workflow: string, id: string): ReturnType<Page['getByRole']> => page.getByRole('region', { name: `workflow instance ${id} of ${workflow}` });

  before(async () => {
    if (probe.failure) throw probe.failure;
    t = await testServer({ dev: true, backend: 'sqlite' });
    runner = await startWorkflowRunner(t.log, { workflows: [fulfil, approval], pollInterval: 20 });
    h = await openHerald({ log: t.log, source: 'urn:herald:example:crm', governance: { pii: { keys: new MemorySubjectKeys() } } });
    mailer = h.subscribe('customers', { group: 'welcome-mailer', maxAttempts: 1, pollInterval: 50 }, (event) => {
      if ((event.data as { plan: string }).plan === 'blocked') throw new NonRetryableError('the mail provider refuses this customer');
    });
    browser = await launch();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await browser?.close();
    await mailer?.close();
    await runner?.close();
    await t?.close(); // closes the shared log (h.close() would close it a second time)
  });

  it('Workflows: a failed instance is listed, inspected with its steps and timings, retried, and seen completing', async () => {
    const ref = await runner.start(fulfil, { orderId: 'order-7' }, { id: 'order-7' });
    await assert.rejects(runner.result(ref), /card processor down/);
    await page.goto(`${t.url}/#/workflows?status=failed`);
    const row = page.locator('tr[data-instance="fulfil/order-7"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-status'), 'failed');
    assert.match(await row.innerText(), /card processor down/);
    await shot('09-workflows-failed');

    await row.getByRole('button', { name: 'Inspect order-7 of fulfil' }).click();
    const panel = instance('fulfil', 'order-7');
    await panel.locator('tr[data-step="charge card"][data-status="failed"]').waitFor();
    assert.match(await panel.locator('tr[data-step="reserve stock"]').innerText(), /completed/);
    const charge = panel.locator('details[data-step="charge card"]');
    assert.equal(await charge.locator('tr[data-outcome="retry"]').count(), 1, 'the first attempt was retried');
    assert.equal(await charge.locator('tr[data-outcome="failed"]').count(), 1, 'the second failed for good');
    assert.match(await charge.innerText(), /card processor down/);
    assert.equal(await panel.locator('svg.waterfall rect.wf-attempt').count(), 3, 'one bar per attempt: reserve, charge twice');
    assert.match(await panel.locator('pre.json').first().innerText(), /"orderId": "order-7"/);
    await shot('10-workflow-instance-failed');

    processorDown = false;
    page.once('dialog', (dialog) => void dialog.accept());
    await panel.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('status').filter({ hasText: 'Retry requested for order-7 of fulfil' }).waitFor();
    await page.locator('section[data-status="completed"]').waitFor();
    assert.deepEqual(await runner.result(ref), { reserved: 'order-7', receipt: 'r-order-7' });
    await panel.locator('tr[data-step="ship"][data-status="completed"]').waitFor();
    assert.match(await panel.locator('tr[data-step="charge card"]').innerText(), /completed\s+3/);
    assert.match(await panel.innerText(), /"receipt": "r-order-7"/);
    assert.equal(await panel.getByRole('button', { name: 'Retry' }).count(), 0, 'a completed instance cannot be retried');
    await page.locator('tr[data-instance="fulfil/order-7"]').waitFor({ state: 'detached' }); // the list shows failed ones only
    await shot('11-workflow-instance-completed');
  });

  it('Workflows: a signal with a JSON payload completes a waiting instance; another one is cancelled', async () => {
    const waiting = await runner.start(approval, { amount: 120 }, { id: 'refund-9' });
    const doomed = await runner.start(approval, { amount: 5 }, { id: 'refund-10' });
    await page.goto(`${t.url}/#/workflows?workflow=approval`);
    await page.locator('tr[data-instance="approval/refund-10"][data-status="running"]').waitFor();
    await page.locator('tr[data-instance="approval/refund-9"]').getByRole('button').click();
    const panel = instance('approval', 'refund-9');
    await panel.getByText('Send a signal…').click();
    await panel.getByLabel('Signal name').fill('decision');
    await panel.getByLabel('Payload (JSON)').fill('{"approved": true}');
    await shot('12-workflow-signal');
    page.once('dialog', (dialog) => { assert.match(dialog.message(), /Send signal "decision" to instance refund-9 of approval/); void dialog.accept(); });
    await panel.getByRole('button', { name: 'Send signal' }).click();
    assert.deepEqual(await runner.result(waiting), { amount: 120, approved: true });
    await page.locator('section[data-status="completed"]').waitFor();
    await panel.locator('tr[data-signal="decision"]').filter({ hasText: '"approved": true' }).waitFor();

    await page.locator('tr[data-instance="approval/refund-10"]').getByRole('button').click();
    page.once('dialog', (dialog) => void dialog.accept());
    await instance('approval', 'refund-10').getByRole('button', { name: 'Cancel instance' }).click();
    await assert.rejects(runner.result(doomed), /cancelled from the console/);
    await page.locator('tr[data-instance="approval/refund-10"][data-status="cancelled"]').waitFor();
  });

  it('Catalog: a topic\'s producer, consumer group and event types; a registered schema with its versions', async () => {
    const schema = z.toJSONSchema(customerSchema);
    const registered = await call(`${t.url}/v1/schemas/customer.registered`, { method: 'POST', json: { schema, owner: 'team-crm', pii: CustomerRegistered.pii } });
    assert.equal(registered.status, 201, registered.text);
    const v2 = z.toJSONSchema(customerSchema.extend({ referrer: z.string().optional() }));
    assert.equal((await call(`${t.url}/v1/schemas/customer.registered`, { method: 'POST', json: { schema: v2, owner: 'team-crm', pii: CustomerRegistered.pii } })).status, 201);
    await h.publish('customers', CustomerRegistered, { customerId: 'c-1', email: EMAIL, address: { street: 'Analytical Row 1' }, plan: 'gold' });
    await until('the mailer to have handled it', async () => (await call<{ groups: { group: string; lag: number }[] }>(`${t.url}/v1/groups`)).body.groups.some((g) => g.group === 'welcome-mailer' && g.lag === 0));

    await page.goto(`${t.url}/#/catalog`);
    const topic = page.getByRole('region', { name: 'topic customers' });
    await topic.locator('[data-role="consumers"]').getByText('welcome-mailer').waitFor();
    assert.match(await topic.locator('[data-role="publishers"]').innerText(), /urn:herald:example:crm: customer\.registered/);
    const typeRow = page.locator('tr[data-type="customer.registered"]');
    assert.match(await typeRow.innerText(), /v1, v2\s+BACKWARD\s+team-crm\s+email, address \(subject customerId\)\s+customers/);
    await topic.locator('[data-role="types"]').getByRole('button', { name: 'Show the schema of customer.registered' }).click();
    const detail = page.getByRole('region', { name: 'event type customer.registered' });
    await detail.getByRole('heading', { name: 'JSON Schema (v2)' }).waitFor();
    assert.match(await detail.locator('pre.json').innerText(), /"referrer"/);
    await detail.getByRole('button', { name: 'v1' }).click();
    await detail.getByRole('heading', { name: 'JSON Schema (v1)' }).waitFor();
    assert.doesNotMatch(await detail.locator('pre.json').innerText(), /"referrer"/);
    assert.match(await detail.innerText(), /email, address encrypted per subject customerId/);
    await shot('13-catalog');
  });

  it('PII: encrypted fields show as redacted in the event browser and in a dead letter, whose payload cannot be edited', async () => {
    await h.publish('customers', CustomerRegistered, { customerId: 'c-2', email: 'grace@example.com', plan: 'blocked' });
    const stored = await call<{ events: { event: { data: { email: string } } }[] }>(`${t.url}/v1/topics/customers/events?limit=10`);
    assert.match(stored.body.events[0]!.event.data.email, new RegExp(ENCRYPTED_FIELD_PATTERN), 'the log holds ciphertext');

    await page.goto(`${t.url}/#/events?topic=customers`);
    const rows = page.locator('tbody tr[data-position]');
    await until('both customers to be listed', async () => (await rows.count()) === 2);
    await rows.first().getByRole('button').click();
    const payload = page.getByRole('region', { name: /event \d+/ }).locator('pre.json');
    await payload.filter({ hasText: '"plan": "gold"' }).waitFor();
    assert.equal(await payload.locator('.redacted').filter({ hasText: 'redacted (pii)' }).count(), 2, 'email and address');
    const text = await payload.innerText();
    assert.ok(!text.includes('hpii:v1:') && !text.includes(EMAIL), `no ciphertext, no plaintext: ${text}`);
    await shot('14-events-pii');

    // A decrypted copy whose subject was forgotten: the field is gone, and listed as shredded.
    const forgotten = await publish(t.url, 'none', 'customers-archive', [{ specversion: '1.0', id: 'c-3-copy', source: 'urn:test', type: 'customer.snapshot',
      heraldshredded: 'email,address', data: { customerId: 'c-3', plan: 'free' } }]);
    assert.equal(forgotten.status, 200, forgotten.text);
    await page.goto(`${t.url}/#/events?topic=customers-archive`);
    await page.locator('tbody tr[data-position]').first().getByRole('button').click();
    const shredded = page.getByRole('region', { name: /event \d+/ }).locator('pre.json');
    assert.equal(await shredded.locator('.redacted').filter({ hasText: 'redacted (forgotten)' }).count(), 2);

    await page.goto(`${t.url}/#/dead-letters?topic=customers&group=welcome-mailer`);
    await page.locator('tr[data-position]').first().getByRole('button', { name: /Inspect dead letter/ }).click();
    const letter = page.getByRole('region', { name: /dead letter \d+/ });
    await letter.getByText('the mail provider refuses this customer').first().waitFor();
    const letterPayload = letter.locator('pre.json');
    await letterPayload.locator('.redacted').filter({ hasText: 'redacted (pii)' }).waitFor();
    assert.ok(!(await letterPayload.innerText()).includes('hpii:v1:'), 'the dead letter shows no ciphertext');
    await letter.getByRole('button', { name: 'Edit payload…' }).click();
    await letter.getByText('it cannot be edited here').waitFor();
    assert.equal(await page.locator('#payload-editor').count(), 0, 'no editor for a payload with encrypted fields');
    await shot('15-dead-letter-pii');
  });
});

describe('the console\'s redaction', () => {
  it('recognises the encrypted-field format herald writes (dashboard/src/redaction.ts mirrors ENCRYPTED_FIELD_PATTERN)', () => {
    const source = readFileSync(join('dashboard', 'src', 'redaction.ts'), 'utf8');
    const mirrored = /export const ENCRYPTED_FIELD = \/(.+)\/;/.exec(source)?.[1];
    assert.equal(mirrored, ENCRYPTED_FIELD_PATTERN);
  });
});
