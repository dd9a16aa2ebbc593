import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudEvent, CONSTANTS, HTTP, Mode, emitterFor, httpTransport } from 'cloudevents';
import { bearer, call, testServer, type TestServer } from './test-helpers.js';

/** Publishing with the official `cloudevents` SDK in each mode of the HTTP binding, and reading back identical events. */
describe('CloudEvents HTTP binding with the official SDK', () => {
  let t: TestServer;
  let key: string;
  before(async () => {
    t = await testServer({ backend: 'sqlite' });
    key = await t.key(['publish,read:sdk.>']);
  });
  after(() => t.close());

  const endpoint = (topic: string): string => `${t.url}/v1/topics/${topic}/events`;
  const readBack = async (topic: string): Promise<Record<string, unknown>[]> => {
    const page = await call<{ events: { event: Record<string, unknown> }[] }>(`${endpoint(topic)}?limit=1000`, { headers: bearer(key) });
    assert.equal(page.status, 200, page.text);
    return page.body.events.map((e) => e.event);
  };
  const asSdk = (stored: Record<string, unknown>): Record<string, unknown> => new CloudEvent(stored, false).toJSON();

  const events = (): CloudEvent<unknown>[] => [
    new CloudEvent({ source: 'urn:sdk', type: 'order.placed', data: { orderId: 'o-1', total: 42, lines: [1, 2] }, partitionkey: 'o-1', correlationid: 'c-1' }),
    new CloudEvent({ source: 'urn:sdk', type: 'note.text', datacontenttype: 'text/plain', data: 'héllo, wörld %20 & "quotes"', subject: 'notes/1' }),
    new CloudEvent({ source: 'urn:sdk', type: 'blob.bytes', datacontenttype: 'application/octet-stream', data: new Uint8Array([0, 1, 2, 250, 255]) }),
    new CloudEvent({ source: 'urn:sdk', type: 'no.data', time: '2026-01-02T03:04:05.678Z', dataschema: 'https://example.com/schema' }),
  ];

  for (const mode of [Mode.BINARY, Mode.STRUCTURED]) {
    it(`${mode} mode: the SDK's HTTP emitter publishes; the events read back identical`, async () => {
      const topic = `sdk.${mode}`;
      const emit = emitterFor(httpTransport(endpoint(topic)), { binding: HTTP, mode });
      // The SDK's own httpTransport cannot send a binary-mode event without data (it writes an undefined
      // body and throws before sending); that one goes through HTTP.binary() and fetch in the next test.
      const sent = events().filter((e) => mode !== Mode.BINARY || e.data !== undefined);
      for (const event of sent) {
        const response = await emit(event, { headers: bearer(key) }) as { body: string };
        const receipts = (JSON.parse(response.body) as { receipts: { id: string; position: number }[] }).receipts;
        assert.equal(receipts[0]?.id, event.id, response.body);
      }
      const stored = await readBack(topic);
      assert.equal(stored.length, sent.length);
      stored.forEach((s, i) => {
        const event = sent[i]!;
        // Binary mode always carries a Content-Type (the SDK defaults it), which is the event's
        // datacontenttype by the binding: "identical" is what the SDK's own receiver decodes.
        const expected = mode === Mode.BINARY ? (HTTP.toEvent(HTTP.binary(event)) as CloudEvent).toJSON() : event.toJSON();
        assert.deepEqual(asSdk(s), expected, `event ${i} (${event.type})`);
        if (event.datacontenttype !== undefined) assert.deepEqual(asSdk(s), event.toJSON(), `event ${i} is the one sent`);
      });
    });

    it(`${mode} mode: HTTP.${mode}() messages sent with fetch give positions`, async () => {
      const topic = `sdk.fetch-${mode}`;
      const serialize = mode === Mode.BINARY ? HTTP.binary : HTTP.structured;
      const positions: number[] = [];
      for (const event of events()) {
        const message = serialize(event);
        const body = message.body instanceof Uint8Array ? Buffer.from(message.body) : (message.body as string | undefined);
        const answer = await call<{ receipts: { position: number }[] }>(endpoint(topic), {
          method: 'POST', headers: { ...(message.headers as Record<string, string>), ...bearer(key) }, ...(body === undefined ? {} : { body }),
        });
        assert.equal(answer.status, 200, answer.text);
        positions.push(answer.body.receipts[0]!.position);
      }
      assert.deepEqual(positions, [1, 2, 3, 4]);
    });
  }

  it('batch mode: a JSON array the SDK itself parses as a batch is appended whole, in order', async () => {
    const sent = events();
    const message = { headers: { 'content-type': CONSTANTS.MIME_CE_BATCH }, body: JSON.stringify(sent.map((e) => e.toJSON())) };
    const parsed = HTTP.toEvent(message) as CloudEvent[];
    assert.equal(parsed.length, sent.length, 'the SDK reads the same body as a batch');
    const answer = await call<{ receipts: { position: number; id: string }[] }>(endpoint('sdk.batch'), { method: 'POST', headers: { ...message.headers, ...bearer(key) }, body: message.body });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body.receipts.map((r) => [r.id, r.position]), sent.map((e, i) => [e.id, i + 1]));
    const stored = await readBack('sdk.batch');
    stored.forEach((s, i) => assert.deepEqual(asSdk(s), sent[i]!.toJSON(), `event ${i}`));
  });

  it('batch mode is all-or-nothing; the 400 names every failing event index and field', async () => {
    const good = events().map((e) => e.toJSON());
    const batch = [good[0], { ...good[1], source: '' }, good[2], { ...good[3], time: 'yesterday', type: undefined }];
    const answer = await call<{ error: { code: string; message: string; details: { issues: { index: number; path: string }[] } } }>(endpoint('sdk.atomic'), {
      method: 'POST', headers: { 'content-type': CONSTANTS.MIME_CE_BATCH, ...bearer(key) }, body: JSON.stringify(batch),
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'HERALD_E_INVALID_EVENT');
    assert.deepEqual(answer.body.error.details.issues.map((i) => `${i.index}:${i.path}`), ['1:source', '3:type', '3:time']);
    assert.match(answer.body.error.message, /events\[1\]\.source/);
    assert.match(answer.body.error.message, /events\[3\]\.time/);
    assert.deepEqual(await readBack('sdk.atomic'), [], 'nothing was appended');
  });

  it('binary mode: percent-encoded header values are decoded; a repeated id is deduplicated', async () => {
    const headers = { ...bearer(key), 'ce-specversion': '1.0', 'ce-id': 'dup-1', 'ce-source': 'urn:a%20b', 'ce-type': 'x.y', 'ce-subject': 'caf%C3%A9', 'content-type': 'text/plain' };
    const first = await call<{ receipts: { duplicate: boolean; position: number }[] }>(endpoint('sdk.pct'), { method: 'POST', headers, body: 'hi' });
    const again = await call<{ receipts: { duplicate: boolean; position: number }[] }>(endpoint('sdk.pct'), { method: 'POST', headers, body: 'hi again' });
    assert.deepEqual([first.body.receipts[0]!.duplicate, again.body.receipts[0]!.duplicate], [false, true]);
    assert.equal(again.body.receipts[0]!.position, first.body.receipts[0]!.position);
    const [stored] = await readBack('sdk.pct');
    assert.deepEqual([stored!.source, stored!.subject, stored!.data], ['urn:a b', 'café', 'hi']);
  });

  it('a request that is no CloudEvent is refused with 415, naming content-type', async () => {
    const answer = await call<{ error: { code: string; details: { field: string } } }>(endpoint('sdk.none'), { method: 'POST', headers: bearer(key), json: { hello: 1 } });
    assert.equal(answer.status, 415);
    assert.equal(answer.body.error.details.field, 'content-type');
  });
});
