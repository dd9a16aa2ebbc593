import { path } from './api.js';
import { el, errorText, fmtMs, fmtTime, href, notice } from './dom.js';
import { facts } from './event-details.js';
import { jsonView } from './json-view.js';
import { table, type PageContext } from './page.js';
import { timeline, type TimelineRow } from './timeline.js';
import type { InstanceView, StepAttempt, StepView } from './wire-workflows.js';

/** One workflow instance: its state, input and output, step history with a waterfall, and the operations it allows. */
const base = (v: { workflow: string; id: string }): string => path`/v1/workflows/${v.workflow}/instances/${v.id}`;
const name = (v: { workflow: string; id: string }): string => `${v.id} of ${v.workflow}`;

/** When the attempt's function returned (its measured `ms`), else when its outcome was recorded, else now (running). */
const attemptEnd = (a: StepAttempt, now: number): number => (a.ms !== undefined ? a.startedAt + a.ms : a.endedAt ?? now);
const attemptOutcome = (a: StepAttempt): string =>
  a.endedAt === undefined ? (a.lost ? 'lost' : 'running') : a.error === undefined ? 'ok' : a.final ? 'failed' : 'retry';
const outcomeClass = (outcome: string): string => (outcome === 'ok' ? 'ok' : outcome === 'failed' ? 'bad' : 'warn');
export const statusClass = (status: string): string =>
  status === 'completed' ? 'ok' : status === 'failed' ? 'bad' : status === 'running' ? 'run' : 'warn';

function operate(ctx: PageContext, question: string, method: string, url: string, body: unknown, what: string, done: (m: HTMLElement) => void): void {
  if (!window.confirm(question)) return;
  ctx.api.json(method, url, body)
    .then(() => done(notice('ok', what)))
    .catch((error: unknown) => done(notice('error', `${what.split(':')[0] ?? 'the request'} failed: ${errorText(error)}`)));
}

/** The signal form; made once per instance shown, so a poll that redraws the panel keeps what was typed. */
export function signalForm(ctx: PageContext, v: { workflow: string; id: string }, done: (m: HTMLElement) => void): HTMLFormElement {
  const signal = el('input', { type: 'text', id: 'signal-name', size: 24, autocomplete: 'off', spellcheck: false, required: true });
  const payload = el('textarea', { id: 'signal-payload', rows: 4, spellcheck: false, placeholder: '{"approved": true}  (empty: no payload)' });
  const form = el('form', { class: 'editor', 'aria-label': `Signal ${name(v)}` },
    el('label', { for: 'signal-name' }, 'Signal name'), signal,
    el('label', { for: 'signal-payload' }, 'Payload (JSON)'), payload,
    el('button', { type: 'submit' }, 'Send signal'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let body: { payload?: unknown } = {};
    try {
      if (payload.value.trim() !== '') body = { payload: JSON.parse(payload.value) };
    } catch (error) {
      done(notice('error', `the payload is not JSON: ${errorText(error)}`));
      return;
    }
    const n = signal.value.trim();
    operate(ctx, `Send signal "${n}" to instance ${name(v)}?`, 'POST', `${base(v)}/signals/${encodeURIComponent(n)}`, body,
      `Signal ${n} sent to ${name(v)}: its runner takes it up.`, done);
  });
  return form;
}

function attemptsTable(step: StepView, start: number): HTMLElement {
  return table(`attempts of step ${step.name}`, ['Attempt', 'Started', 'Took', 'Outcome', 'Output or error'], step.attempts.map((a) => {
    const outcome = attemptOutcome(a);
    return el('tr', { 'data-attempt': a.attempt, 'data-outcome': outcome },
      el('td', { class: 'num' }, a.attempt), el('td', {}, `+${fmtMs(a.startedAt - start)}`),
      el('td', { class: 'num' }, a.endedAt === undefined && a.ms === undefined ? '' : fmtMs(attemptEnd(a, 0) - a.startedAt)),
      el('td', { class: `outcome-${outcomeClass(outcome)}` }, outcome, a.retryAt !== undefined && outcome === 'retry' ? ` (again at +${fmtMs(a.retryAt - start)})` : ''),
      el('td', {}, a.error ? `${a.error.message}${a.error.code ? ` (${a.error.code})` : ''}` : a.output === undefined ? '' : jsonView(a.output, `output of ${step.name} attempt ${a.attempt}`)));
  }), 'No attempt yet.');
}

