import cliProgress from 'cli-progress';
import { humanDuration as formatDuration } from './format.js';

/**
 * Progress of the running phases: bars with elapsed time and ETA (from the phase's estimate)
 * on a TTY, plain timestamped lines otherwise (CI logs, `| tee`), with a heartbeat per phase.
 */
export interface Progress {
  start(phase: string, estimateSec: number): void;
  diagnostic(phase: string, line: string): void;
  end(phase: string, summary: string): void;
  log(line: string): void;
  stop(): void;
}

const HEARTBEAT_MS = 5 * 60_000;

export function createProgress(tty: boolean): Progress {
  return tty ? barProgress() : lineProgress();
}

function lineProgress(): Progress {
  const stamp = (): string => new Date().toISOString().slice(11, 19);
  const running = new Map<string, { started: number; estimateMs: number; last: string; timer: NodeJS.Timeout }>();
  const out = (line: string): void => { process.stdout.write(`[${stamp()}] ${line}\n`); };
  return {
    start(phase, estimateSec) {
      const state = { started: Date.now(), estimateMs: estimateSec * 1000, last: '', timer: setInterval(() => {
        const elapsed = Date.now() - state.started;
        const eta = Math.max(0, state.estimateMs - elapsed);
        out(`${phase}: running ${formatDuration(elapsed)}, ETA ${formatDuration(eta)}${state.last ? `; last: ${state.last}` : ''}`);
      }, HEARTBEAT_MS) };
      state.timer.unref();
      running.set(phase, state);
      out(`${phase}: start (estimate ${formatDuration(state.estimateMs)})`);
    },
    diagnostic(phase, line) {
      const state = running.get(phase);
      if (state) state.last = line.slice(0, 160);
    },
    end(phase, summary) {
      const state = running.get(phase);
      if (state) clearInterval(state.timer);
      running.delete(phase);
      out(`${phase}: ${summary}`);
    },
    log: out,
    stop() {
      for (const state of running.values()) clearInterval(state.timer);
    },
  };
}

function barProgress(): Progress {
  const multi = new cliProgress.MultiBar({
    format: '{phase} |{bar}| {elapsed} elapsed, ETA {left} {last}',
    hideCursor: true, clearOnComplete: false, barsize: 24, fps: 2,
  }, cliProgress.Presets.shades_classic);
  const bars = new Map<string, { bar: cliProgress.SingleBar; started: number; estimateMs: number; last: string }>();
  const tick = setInterval(() => {
    for (const [phase, b] of bars) {
      const elapsed = Date.now() - b.started;
      b.bar.setTotal(Math.max(b.estimateMs, elapsed + 1000));
      b.bar.update(elapsed, payload(phase, b, elapsed));
    }
  }, 1000);
  tick.unref();
  const payload = (phase: string, b: { estimateMs: number; last: string }, elapsed: number): object => ({
    phase: phase.padEnd(18), elapsed: formatDuration(elapsed),
    left: elapsed > b.estimateMs ? 'overdue' : formatDuration(b.estimateMs - elapsed), last: b.last ? `· ${b.last}` : '',
  });
  return {
    start(phase, estimateSec) {
      const b = { started: Date.now(), estimateMs: estimateSec * 1000, last: '', bar: undefined as unknown as cliProgress.SingleBar };
      b.bar = multi.create(b.estimateMs, 0, payload(phase, b, 0));
      bars.set(phase, b);
    },
    diagnostic(phase, line) {
      const b = bars.get(phase);
      if (b) b.last = line.slice(0, 60);
    },
    end(phase, summary) {
      const b = bars.get(phase);
      if (b) { multi.remove(b.bar); bars.delete(phase); }
      multi.log(`${phase}: ${summary}\n`);
    },
    log(line) { multi.log(`${line}\n`); },
    stop() { clearInterval(tick); multi.stop(); },
  };
}
