import cliProgress from 'cli-progress';
import type { Out } from './context.js';
import { formatDuration } from './output.js';

/** Progress of a long command on stderr: a live bar on a terminal, plain periodic lines otherwise. */
export interface Progress {
  /** `done` of `total` units scanned, `events` copied so far (for the rate). */
  update(done: number, events: number): void;
  stop(): void;
}

export interface ProgressOptions {
  out: Out;
  label: string;
  total: number;
  /** Plain mode: at most one line per interval (default 1000 ms). */
  intervalMs?: number;
  now?: () => number;
}

function eta(done: number, total: number, elapsedMs: number): string {
  if (done <= 0) return '?';
  const left = Math.max(0, Math.round(((total - done) * elapsedMs) / done / 1000));
  return left === 0 ? '0s' : formatDuration(left * 1000);
}

/** Starts a progress display; a TTY gets a cli-progress bar, anything else plain lines. */
export function startProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  const total = Math.max(1, options.total);
  const rate = (events: number): number => {
    const seconds = (now() - started) / 1000;
    return seconds > 0 ? Math.round(events / seconds) : 0;
  };
  if (options.out.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream: options.out as unknown as NodeJS.WritableStream,
      format: `${options.label} [{bar}] {percentage}% | {value}/{total} | {rate} ev/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 100,
      fps: 10,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { rate: 0 });
    return {
      update: (done, events) => bar.update(Math.min(done, total), { rate: rate(events) }),
      stop: () => bar.stop(),
    };
  }
  const interval = options.intervalMs ?? 1000;
  let last = started;
  return {
    update(done, events) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      const pct = Math.min(100, Math.floor((done / total) * 100));
      options.out.write(`${options.label}: ${done}/${total} (${pct}%), ${rate(events)} ev/s, ETA ${eta(done, total, t - started)}\n`);
    },
    stop() {},
  };
}