function stepsSection(v: InstanceView): HTMLElement[] {
  const now = Date.now();
  const rows = v.steps.map((s) => {
    const took = s.attempts.reduce((sum, a) => sum + (attemptEnd(a, now) - a.startedAt), 0);
    const lastError = s.attempts.findLast((a) => a.error)?.error?.message ?? '';
    return el('tr', { 'data-step': s.name, 'data-status': s.status },
      el('td', { class: 'num' }, s.seq), el('th', { scope: 'row' }, s.kind === 'compensation' ? `${s.name} (compensation)` : s.name),
      el('td', { class: `status-${statusClass(s.status === 'retrying' ? 'cancelled' : s.status)}` }, s.status),
      el('td', { class: 'num' }, s.attempts.length), el('td', { class: 'num' }, fmtMs(took)), el('td', {}, lastError));
  });
  const end = Math.max(v.endedAt ?? 0, ...v.steps.flatMap((s) => s.attempts.map((a) => attemptEnd(a, now))), v.startedAt);
  const waterfallRows: TimelineRow[] = v.steps.map((s) => ({
    label: `#${s.seq} ${s.name}`,
    marks: s.attempts.flatMap((a) => (a.retryAt !== undefined && attemptOutcome(a) === 'retry' ? [{ at: a.retryAt - v.startedAt, title: `retry due +${fmtMs(a.retryAt - v.startedAt)}` }] : [])),
    bars: s.attempts.map((a) => ({
      start: a.startedAt - v.startedAt, ms: attemptEnd(a, now) - a.startedAt, cls: `outcome-${outcomeClass(attemptOutcome(a))}`,
      title: `${s.name} attempt ${a.attempt}: ${attemptOutcome(a)}, ${fmtMs(attemptEnd(a, now) - a.startedAt)}${a.error ? ` (${a.error.message})` : ''}`,
    })),
  }));
  return [
    table(`steps of ${name(v)}`, ['#', 'Step', 'Status', 'Attempts', 'Time', 'Last error'], rows, 'No step recorded yet.'),
    v.steps.length > 0 ? timeline(waterfallRows, {
      spanMs: end - v.startedAt, width: 1100,
      label: `step timings of ${name(v)}: ${fmtMs(end - v.startedAt)} from its start`,
      caption: 'Bars: step attempts from the instance\'s start (green ok, amber retried or running, red failed for good). Marks: when a retry was due.',
    }) : null,
    ...v.steps.map((s) => el('details', { class: 'step-details', open: s.status !== 'completed', 'data-step': s.name },
      el('summary', {}, `#${s.seq} ${s.name}: ${s.status}, ${s.attempts.length === 1 ? '1 attempt' : `${s.attempts.length} attempts`}`),
      s.input === undefined ? null : el('div', {}, el('h3', {}, 'Input'), jsonView(s.input, `input of step ${s.name}`)),
      attemptsTable(s, v.startedAt))),
  ].filter((n): n is HTMLElement => n !== null);
}

