/**
 * Reads an `strace -f -o` trace of a process that marks its appends on stdout (`I n` before,
 * `A n` when acknowledged) and checks each acknowledgement against the WAL syncs: the last write
 * of a WAL frame (pwrite64 to the `-wal` file) between `I n` and `A n` must be followed by an fdatasync/fsync of the WAL
 * that starts after that write ended and ends, successfully, before `A n` is written.
 * strace prints a thread's syscall exit before the thread runs on, so the trace order is causal.
 */
export interface AuditResult {
  acks: number;
  covered: number;
  /** Acks with no covering sync: `n` and why. */
  uncovered: { n: number; why: string }[];
  walWrites: number;
  walSyncs: number;
}

interface Call { pid: string; name: string; args: string; ret: string; start: number; end: number }

/** Joins `<unfinished ...>` and `<... resumed>` halves; each call gets the line numbers of its start and end. */
export function parseTrace(text: string): Call[] {
  const calls: Call[] = [];
  const pending = new Map<string, { name: string; args: string; start: number }>();
  text.split('\n').forEach((raw, line) => {
    const m = /^(?:\[pid\s+)?(\d+)\]?\s+(?:[\d:.]+\s+)?(.*)$/.exec(raw);
    if (!m) return;
    const pid = m[1]!;
    const rest = m[2]!;
    const resumed = /^<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(.*)$/.exec(rest);
    if (resumed) {
      const started = pending.get(pid);
      pending.delete(pid);
      if (started) calls.push({ pid, name: started.name, args: started.args + resumed[2]!, ret: resumed[3]!, start: started.start, end: line });
      return;
    }
    const unfinished = /^(\w+)\((.*) <unfinished \.\.\.>$/.exec(rest);
    if (unfinished) {
      pending.set(pid, { name: unfinished[1]!, args: unfinished[2]!, start: line });
      return;
    }
    const whole = /^(\w+)\((.*)\)\s+=\s+(.*)$/.exec(rest);
    if (whole) calls.push({ pid, name: whole[1]!, args: whole[2]!, ret: whole[3]!, start: line, end: line });
  });
  return calls.sort((a, b) => a.end - b.end);
}

const firstArg = (args: string): string => args.split(',')[0]!.trim();
const ok = (ret: string): boolean => /^\d+/.test(ret);

export function auditTrace(text: string): AuditResult {
  const walFds = new Set<string>();
  const writes: number[] = []; // end lines of WAL writes
  const syncs: { start: number; end: number }[] = [];
  const invokes = new Map<number, number>();
  const acks: { n: number; line: number }[] = [];
  for (const call of parseTrace(text)) {
    if (call.name === 'openat' && ok(call.ret) && /-wal"/.test(call.args)) walFds.add(call.ret.split(' ')[0]!);
    else if (call.name === 'close') walFds.delete(firstArg(call.args));
    else if (['pwrite64', 'write', 'writev'].includes(call.name)) {
      const fd = firstArg(call.args);
      // SQLite writes frames with pwrite64; write(2) on the WAL is the zero reserve (wal-reserve.ts), past the frames.
      if (walFds.has(fd) && call.name === 'pwrite64') writes.push(call.end);
      const marker = fd === '1' ? /^1, "([IA]) (\d+)\\n"/.exec(call.args) : null;
      // A marker that failed (EAGAIN: the parent had not drained the pipe) is written again: an
      // invoke counts from the write that went through, an ack from its first attempt (stricter).
      if (marker?.[1] === 'I') { if (ok(call.ret)) invokes.set(Number(marker[2]), call.end); }
      else if (marker && acks.at(-1)?.n !== Number(marker[2])) acks.push({ n: Number(marker[2]), line: call.start });
    } else if ((call.name === 'fdatasync' || call.name === 'fsync') && walFds.has(firstArg(call.args)) && call.ret.startsWith('0')) {
      syncs.push({ start: call.start, end: call.end });
    }
  }
  // Latest start among the syncs that ended before line x: a sync covers a write iff it started after it.
  const latestStart: number[] = [];
  for (const s of syncs) latestStart.push(Math.max(latestStart.at(-1) ?? -1, s.start));
  const uncovered: { n: number; why: string }[] = [];
  for (const ack of acks) {
    const invoked = invokes.get(ack.n);
    if (invoked === undefined) { uncovered.push({ n: ack.n, why: 'no invoke marker' }); continue; }
    const lastWrite = writes[countBelow(writes, (w) => w, ack.line) - 1];
    if (lastWrite === undefined || lastWrite < invoked) { uncovered.push({ n: ack.n, why: 'no WAL write between invoke and ack' }); continue; }
    const syncedBefore = countBelow(syncs, (s) => s.end, ack.line);
    if (syncedBefore === 0 || latestStart[syncedBefore - 1]! <= lastWrite) {
      uncovered.push({ n: ack.n, why: `WAL write at line ${lastWrite + 1} not synced before the ack at line ${ack.line + 1}` });
    }
  }
  return { acks: acks.length, covered: acks.length - uncovered.length, uncovered, walWrites: writes.length, walSyncs: syncs.length };
}

/** How many items of the sorted `items` have `at(item) < limit` (binary search). */
function countBelow<T>(items: readonly T[], at: (item: T) => number, limit: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(items[mid]!) < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
