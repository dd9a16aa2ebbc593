#!/usr/bin/env node
// Runs the compiled tests with node's test runner, by tier (unit, int, e2e; all by default).
// Prints node's own summary and a plain "N passed, N failed" line for CI.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const tiers = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'int', 'e2e'];
const roots = ['dist/src', 'dist/test', 'dist/examples', 'dist/bench', 'dist/soak'];

function walk(dir, out) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (tiers.some((t) => e.name.endsWith(`.${t}.test.js`))) out.push(p);
  }
  return out;
}

const files = roots.flatMap((r) => walk(r, [])).sort();
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
const tap = join(mkdtempSync(join(tmpdir(), 'herald-tests-')), 'report.tap');
const result = spawnSync(process.execPath, [
  '--test',
  '--test-concurrency=2',
  '--test-timeout=900000',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
], { stdio: 'inherit', env: { ...process.env, HERALD_TEST: '1' } });

const report = readFileSync(tap, 'utf8');
const count = (name) => Number((report.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + count('cancelled');
const skipped = count('skipped');
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(result.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
