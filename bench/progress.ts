import cliProgress from 'cli-progress';

/** Where progress goes: stderr, or a capture in tests. */
export interface Sink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Progress of the suite: a live bar on a terminal, one plain line per step otherwise. */
export interface Reporter {
  start(total: number): void;
  /** A step begins. */
  step(label: string): void;
  /** A line of news (a figure, a skipped system). */
  note(line: string): void;
  stop(): void;
}

export function reporter(sink: Sink): Reporter {
  const t0 = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - t0) / 1000)}s`;
  let total = 0;
  let done = 0;
  if (sink.isTTY) {
    const multi = new cliProgress.MultiBar({
      stream: sink as unknown as NodeJS.WritableStream,
      format: 'bench [{bar}] {value}/{total} | {duration_formatted} | {step}',
      hideCursor: true, clearOnComplete: false, fps: 5,
    }, cliProgress.Presets.shades_classic);
    let bar: cliProgress.SingleBar | undefined;
    return {
      start(n) { total = n; bar = multi.create(n, 0, { step: 'starting' }); },
      step(label) { bar?.update(done++, { step: label }); },
      note(line) { multi.log(`${line}\n`); },
      stop() { bar?.update(total, { step: 'done' }); multi.update(); multi.stop(); }, // update() flushes logged lines
    };
  }
  return {
    start(n) { total = n; sink.write(`bench: ${n} steps\n`); },
    step(label) { sink.write(`[${++done}/${total} ${elapsed()}] ${label}\n`); },
    note(line) { sink.write(`  ${line}\n`); },
    stop() { sink.write(`bench: done in ${elapsed()}\n`); },
  };
}
