/** R14's sizes (scalable by environment) and assertions over one stall run (stall-run.ts). */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describeResult } from './history.js';
import type { StallRunResult } from './stall-run.js';

/** Sizes from the environment, so CI can shorten and a soak lengthen the stall. */
export function stallSizes(): { stallMs: number; stallAfterMs: number } {
  const int = (name: string, fallback: number): number => {
    const value = Number(process.env[name]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return { stallMs: int('HERALD_R14_STALL_MS', 12_000), stallAfterMs: int('HERALD_R14_STALL_AFTER_MS', 5_000) };
}

/** Prints the figures of one run, then asserts what R14 demands (never a timing threshold). */
export function assertStallRun(t: TestContext, backend: string, run: StallRunResult, sizes: { stallMs: number; stallAfterMs: number }, variant = ''): void {
  const stalled = run.reports.filter((r) => r.state === 'stalled');
  const figures = {
    backend, stallMs: sizes.stallMs, stallAfterMs: sizes.stallAfterMs, detectedMs: run.detectedMs, stalledReports: stalled.length,
    ackResumeMs: run.ackResumeMs, deliverResumeMs: run.deliverResumeMs, resumedReportMs: run.resumedReportMs, drainMs: run.drainMs,
    acked: run.acked, deliveries: run.deliveries, appendErrors: run.appendErrors, readError: run.readError, groupReorders: run.groupReorders, durationMs: run.durationMs,
    firstReport: stalled[0] && { operation: stalled[0].operation, error: stalled[0].error },
  };
  const name = variant ? `${backend} (${variant})` : backend;
  console.log(`R14 ${name}: ${JSON.stringify(figures)}`);
  t.diagnostic(`R14 ${name}: ${describeResult(run.result)}`);
  assert.equal(run.falseAlarms, 0, 'no stall is reported while the backend answers');
  assert.ok(run.detectedMs !== undefined && run.detectedMs < sizes.stallMs, `the ${backend} stall was reported before the heal`);
  assert.equal(stalled[0]?.backend, backend, 'the report names the backend');
  if (sizes.stallMs >= 2.5 * sizes.stallAfterMs) assert.ok(stalled.length >= 2, `a lasting stall is reported again (got ${stalled.length} reports)`);
  assert.ok(run.logLines.some((l) => l.level === 'warn' && l.msg?.includes(backend)), 'a warning line names the backend');
  assert.ok(run.ackResumeMs !== undefined, 'publishing resumed after the heal');
  assert.ok(run.deliverResumeMs !== undefined, 'consuming resumed after the heal (an event published after it was delivered)');
  assert.ok(run.resumedReportMs !== undefined, '`resumed` was reported after the heal');
  assert.equal(run.readError, undefined, 'the full read after the heal works');
  assert.equal(run.stalledAtEnd, false, 'the watchdog says the backend answers at the end');
  assert.deepEqual(run.result.anomalies, [], describeResult(run.result));
}
