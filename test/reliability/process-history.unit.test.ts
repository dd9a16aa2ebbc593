import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnomalyKind } from './history.js';
import { checkProcesses, type ProcessCheck, type ProcessReport } from './process-history.js';

/** Two processes, each appending two events of key k; p0's land at 1, 2 and p1's at 3, 4. */
function reports(acks: Record<string, [id: string, position: number, at: number][]>): ProcessReport[] {
  return ['p0', 'p1'].map((name, i) => ({
    name,
    appends: [0, 1].map((j) => ({ id: `${name}-${j}`, key: 'k', position: 2 * i + j + 1 })),
    acks: (acks[name] ?? []).map(([id, position, at]) => ({ id, position, key: 'k', at })),
  }));
}

const stored = [1, 2, 3, 4].map((position) => ({ position, id: `p${Math.floor((position - 1) / 2)}-${(position - 1) % 2}`, key: 'k' }));
const options: ProcessCheck = { topic: 't', group: 'g', stored, contiguous: true, keyOrder: true };
/** The same reports with the positions of the appends unknown: the read places them. */
const unplaced = (r: ProcessReport[]): ProcessReport[] => r.map((p) => ({ ...p, appends: p.appends.map((a) => ({ ...a, position: undefined })) }));
const kinds = (r: ProcessReport[], o: Partial<ProcessCheck> = {}): AnomalyKind[] =>
  checkProcesses(r, { ...options, ...o }).anomalies.map((a) => a.kind).sort();

describe('multi-process history', () => {
  it('clean: both processes appended, the group acked each event once in key order (merged by time)', () => {
    const clean = reports({ p0: [['p0-0', 1, 10], ['p1-0', 3, 30]], p1: [['p0-1', 2, 20], ['p1-1', 4, 40]] });
    assert.deepEqual(kinds(clean), []);
    assert.equal(checkProcesses(clean, options).counts.acked, 4);
  });

  it('an event acked twice is a duplicate; one never acked is lost', () => {
    assert.deepEqual(kinds(reports({ p0: [['p0-0', 1, 10], ['p0-1', 2, 20], ['p1-0', 3, 30]], p1: [['p0-1', 2, 25], ['p1-1', 4, 40]] })), ['duplicate']);
    assert.deepEqual(kinds(reports({ p0: [['p0-0', 1, 10], ['p0-1', 2, 20]], p1: [['p1-0', 3, 30]] })), ['lost']);
  });

  it('acks of one key out of position order are reordered, unless the backend does not claim key order', () => {
    const late = reports({ p0: [['p0-0', 1, 10], ['p1-0', 3, 20]], p1: [['p0-1', 2, 30], ['p1-1', 4, 40]] });
    assert.deepEqual(kinds(late), ['reordered']);
    assert.deepEqual(kinds(late, { keyOrder: false }), []);
  });

  it("a process's own appends out of order on the log are reordered; a hole is a gap where positions are contiguous", () => {
    const swapped = stored.map((s) => (s.position === 1 ? { ...s, id: 'p0-1' } : s.position === 2 ? { ...s, id: 'p0-0' } : s));
    assert.deepEqual(kinds(unplaced(reports({ p0: [['p0-1', 1, 10], ['p0-0', 2, 20], ['p1-0', 3, 30], ['p1-1', 4, 40]] })), { stored: swapped }), ['reordered']);
    const holed = stored.map((s) => (s.position === 4 ? { ...s, position: 5 } : s));
    const acked = unplaced(reports({ p0: [['p0-0', 1, 10], ['p0-1', 2, 20], ['p1-0', 3, 30], ['p1-1', 5, 40]] }));
    assert.deepEqual(kinds(acked, { stored: holed }), ['gap']);
    assert.deepEqual(kinds(acked, { stored: holed, contiguous: false }), []);
  });
});
