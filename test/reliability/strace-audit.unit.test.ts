import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditTrace } from './strace-audit.js';

const open = [
  '100 10:00:00.000001 openat(AT_FDCWD, "/d/h.db-wal", O_RDWR|O_CREAT, 0644) = 19',
  '100 10:00:00.000002 openat(AT_FDCWD, "/d/h.db-wal", O_RDWR|O_APPEND, 0666) = 21',
];

describe('strace fsync audit', () => {
  it('an ack after a sync (split across threads) that started after the commit write is covered', () => {
    const trace = [...open,
      '100 10:00:00.1 write(1, "I 1\\n", 4) = 4',
      '100 10:00:00.2 pwrite64(19, "\\0\\0\\0\\1"..., 4096, 32) = 4096',
      '101 10:00:00.3 fdatasync(21 <unfinished ...>',
      '100 10:00:00.4 write(1, "I 2\\n", 4) = 4',
      '101 10:00:00.5 <... fdatasync resumed>) = 0',
      '100 10:00:00.6 write(1, "A 1\\n", 4) = 4',
    ].join('\n');
    const result = auditTrace(trace);
    assert.equal(result.acks, 1);
    assert.deepEqual(result.uncovered, []);
    assert.equal(result.walSyncs, 1);
  });

  it('reports an ack whose write was synced only by a sync that started before it, or not at all', () => {
    const trace = [...open,
      '100 10:00:00.1 write(1, "I 1\\n", 4) = 4',
      '101 10:00:00.2 fdatasync(21 <unfinished ...>',
      '100 10:00:00.3 pwrite64(19, "x"..., 4096, 32) = 4096',
      '101 10:00:00.4 <... fdatasync resumed>) = 0',
      '100 10:00:00.5 write(1, "A 1\\n", 4) = 4',
      '100 10:00:00.6 write(1, "I 2\\n", 4) = 4',
      '100 10:00:00.7 write(1, "A 2\\n", 4) = 4',
      '100 10:00:00.8 write(1, "I 3\\n", 4) = 4',
      '100 10:00:00.9 pwrite64(19, "x"..., 4096, 4128) = 4096',
      '101 10:00:01.0 fdatasync(21) = -1 EIO (Input/output error)',
      '100 10:00:01.1 write(1, "A 3\\n", 4) = 4',
    ].join('\n');
    const result = auditTrace(trace);
    assert.deepEqual(result.uncovered.map((u) => u.n), [1, 2, 3]);
    assert.match(result.uncovered[1]!.why, /no WAL write/);
  });

  it('counts a marker retried after EAGAIN once: the invoke where it went through, the ack from its first attempt', () => {
    const eagain = '= -1 EAGAIN (Resource temporarily unavailable)';
    const trace = [...open,
      `100 10:00:00.1 write(1, "I 1\\n", 4) ${eagain}`,
      '100 10:00:00.2 write(1, "I 1\\n", 4) = 4',
      '100 10:00:00.3 pwrite64(19, "x"..., 4096, 32) = 4096',
      `100 10:00:00.4 write(1, "A 1\\n", 4) ${eagain}`,
      '101 10:00:00.5 fdatasync(21) = 0',
      '100 10:00:00.6 write(1, "A 1\\n", 4) = 4',
    ].join('\n');
    const result = auditTrace(trace);
    assert.equal(result.acks, 1);
    assert.deepEqual(result.uncovered.map((u) => u.n), [1], 'the sync ended after the first attempt at the ack');
  });

  it('ignores writes to other files and syncs of other files, and forgets a closed WAL descriptor', () => {
    const trace = [...open,
      '100 10:00:00.1 write(1, "I 1\\n", 4) = 4',
      '100 10:00:00.2 pwrite64(19, "x"..., 4096, 32) = 4096',
      '100 10:00:00.3 close(21) = 0',
      '101 10:00:00.4 fdatasync(21) = 0',
      '101 10:00:00.5 fsync(30) = 0',
      '100 10:00:00.6 write(1, "A 1\\n", 4) = 4',
    ].join('\n');
    assert.deepEqual(auditTrace(trace).uncovered.map((u) => u.n), [1]);
  });
});
