/** Shared by the SIGKILL tests of the event store (sqlite and PostgreSQL). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs a child (a script beside this file) until `killAfterMs` past its READY line (SIGKILL;
 * counted from READY so that a loaded machine's slow start-up does not eat the run) or until it
 * exits by itself; returns its stdout lines.
 */
export function runChild(script: string, args: string[], killAfterMs?: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(import.meta.dirname, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (killAfterMs !== undefined && timer === undefined && out.includes('READY\n')) timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    });
    proc.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`${script} exited ${code}: ${err}`));
      else resolve(out.split('\n').filter((l) => l.length > 0));
    });
  });
}
