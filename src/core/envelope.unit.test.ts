import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudEvent as SdkEvent, HTTP, Mode, emitterFor, type Message } from 'cloudevents';
import {
  DEFAULT_SOURCE, assertValidEnvelope, createEvent, describeIssues, envelopeIssues, keyOf, type CloudEvent,
} from './envelope.js';
import { HeraldError } from './errors.js';
import { uuidv7Time } from './ids.js';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function valid(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { specversion: '1.0', id: 'e-1', source: '/orders', type: 'order.placed', ...overrides };
}

const paths = (value: unknown): string[] => envelopeIssues(value).map((i) => i.path);

describe('createEvent', () => {
  it('fills specversion, a UUIDv7 id, the default source and the time', () => {
    const before = Date.now();
    const e = createEvent({ type: 'order.placed' });
    assert.equal(e.specversion, '1.0');
    assert.match(e.id, UUIDV7);
    assert.ok(uuidv7Time(e.id) >= before);
    assert.equal(e.source, DEFAULT_SOURCE);
    assert.equal(e.type, 'order.placed');
    assert.ok(Date.parse(e.time!) >= before - 1 && Date.parse(e.time!) <= Date.now());
    assert.deepEqual(Object.keys(e).sort(), ['id', 'source', 'specversion', 'time', 'type'], 'nothing else when nothing else is given');
  });

  it('keeps what the caller gives and maps key to partitionkey', () => {
    const e = createEvent({
      type: 'order.placed', id: 'fixed-id', source: '/shop', time: new Date(Date.UTC(2026, 0, 2)), subject: 'o-1',
      dataschema: 'https://example.com/order.json', key: 'o-1', correlationid: 'c-1', causationid: 'e-0',
      traceparent: TRACEPARENT, tracestate: 'vendor=1', data: { total: 42 }, extensions: { tenant: 'acme', dataversion: 2, beta: true },
    });
    assert.deepEqual(e, {
      specversion: '1.0', id: 'fixed-id', source: '/shop', type: 'order.placed', time: '2026-01-02T00:00:00.000Z', subject: 'o-1',
      dataschema: 'https://example.com/order.json', partitionkey: 'o-1', correlationid: 'c-1', causationid: 'e-0',
      traceparent: TRACEPARENT, tracestate: 'vendor=1', datacontenttype: 'application/json', data: { total: 42 },
      tenant: 'acme', dataversion: 2, beta: true,
    });
    assert.equal(keyOf(e), 'o-1');
  });

  it('uses defaults.source, a time string as given, and datacontenttype only when it applies', () => {
    assert.equal(createEvent({ type: 't' }, { source: '/svc' }).source, '/svc');
    assert.equal(createEvent({ type: 't', source: '/mine' }, { source: '/svc' }).source, '/mine');
    assert.equal(createEvent({ type: 't', time: '2026-03-04T05:06:07+02:00' }).time, '2026-03-04T05:06:07+02:00');
    assert.equal(createEvent({ type: 't', data: 'x', datacontenttype: 'text/plain' }).datacontenttype, 'text/plain');
    assert.equal(createEvent({ type: 't', datacontenttype: 'text/plain' }).datacontenttype, 'text/plain');
    assert.equal('datacontenttype' in createEvent({ type: 't' }), false);
    assert.equal('partitionkey' in createEvent({ type: 't' }), false);
    assert.equal(keyOf(createEvent({ type: 't' })), undefined);
  });

  it('the extensions cannot override the required attributes', () => {
    const e = createEvent({ type: 't', extensions: { specversion: 'x', id: 'sneaky', source: 'x', type: 'x' } });
    assert.equal(e.specversion, '1.0');
    assert.notEqual(e.id, 'sneaky');
    assert.equal(e.type, 't');
  });

  it('rejects an invalid event with HERALD_E_INVALID_EVENT naming the field', () => {
    for (const [input, field] of [
      [{ type: '' }, 'type'],
      [{ type: 't', source: '' }, 'source'],
      [{ type: 't', time: 'yesterday' }, 'time'],
      [{ type: 't', traceparent: 'nope' }, 'traceparent'],
      [{ type: 't', extensions: { Tenant: 'x' } }, 'Tenant'],
      [{ type: 't', extensions: { ratio: 0.5 } }, 'ratio'],
    ] as const) {
      assert.throws(() => createEvent(input), (error: unknown) => {
        assert.ok(error instanceof HeraldError);
        assert.equal(error.code, 'HERALD_E_INVALID_EVENT');
        assert.match(error.message, new RegExp(`\\b${field}\\b`));
        assert.deepEqual((error.details.issues as { path: string }[]).map((i) => i.path), [field]);
        return true;
      }, field);
    }
  });
});

