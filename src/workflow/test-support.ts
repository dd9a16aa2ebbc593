/** Shared by the workflow tests (not part of the public API). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestSchemas } from '../backends/postgres/test-helpers.js';
import { openSqliteLog } from '../backends/sqlite/index.js';
import { MemoryLog } from '../log/memory/index.js';
import type { StreamLog } from '../log/streams.js';
import type { AnyWorkflowDefinition } from './define.js';
import { startWorkflowRunner, type WorkflowRunner } from './runner.js';

/** A log that can be closed and opened again (memory: the same log, as if only the runner restarted). */
export interface TestBackend {
  name: string;
  open(): Promise<{ log: StreamLog; reopen(): Promise<StreamLog>; done(): Promise<void> }>;
}

/**
 * What the running test opened: closed by `cleanUp()` (an `afterEach` of each workflow test file),
 * so a test that fails half-way leaves no runner polling and no log open, and its file ends
 * instead of waiting for the test timeout.
 */
const opened = new Set<() => Promise<void>>();

function track(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const once = (): Promise<void> => {
    opened.delete(once);
    return (closing ??= close());
  };
  opened.add(once);
  return once;
}

/** Closes what the test left open, the newest first (runners before the logs they run on). */
export async function cleanUp(): Promise<void> {
  for (const close of [...opened].reverse()) await close().catch(() => undefined);
}

/** `backend.open()`, with its `done` also run by `cleanUp()`. */
export async function openBackend(backend: TestBackend): ReturnType<TestBackend['open']> {
  const b = await backend.open();
  return { ...b, done: track(() => b.done()) };
}

export const BACKENDS: TestBackend[] = [
  {
    name: 'memory',
    open: async () => {
      const log = new MemoryLog();
      return { log, reopen: () => Promise.resolve(log), done: () => log.close() };
    },
  },
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-wf-'));
      const path = join(dir, 'herald.db');
      let log = await openSqliteLog({ path, durability: 'os' });
      return {
        log,
        reopen: async () => { await log.close(); log = await openSqliteLog({ path, durability: 'os' }); return log; },
        done: async () => { await log.close(); rmSync(dir, { recursive: true, force: true }); },
      };
    },
  },
  {
    // The scale-out backend with streams: a fresh schema per test, dropped after.
    name: 'postgres',
    open: async () => {
      const schemas = new TestSchemas();
      const schema = schemas.fresh();
      let log = await schemas.open(schema, { poolSize: 4 });
      return {
        log,
        reopen: async () => { await log.close(); log = await schemas.open(schema, { poolSize: 4 }); return log; },
        done: async () => { await log.close(); await schemas.dropAll(); },
      };
    },
  },
];

/** A runner on `log`, closed by `cleanUp()` if the test does not close it. */
export async function runner(log: StreamLog, workflows: readonly AnyWorkflowDefinition[], errors: unknown[] = []): Promise<WorkflowRunner> {
  const r = await startWorkflowRunner(log, { workflows, pollInterval: 20, onError: (e) => { errors.push(e); } });
  const close = track(r.close.bind(r));
  return Object.assign(r, { close });
}

export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
