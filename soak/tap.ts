import type { Subtest, TapCounts } from './types.js';

/**
 * A streaming reader of node:test's TAP output (`--test-reporter=tap`): subtest results with
 * their YAML blocks, the `# ` diagnostic lines (t.diagnostic and the test file's console.log
 * both arrive that way) and the final `# pass N` counts. It keeps the first and last lines of
 * diagnostics only, so a long soak cannot grow the runner's memory.
 */
const SUMMARY = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/;
const RESULT = /^( *)(not ok|ok) \d+(?: - (.*?))?(?: # (SKIP|TODO)\b ?(.*))?$/i;
const SEED = /(?:\bseed[\s:=]+|HERALD_SEED=)(\d+)/gi;
const KEEP_HEAD = 200;
const KEEP_TAIL = 200;
const ERROR_LINES = 12;
const NOT_SELECTED = 'test name does not match pattern';

export interface TapSummary {
  counts: TapCounts;
  subtests: Subtest[];
  diagnostics: string[];
  diagnosticsDropped: number;
  seedsPrinted: number[];
}

export class TapParser {
  private readonly counts: TapCounts = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
  private readonly subtests: Subtest[] = [];
  private readonly head: string[] = [];
  private tail: string[] = [];
  private dropped = 0;
  private readonly seeds = new Set<number>();
  /** The YAML block of the last result, while inside it. */
  private yaml: { subtest: Subtest; indent: number; inError: boolean; errorLines: string[] } | undefined;

  /** Feeds one line (without its newline). */
  line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (this.yaml && this.inYaml(line)) return;
    const summary = SUMMARY.exec(line);
    if (summary) {
      const key = summary[1] as keyof TapCounts | 'suites' | 'duration_ms';
      if (key !== 'suites' && key !== 'duration_ms') this.counts[key] = Number(summary[2]);
      return;
    }
    const result = RESULT.exec(line);
    if (result) {
      const subtest: Subtest = { name: unescape(result[3] ?? ''), depth: result[1]!.length / 4, ok: result[2] === 'ok' };
      const directive = result[4]?.toUpperCase();
      if (directive === 'SKIP') subtest.skip = result[5] ?? '';
      if (directive === 'TODO') subtest.todo = result[5] ?? '';
      // Tests left out by --test-name-pattern are not part of the run: counted, not listed.
      if (subtest.skip !== NOT_SELECTED) this.subtests.push(subtest);
      this.yaml = { subtest, indent: result[1]!.length + 2, inError: false, errorLines: [] };
      return;
    }
    const trimmed = line.trimStart();
    if (trimmed.startsWith('# Subtest:') || !trimmed.startsWith('# ')) return;
    this.diagnostic(trimmed.slice(2));
  }

  summary(): TapSummary {
    return {
      counts: { ...this.counts },
      subtests: this.subtests,
      diagnostics: [...this.head, ...this.tail],
      diagnosticsDropped: this.dropped,
      seedsPrinted: [...this.seeds],
    };
  }

  private diagnostic(text: string): void {
    for (const m of text.matchAll(SEED)) this.seeds.add(Number(m[1]));
    if (this.head.length < KEEP_HEAD) { this.head.push(text); return; }
    this.tail.push(text);
    if (this.tail.length > KEEP_TAIL) { this.tail = this.tail.slice(-KEEP_TAIL); this.dropped++; }
  }

  /** Consumes a line of the current YAML block; false once the block has ended. */
  private inYaml(line: string): boolean {
    const y = this.yaml!;
    const pad = ' '.repeat(y.indent);
    if (line === `${pad}---`) return true;
    if (line === `${pad}...`) {
      if (y.errorLines.length > 0) y.subtest.error = y.errorLines.slice(0, ERROR_LINES).join('\n');
      this.yaml = undefined;
      return true;
    }
    if (!line.startsWith(pad)) { this.yaml = undefined; return false; }
    const body = line.slice(y.indent);
    if (y.inError && body.startsWith('  ')) { y.errorLines.push(body.slice(2)); return true; }
    y.inError = false;
    const duration = /^duration_ms: ([\d.]+)/.exec(body);
    if (duration) y.subtest.durationMs = Number(duration[1]);
    const error = /^error: (.*)$/.exec(body);
    if (error) {
      if (error[1] === '|-' || error[1] === '|') y.inError = true;
      else y.errorLines.push(error[1]!.replace(/^'(.*)'$/, '$1'));
    }
    return true;
  }
}

function unescape(name: string): string {
  return name.replace(/\\#/g, '#').replace(/\\\\/g, '\\');
}