function extras(v: InstanceView): (HTMLElement | null)[] {
  const t = (title: string, headings: string[], rows: HTMLTableRowElement[]): HTMLElement | null =>
    rows.length === 0 ? null : el('div', {}, el('h3', {}, title), table(title, headings, rows, ''));
  const rel = (ms: number): string => `+${fmtMs(ms - v.startedAt)}`;
  return [
    t('Timers', ['Timer', 'Due', 'Fired'], v.timers.map((x) => el('tr', {}, el('td', { class: 'mono' }, x.timer), el('td', {}, rel(x.dueAt)), el('td', {}, x.firedAt === undefined ? 'not yet' : rel(x.firedAt))))),
    t('Waits for events', ['#', 'Topic', 'Type', 'Match', 'Outcome'], v.waits.map((w) => el('tr', {}, el('td', { class: 'num' }, w.seq), el('td', {}, w.topic), el('td', {}, w.type),
      el('td', { class: 'mono' }, JSON.stringify(w.match)), el('td', {}, w.receivedEventId ? `received ${w.receivedEventId}` : w.timedOut ? 'timed out' : 'waiting')))),
    t('Signals received', ['Name', 'At', 'Payload'], v.signals.map((s) => el('tr', { 'data-signal': s.name }, el('th', { scope: 'row' }, s.name), el('td', {}, rel(s.at)),
      el('td', {}, s.payload === undefined ? '' : jsonView(s.payload, `payload of signal ${s.name}`))))),
    t('Children', ['#', 'Instance', 'Status'], v.children.map((c) => el('tr', {}, el('td', { class: 'num' }, c.seq),
      el('td', {}, el('a', { href: href('workflows', { of: c.workflow, instance: c.id }) }, `${c.id} of ${c.workflow}`)), el('td', {}, c.status)))),
  ];
}

export function instancePanel(ctx: PageContext, v: InstanceView, signal: HTMLFormElement, done: (m: HTMLElement) => void): HTMLElement {
  const actions = el('div', { class: 'actions' });
  if (v.status === 'failed') {
    const retry = el('button', { type: 'button' }, 'Retry');
    retry.addEventListener('click', () => operate(ctx, `Retry instance ${name(v)} from the step that failed?`, 'POST', `${base(v)}/retry`, {},
      `Retry requested for ${name(v)}: its runner runs it again from the failed step.`, done));
    actions.append(retry);
  }
  if (v.status === 'running') {
    const cancel = el('button', { type: 'button', class: 'danger' }, 'Cancel instance');
    cancel.addEventListener('click', () => operate(ctx, `Cancel instance ${name(v)}? Its waits and new steps fail; a saga compensates.`, 'POST', `${base(v)}/cancel`,
      { reason: 'cancelled from the console' }, `Cancel requested for ${name(v)}.`, done));
    actions.append(cancel);
  }
  const took = v.endedAt === undefined ? undefined : fmtMs(v.endedAt - v.startedAt);
  return el('section', { class: 'panel', 'aria-label': `workflow instance ${name(v)}`, 'data-status': v.status },
    el('h2', { tabindex: -1 }, `Instance ${name(v)}: `, el('span', { class: `status status-${statusClass(v.status)}` }, v.status)),
    actions.childElementCount > 0 ? actions : null,
    v.status === 'running' ? el('details', { class: 'signal' }, el('summary', {}, 'Send a signal…'), signal) : null,
    facts('instance', [
      ['status', v.status], ['version', v.version], ['started', fmtTime(v.startedAt)], ['ended', v.endedAt === undefined ? undefined : fmtTime(v.endedAt)],
      ['took', took], ['error', v.error ? `${v.error.message}${v.error.code ? ` (${v.error.code})` : ''}` : undefined],
      ['cancel requested', v.cancelRequested ? v.cancelRequested.reason ?? 'yes' : undefined],
      ['parent', v.parent ? `${v.parent.stream} #${v.parent.seq}` : undefined], ['stream', v.stream], ['revision', v.revision],
    ]),
    el('h3', {}, 'Input'), jsonView(v.input, `input of ${name(v)}`),
    v.output === undefined ? null : el('h3', {}, 'Output'), v.output === undefined ? null : jsonView(v.output, `output of ${name(v)}`),
    el('h3', {}, 'Steps'), ...stepsSection(v), ...extras(v));
}