describe('envelopeIssues', () => {
  it('accepts a minimal and a full event', () => {
    assert.deepEqual(envelopeIssues(valid()), []);
    assert.deepEqual(envelopeIssues(valid({
      time: '2026-01-01T00:00:00Z', subject: 's', datacontenttype: 'application/json', dataschema: 'urn:s', data: { a: [1] },
      partitionkey: 'k', correlationid: 'c', causationid: 'e', traceparent: TRACEPARENT, tracestate: 'a=1', n: 3, flag: false,
    })), []);
    assert.deepEqual(envelopeIssues(valid({ data_base64: 'aGVsbG8=' })), []);
  });

  it('rejects what is not an object', () => {
    for (const value of [null, undefined, 'event', 42, [valid()]]) {
      assert.deepEqual(paths(value), [''], JSON.stringify(value));
    }
  });

  it('names each failing field, all at once', () => {
    assert.deepEqual(paths({}), ['specversion', 'id', 'source', 'type']);
    assert.deepEqual(paths(valid({ specversion: '0.3', id: '', source: 7, type: null })), ['specversion', 'id', 'source', 'type']);
    assert.deepEqual(paths(valid({ id: 'x'.repeat(257) })), ['id']);
    assert.deepEqual(paths(valid({ id: 'x'.repeat(256) })), []);
    assert.deepEqual(paths(valid({ time: '2026-01-01' })), ['time']);
    assert.deepEqual(paths(valid({ time: '2026-13-45T99:00:00Z' })), ['time']);
    assert.deepEqual(paths(valid({ time: 1_700_000_000_000 })), ['time']);
    assert.deepEqual(paths(valid({ subject: '', datacontenttype: 3, dataschema: '' })), ['subject', 'datacontenttype', 'dataschema']);
    assert.deepEqual(paths(valid({ data: {}, data_base64: 'aGk=' })), ['data_base64']);
    assert.deepEqual(paths(valid({ data_base64: 'not base64!' })), ['data_base64']);
    assert.deepEqual(paths(valid({ traceparent: '00-abc-01' })), ['traceparent']);
    assert.deepEqual(paths(valid({ type: '', traceparent: 'x', Bad: 1 })), ['type', 'traceparent', 'Bad']);
  });

  it('extension names are 1-20 lowercase letters or digits', () => {
    for (const name of ['a', 'x1', 'tenant', 'a'.repeat(20), '123']) assert.deepEqual(paths(valid({ [name]: 'v' })), [], name);
    for (const name of ['Tenant', 'trace_id', 'trace-id', 'a'.repeat(21), 'é', 'a b']) assert.deepEqual(paths(valid({ [name]: 'v' })), [name], name);
  });

  it('extension values are strings, booleans or integers', () => {
    for (const value of ['s', '', true, false, 0, -3, 2 ** 31]) assert.deepEqual(paths(valid({ ext: value })), [], JSON.stringify(value));
    for (const value of [1.5, Number.NaN, null, { a: 1 }, [1], 10n]) assert.deepEqual(paths(valid({ ext: value })), ['ext'], typeof value === 'bigint' ? 'bigint' : JSON.stringify(value));
  });

  it('an attribute set to undefined counts as absent', () => {
    assert.deepEqual(paths(valid({ subject: undefined, datacontenttype: undefined, schemaurl: undefined, data: undefined })), []);
  });

  it('assertValidEnvelope throws every issue; describeIssues joins them', () => {
    const issues = envelopeIssues(valid({ id: '', type: '' }));
    assert.equal(describeIssues(issues), 'id: id is required and must be a non-empty string; type: type is required and must be a non-empty string');
    assert.equal(describeIssues([{ path: '', message: 'an event must be a JSON object' }]), 'an event must be a JSON object');
    assert.throws(() => assertValidEnvelope(valid({ id: '', type: '' })), (error: unknown) =>
      error instanceof HeraldError && error.code === 'HERALD_E_INVALID_EVENT' && (error.details.issues as unknown[]).length === 2);
    assert.doesNotThrow(() => assertValidEnvelope(valid()));
  });
});

