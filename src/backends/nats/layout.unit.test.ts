import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryInfo } from './layout.js';

describe('nats: a delivery\'s reply subject', () => {
  it('gives delivery count, stream sequence and time of v1 subjects', () => {
    assert.deepEqual(deliveryInfo('$JS.ACK.ORDERS.workers.3.1042.977.1733600000123456000.12'),
      { delivered: 3, streamSeq: 1042, timestampNanos: 1733600000123456000 });
  });

  it('gives the same of v2 subjects (domain and account hash in front, with or without a token at the end)', () => {
    const expected = { delivered: 1, streamSeq: 7, timestampNanos: 1733600000000000000 };
    assert.deepEqual(deliveryInfo('$JS.ACK.hub.ACCHASH.ORDERS.workers.1.7.5.1733600000000000000.0.r4nd0m'), expected);
    assert.deepEqual(deliveryInfo('$JS.ACK.hub.ACCHASH.ORDERS.workers.1.7.5.1733600000000000000.0'), expected);
  });

  it('is undefined for anything else', () => {
    for (const reply of ['', '$JS.ACK', '$JS.ACK.', '_INBOX.abc.1', '$JS.ACK.ORDERS.workers.3.1042.977.1', '$JS.NAK.ORDERS.workers.3.1042.977.1733600000123456789.12']) {
      assert.equal(deliveryInfo(reply), undefined, reply);
    }
  });
});
