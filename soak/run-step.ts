import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RssSampler } from './rss.js';
import { TapParser } from './tap.js';
import type { StepRecord } from './types.js';

export interface StepRun {
  label: string;
  /** Absolute paths of the compiled test files. */
  files: string[];
  /** How the files are named in the record (relative to the repository). */
  shownFiles: string[];
  env: Record<string, string>;
  args: string[];
  cwd: string;
  timeoutMs: number;
  /** Called for each diagnostic line as it arrives (progress display). */
  onDiagnostic?: (line: string) => void;
}

const STDERR_TAIL = 40;

/**
 * Runs one `node --test` command (TAP reporter, one file at a time) in its own process group,
 * so a timeout or Ctrl-C ends the test and every child it started, and records what it saw.
 */
export function runStep(run: StepRun, signal: AbortSignal): Promise<StepRecord> {
  // --test-force-exit: a test that timed out may leave a child keeping its file's process alive.
  const argv = ['--test', '--test-reporter=tap', '--test-concurrency=1', '--test-force-exit', ...run.args];
  const started = new Date();
  const parser = new TapParser();
  const stderr: string[] = [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...argv, ...run.files], {
      cwd: run.cwd,
      env: { ...process.env, ...run.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const sampler = child.pid === undefined ? undefined : new RssSampler(child.pid);
    let timedOut = false;
    // The group id is the child's pid (detached); ESRCH once the whole group is gone.
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    };
    const timer = setTimeout(() => { timedOut = true; killGroup(); }, run.timeoutMs);
    signal.addEventListener('abort', killGroup, { once: true });
    createInterface({ input: child.stdout }).on('line', (line) => {
      parser.line(line);
      const trimmed = line.trimStart();
      if (trimmed.startsWith('# ') && !trimmed.startsWith('# Subtest:')) run.onDiagnostic?.(trimmed.slice(2));
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > STDERR_TAIL) stderr.shift();
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', killGroup);
      // A test may leave grandchildren behind; the group is ours, so end it.
      killGroup();
      const ended = new Date();
      const summary = parser.summary();
      const record: StepRecord = {
        label: run.label,
        command: ['node', ...argv, ...run.shownFiles],
        env: run.env,
        startedAt: started.toISOString(),
        endedAt: ended.toISOString(),
        durationMs: ended.getTime() - started.getTime(),
        exitCode: code,
        signal: sig,
        timedOut,
        ...summary,
      };
      const rss = sampler?.stop();
      if (rss) record.rss = rss;
      if (code !== 0 && stderr.length > 0) record.stderrTail = stderr;
      resolve(record);
    });
  });
}
