import type { Logger } from '../consumer/middleware/logging.js';
import { invalidArgument } from '../core/errors.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface JsonLoggerOptions {
  /** Lowest level written (default info). */
  level?: LogLevel;
  /** Where lines go (default stdout). */
  out?: { write(line: string): unknown };
  /** Fields on every line, e.g. `{ service: 'billing' }`. */
  base?: Record<string, unknown>;
  now?: () => number;
}

/**
 * A structured logger for herald's `logging` middleware when the application has no pino: one
 * JSON object per line (`level`, `time`, `msg`, then the fields), pino's shape, so the same log
 * pipeline reads both.
 */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger & { debug(obj: object, msg?: string): void } {
  const min = RANK[options.level ?? 'info'];
  if (min === undefined) throw invalidArgument(`level must be debug, info, warn or error, got ${JSON.stringify(options.level)}`, { field: 'level' });
  const out = options.out ?? process.stdout;
  const now = options.now ?? Date.now;
  const write = (level: LogLevel) => (obj: object, msg?: string): void => {
    if (RANK[level] < min) return;
    const fixed = { level, time: now(), ...(msg === undefined ? {} : { msg }) };
    // The fixed keys come first and cannot be overwritten by a field of the same name.
    out.write(`${JSON.stringify(Object.assign({ ...fixed }, options.base, obj, fixed))}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
