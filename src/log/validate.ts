import { invalidArgument } from '../core/errors.js';
import type { Settlement } from './types.js';

const KINDS = new Set(['ack', 'nack', 'release', 'extend']);

/** Validates settlements before a backend applies any of them. */
export function checkSettlements(settlements: readonly Settlement[]): void {
  settlements.forEach((s, i) => {
    if (!KINDS.has(s.kind)) throw invalidArgument(`settlements[${i}].kind must be ack, nack, release or extend`, { field: `settlements[${i}].kind` });
    if (!Number.isInteger(s.position) || s.position < 1) throw invalidArgument(`settlements[${i}].position must be a positive integer`, { field: `settlements[${i}].position` });
    if (!Number.isInteger(s.leaseId)) throw invalidArgument(`settlements[${i}].leaseId must be an integer`, { field: `settlements[${i}].leaseId` });
    if (s.kind === 'nack' && !(Number.isFinite(s.delayMs) && s.delayMs >= 0)) throw invalidArgument(`settlements[${i}].delayMs must be >= 0`, { field: `settlements[${i}].delayMs` });
    if (s.kind === 'extend' && !(Number.isInteger(s.leaseMs) && s.leaseMs > 0)) throw invalidArgument(`settlements[${i}].leaseMs must be a positive integer`, { field: `settlements[${i}].leaseMs` });
  });
}

/** How many rows a streaming read fetches per page. */
export function pageSize(limit: number | undefined): number {
  return Math.max(1, Math.min(limit ?? 512, 512));
}