describe('interop with the official cloudevents SDK', () => {
  const ours = (): CloudEvent => createEvent({
    type: 'order.placed', source: '/shop', subject: 'o-1', key: 'o-1', correlationid: 'c-1', traceparent: TRACEPARENT,
    data: { orderId: 'o-1', total: 42 }, extensions: { dataversion: 2, beta: true },
  });

  it('an event made by createEvent is a valid SDK CloudEvent with the same attributes', () => {
    const event = ours();
    const sdk = new SdkEvent<unknown>(event);
    assert.equal(sdk.validate(), true);
    const json = JSON.parse(JSON.stringify(sdk)) as Record<string, unknown>;
    assert.deepEqual(json, event);
  });

  it('round-trips through the structured HTTP emitter and HTTP.toEvent', async () => {
    const event = ours();
    let sent: Message | undefined;
    const emit = emitterFor((message: Message) => { sent = message; return Promise.resolve(); }, { binding: HTTP, mode: Mode.STRUCTURED });
    await emit(new SdkEvent<unknown>(event));
    assert.ok(sent);
    assert.match(String(sent.headers['content-type']), /^application\/cloudevents\+json/);
    assert.deepEqual(JSON.parse(String(sent.body)), event, 'the structured body is our event, attribute for attribute');
    assert.deepEqual(envelopeIssues(JSON.parse(String(sent.body))), []);
    const received = HTTP.toEvent(sent) as SdkEvent<unknown>;
    assert.ok(received instanceof SdkEvent);
    assert.equal(received.validate(), true);
    assert.deepEqual(JSON.parse(JSON.stringify(received)), event);
  });

  it('round-trips through binary HTTP mode', () => {
    const event = ours();
    const message = HTTP.binary(new SdkEvent<unknown>(event));
    assert.equal(message.headers['ce-id'], event.id);
    assert.equal(message.headers['ce-partitionkey'], 'o-1');
    const received = HTTP.toEvent(message) as SdkEvent<unknown>;
    assert.ok(received instanceof SdkEvent);
    assert.equal(received.id, event.id);
    assert.deepEqual(received.data, event.data);
    assert.deepEqual(envelopeIssues(JSON.parse(JSON.stringify(received))), []);
  });

  it('an SDK-made event passes envelopeIssues, as an object and as JSON', () => {
    const sdk = new SdkEvent({ type: 'com.example.made', source: '/sdk', data: { a: 1 }, partitionkey: 'k', subject: 's' });
    assert.deepEqual(envelopeIssues(sdk), [], 'the SDK object itself (it carries undefined attributes)');
    assert.deepEqual(envelopeIssues(JSON.parse(JSON.stringify(sdk))), []);
    assert.equal(keyOf(sdk as unknown as CloudEvent), 'k');
  });

  it('agrees with the SDK on times and extension names it rejects', () => {
    for (const time of ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.123456+05:30']) {
      assert.doesNotThrow(() => new SdkEvent({ type: 't', source: 's', time }));
      assert.deepEqual(paths(valid({ time })), [], time);
    }
    for (const time of ['yesterday', '2026-01-01']) {
      assert.throws(() => new SdkEvent({ type: 't', source: 's', time }));
      assert.deepEqual(paths(valid({ time })), ['time'], time);
    }
    for (const name of ['Upper', 'under_score']) {
      assert.throws(() => new SdkEvent({ type: 't', source: 's', [name]: 'v' }), name);
      assert.deepEqual(paths(valid({ [name]: 'v' })), [name]);
    }
    assert.throws(() => new SdkEvent({ type: 't', source: 's', ratio: 1.5 }));
    assert.deepEqual(paths(valid({ ratio: 1.5 })), ['ratio']);
  });
});
