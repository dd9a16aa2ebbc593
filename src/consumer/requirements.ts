import { HeraldError } from '../core/errors.js';
import type { Capabilities, EventLog, StartFrom } from '../log/types.js';

export type Capability = keyof Capabilities;

const MEANING: Record<Capability, string> = {
  durable: 'acknowledged events survive a crash of the server',
  keyOrder: 'events of one key are handled in order, one at a time, across every consumer of the group',
  transactionalAck: "a handler's writes commit in the same transaction as its ack",
  readByTime: 'reads and groups can start at a time',
  contiguousPositions: 'positions have no gaps',
};

/**
 * Fails at subscribe time, not in production traffic, when the backend cannot give a guarantee the
 * subscription relies on: those it names in `requires`, and those its options imply (a start by time).
 */
export function assertCapabilities(log: EventLog, requires: readonly Capability[] = [], from?: StartFrom): void {
  const needed = new Set(requires);
  if (typeof from === 'object' && 'time' in from) needed.add('readByTime');
  for (const capability of needed) {
    if (!(capability in MEANING)) {
      throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `requires: unknown capability "${String(capability)}" (known: ${Object.keys(MEANING).join(', ')})`, { details: { field: 'requires' } });
    }
    if (!log.capabilities[capability]) {
      throw new HeraldError('HERALD_E_UNSUPPORTED', `the ${log.backend} backend does not guarantee ${capability} (${MEANING[capability]})`, { details: { capability, backend: log.backend } });
    }
  }
}
