import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HeraldError } from '../../src/core/errors.js';
import { baseSeed } from '../conformance/random.js';

/**
 * The shared loop of RELIABILITY S3: `HERALD_S3_INPUTS` inputs (default 10,000; the soak sets
 * 1,000,000) through one parser, seeded (`HERALD_SEED` replays). Passes when every input either
 * gives a result `check` accepts or throws a HeraldError, no promise rejection goes unhandled,
 * and no built-in prototype gained or changed a property. Per-input times are reported, never
 * asserted.
 */
export const INPUTS = Number(process.env.HERALD_S3_INPUTS ?? 10_000);
export const SEED = baseSeed();

export interface FuzzStats { parser: string; inputs: number; results: number; refusals: number; p50: number; p99: number; max: number }

const PROTOTYPES: [string, object][] = [['Object', Object.prototype], ['Array', Array.prototype], ['Function', Function.prototype], ['String', String.prototype]];

function snapshot(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, proto] of PROTOTYPES) {
    for (const key of Reflect.ownKeys(proto)) out.set(`${name}.${String(key)}`, Reflect.getOwnPropertyDescriptor(proto, key)?.value);
  }
  return out;
}

/** Throws naming what a fuzz run added to or changed in a built-in prototype. */
export function assertPrototypesUnchanged(before: Map<string, unknown>): void {
  const after = snapshot();
  const changed = [...after].filter(([key, value]) => !before.has(key) || before.get(key) !== value).map(([key]) => key);
  assert.deepEqual(changed, [], 'no prototype pollution');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
}

const quantile = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/**
 * Runs `run` on `INPUTS` samples of `input`. `options.check` looks at a result (throw to fail); a
 * thrown HeraldError is a refusal, anything else fails the run with the seed to replay it.
 */
export interface FuzzOptions<T, R> {
  /** Looks at a result; throw (or assert) to fail the run. */
  check?: (result: R, value: T) => void;
  /** A documented refusal other than HeraldError (the CLI's usage errors). */
  refusal?: (error: unknown) => boolean;
  /** Inputs run first, whatever the seed: counterexamples a past run found, kept as regressions. */
  examples?: readonly T[];
}

export async function fuzzParser<T, R>(parser: string, input: fc.Arbitrary<T>, run: (value: T) => R | Promise<R>, options: FuzzOptions<T, R> = {}): Promise<FuzzStats> {
  const check = options.check ?? ((): void => undefined);
  const isRefusal = options.refusal ?? ((error: unknown): boolean => error instanceof HeraldError);
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => { rejections.push(reason); };
  process.on('unhandledRejection', onRejection);
  const before = snapshot();
  const times = new Float64Array(INPUTS);
  let n = 0;
  let results = 0;
  let refusals = 0;
  try {
    await fc.assert(fc.asyncProperty(input, async (value) => {
      const started = performance.now();
      let result: R;
      try {
        result = await run(value);
      } catch (error) {
        if (n < INPUTS) times[n++] = performance.now() - started;
        if (!isRefusal(error)) throw new Error(`${parser}: not a documented refusal: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
        refusals++;
        return;
      }
      if (n < INPUTS) times[n++] = performance.now() - started;
      results++;
      check(result, value);
    }), { numRuns: INPUTS, seed: SEED, examples: (options.examples ?? []).map((value): [T] => [value]) });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new Error(`${parser} fuzz failed (replay with HERALD_SEED=${SEED} HERALD_S3_INPUTS=${INPUTS}): ${(error as Error).message}\ncause: ${cause instanceof Error ? cause.message : String(cause)}`, { cause: error });
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  // A rejection from this run's inputs surfaces within a turn or two of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(rejections, [], `${parser}: unhandled rejections (seed ${SEED})`);
  assertPrototypesUnchanged(before);
  const sorted = times.slice(0, n).sort();
  const stats = { parser, inputs: n, results, refusals, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[n - 1] ?? 0 };
  console.log(`S3 ${parser}: ${n} inputs (seed ${SEED}), ${results} results, ${refusals} HeraldError refusals; per input p50 ${stats.p50.toFixed(3)} ms, p99 ${stats.p99.toFixed(3)} ms, max ${stats.max.toFixed(1)} ms`);
  return stats;
}
