import { spawn } from 'node:child_process';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs a command to its end and collects its stdout and stderr (the fault tests' children report
 * line by line on stdout). `killAfterMs` sends SIGKILL then: the crash tests' kill.
 */
export function runProcess(command: string, args: readonly string[], options: { killAfterMs?: number } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    proc.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => proc.kill('SIGKILL'), options.killAfterMs);
    proc.on('error', (error) => { clearTimeout(timer); reject(error); });
    proc.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out, err }); });
  });
}
