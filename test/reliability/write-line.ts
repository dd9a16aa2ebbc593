import { writeSync } from 'node:fs';

/**
 * Writes a line to stdout at once (one write(2), in order with what the process does next) for a
 * parent reading a child's report. Not `process.stdout.write`: when the pipe is full it queues the
 * line in memory, and a SIGKILL then loses lines written before an ack (a fault test would see an
 * event handled, acked, and never reported: a false skip). stdout may be a non-blocking pipe:
 * EAGAIN means the parent has not drained it yet, so try again rather than die.
 */
export function writeLine(line: string): void {
  const buf = Buffer.from(`${line}\n`);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}
