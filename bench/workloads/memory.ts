import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { round3 } from '../stats.js';
import type { MemoryChildArgs, MemoryChildResult } from './memory-child.js';
import type { Measurement } from './types.js';

export interface MemoryParams { events: number; consumeMs: number; sampleMs: number; handlerMs: number; concurrency: number; maxMs: number }

/**
 * Peak RSS of a herald process (a forked child, nothing else loaded) while a slow consumer works
 * through a backlog of `events`. The figure is the peak (MB) during consumption; `growthMB`
 * compares the peak of the second half with the first half's (flat: about 0).
 */
export async function memoryUnderBacklog(dataDir: string, params: MemoryParams): Promise<Measurement> {
  const dir = mkdtempSync(join(dataDir, 'memory-'));
  try {
    const args: MemoryChildArgs = { dir, events: params.events, consumeMs: params.consumeMs, sampleMs: params.sampleMs, handlerMs: params.handlerMs, concurrency: params.concurrency };
    const result = await new Promise<MemoryChildResult>((resolve, reject) => {
      const child = fork(new URL('./memory-child.js', import.meta.url), [JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`memory workload did not finish within ${params.maxMs / 1000} s`)); }, params.maxMs);
      child.on('message', (m: { ok: boolean; result?: MemoryChildResult; error?: string }) => {
        clearTimeout(timer);
        if (m.ok && m.result) resolve(m.result);
        else reject(new Error(`memory child failed: ${m.error ?? 'no result'}`));
      });
      child.on('exit', (code) => { clearTimeout(timer); if (code !== 0) reject(new Error(`memory child exited with ${code}`)); });
    });
    const half = Math.floor(result.samples.length / 2);
    const peak = (s: [number, number][]): number => Math.max(...s.map(([, v]) => v));
    const growthMB = half > 0 ? round3(peak(result.samples.slice(half)) - peak(result.samples.slice(0, half))) : NaN;
    const every = Math.max(1, Math.ceil(result.samples.length / 150));
    return {
      value: result.peakMB, events: params.events,
      extra: {
        backlog: params.events, fillMs: Math.round(result.fillMs), fillPeakMB: result.fillPeakMB, rssAfterFillMB: result.rssAfterFillMB,
        endMB: result.endMB, growthMB, consumed: result.consumed, samples: result.samples.filter((_, i) => i % every === 0),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
