#!/usr/bin/env node
// Import rules the compiler cannot check: no cycles between files, a lower layer never imports
// a higher one, and each driver is imported only inside its own backend folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';

const rank = {
  core: 0, log: 1, consumer: 2, backends: 2, eventstore: 3, schema: 3, security: 3,
  observability: 3, workflow: 4, client: 5, webhooks: 5, server: 6, '.': 7, cli: 8,
};
const drivers = { 'better-sqlite3': 'backends/sqlite', pg: 'backends/postgres', '@nats-io/': 'backends/nats',
  redis: 'backends/redis', ioredis: 'backends/redis', amqplib: 'backends/rabbitmq' };

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}
const src = resolve('src');
const files = walk(src);
const graph = new Map();
const problems = [];
const layerOf = (f) => { const r = relative(src, f).split('/'); return r.length === 1 ? '.' : r[0]; };
const isTest = (f) => /\.(unit|int|e2e)\.test\.ts$/.test(f);

for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const deps = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec) continue;
    if (spec.startsWith('.')) {
      const target = resolve(dirname(f), spec).replace(/\.js$/, '.ts');
      deps.push(target);
      if (!isTest(f) && rank[layerOf(target)] > rank[layerOf(f)]) {
        problems.push(`${relative(src, f)} (layer ${layerOf(f)}) imports higher layer ${relative(src, target)}`);
      }
    } else {
      for (const [driver, home] of Object.entries(drivers)) {
        const hit = driver.endsWith('/') ? spec.startsWith(driver) : spec === driver || spec.startsWith(`${driver}/`);
        if (hit && !relative(src, f).startsWith(home) && !isTest(f)) problems.push(`${relative(src, f)} imports driver ${spec} outside ${home}/`);
      }
    }
  }
  graph.set(f, deps);
}

// Cycle detection (iterative DFS with colours).
const colour = new Map();
for (const start of files) {
  if (colour.get(start)) continue;
  const stack = [[start, 0]];
  const path = [start];
  colour.set(start, 1);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const deps = graph.get(top[0]) ?? [];
    if (top[1] < deps.length) {
      const next = deps[top[1]++];
      if (!graph.has(next)) continue;
      const c = colour.get(next);
      if (c === 1) {
        const cycle = path.slice(path.indexOf(next)).concat(next).map((p) => relative(src, p));
        problems.push(`import cycle: ${cycle.join(' -> ')}`);
      } else if (!c) { colour.set(next, 1); stack.push([next, 0]); path.push(next); }
    } else { colour.set(top[0], 2); stack.pop(); path.pop(); }
  }
}

if (problems.length) {
  console.error(problems.map((p) => `check-deps: ${p}`).join('\n'));
  process.exit(1);
}
console.log(`check-deps: ${files.length} files, no cycles, layers respected`);
