import { path } from './api.js';
import { el, errorText, fmtNumber, href, notice, replace } from './dom.js';
import { correlationOf, eventDetails, facts } from './event-details.js';
import { pageHeader, table, type Page, type PageContext } from './page.js';
import { holdsProtectedData } from './redaction.js';
import { parseDeadLetterTopic, type DeadLetter, type TopicInfo } from './wire.js';

const base = (topic: string, group: string): string => path`/v1/topics/${topic}/groups/${group}/dead-letters`;

/** Edit the payload of a dead letter as JSON, then redrive the edited event. */
function editor(ctx: PageContext, letter: DeadLetter, done: (message: HTMLElement, redriven: boolean) => void): HTMLElement {
  if (letter.event.data_base64 !== undefined) return el('p', {}, 'Binary payloads cannot be edited here.');
  if (holdsProtectedData(letter.event)) return el('p', { class: 'help' }, 'This payload holds redacted or encrypted (PII) values: it cannot be edited here, as an edit would corrupt them. Redrive it unchanged.');
  const area = el('textarea', { id: 'payload-editor', rows: 12, spellcheck: false, 'aria-describedby': 'payload-help' });
  area.value = JSON.stringify(letter.event.data ?? null, null, 2);
  const save = el('button', { type: 'button' }, 'Redrive edited event');
  save.addEventListener('click', () => {
    let data: unknown;
    try {
      data = JSON.parse(area.value);
    } catch (error) {
      done(notice('error', `the payload is not JSON: ${errorText(error)}`), false);
      return;
    }
    ctx.api.json('POST', `${base(letter.context.topic, letter.context.group)}/${letter.dlqPosition}/redrive`, { event: { ...letter.event, data } })
      .then(() => done(notice('ok', `Redriven with the edited payload to ${letter.context.group} on ${letter.context.topic}.`), true))
      .catch((error: unknown) => done(notice('error', `redrive failed: ${errorText(error)}`), false));
  });
  return el('div', { class: 'editor' },
    el('label', { for: 'payload-editor' }, 'Payload (JSON)'),
    el('p', { id: 'payload-help', class: 'help' }, 'The event keeps its id and attributes; only its data is replaced.'),
    area, save);
}

function letterPanel(ctx: PageContext, letter: DeadLetter, done: (message: HTMLElement, removed: boolean) => void): HTMLElement {
  const { context, event } = letter;
  const actions = el('div', { class: 'actions' });
  const redrive = el('button', { type: 'button' }, 'Redrive');
  const edit = el('button', { type: 'button', class: 'secondary' }, 'Edit payload…');
  const discard = el('button', { type: 'button', class: 'danger' }, 'Discard');
  const editArea = el('div');
  const url = `${base(context.topic, context.group)}/${letter.dlqPosition}`;
  redrive.addEventListener('click', () => {
    ctx.api.json('POST', `${url}/redrive`, {})
      .then(() => done(notice('ok', `Redriven: ${event.type} ${event.id} went back to ${context.group} on ${context.topic}.`), true))
      .catch((error: unknown) => done(notice('error', `redrive failed: ${errorText(error)}`), false));
  });
  edit.addEventListener('click', () => replace(editArea, editor(ctx, letter, done)));
  discard.addEventListener('click', () => {
    if (!window.confirm(`Discard dead letter #${letter.dlqPosition} (${event.type} ${event.id}) for good?`)) return;
    ctx.api.json('DELETE', url)
      .then(() => done(notice('ok', `Discarded dead letter #${letter.dlqPosition}.`), true))
      .catch((error: unknown) => done(notice('error', `discard failed: ${errorText(error)}`), false));
  });
  actions.append(redrive, edit, discard, el('a', { href: href('lineage', { id: correlationOf(event) }), class: 'button-link' }, 'Show its flow'));
  return el('section', { class: 'panel', 'aria-label': `dead letter ${letter.dlqPosition}` },
    el('h2', {}, `Dead letter #${letter.dlqPosition}: ${event.type}`),
    actions, editArea,
    el('h3', {}, 'Failure'),
    facts('failure context', [
      ['error', context.error.message], ['error code', context.error.code], ['error name', context.error.name],
      ['group', context.group], ['handler', context.handler], ['attempts', context.attempts],
      ['failed at', context.failedAt], ['original position', `${context.topic}#${context.position}`], ['traceparent', context.traceparent],
    ]),
    context.error.stack ? el('details', {}, el('summary', {}, 'Stack trace'), el('pre', { class: 'stack' }, context.error.stack)) : null,
    el('h3', {}, 'Event'),
    eventDetails(event));
}

export const deadLettersPage: Page = {
  title: 'Dead letters',
  render(ctx, root) {
    const topic = ctx.params.get('topic') ?? '';
    const group = ctx.params.get('group') ?? '';
    const { header, updated } = pageHeader(topic && group ? `Dead letters: ${group} on ${topic}` : 'Dead letters');
    const queues = el('div');
    const messages = el('div');
    const list = el('div');
    const detail = el('div');
    root.append(header, queues, messages, list, detail);
    let selected = ctx.params.get('position') ?? '';

    const show = async (position: string): Promise<void> => {
      selected = position;
      ctx.setParams({ topic, group, position: position || undefined });
      if (!position) return replace(detail);
      try {
        const letter = await ctx.api.get<DeadLetter>(`${base(topic, group)}/${position}`);
        replace(detail, letterPanel(ctx, letter, (message, removed) => {
          replace(messages, message);
          if (removed) { void show(''); void poller.now(); }
        }));
        detail.querySelector('h2')?.focus();
      } catch (error) {
        replace(detail, notice('error', `dead letter #${position}: ${errorText(error)}`));
      }
    };

    const poller = ctx.poll(2000, async () => {
      try {
        const { topics } = await ctx.api.get<{ topics: TopicInfo[] }>('/v1/topics');
        const dlqs = topics.flatMap((t) => { const q = parseDeadLetterTopic(t.topic); return q ? [{ ...q, count: t.count }] : []; });
        replace(queues, el('h2', {}, 'Queues'), table('Dead-letter queues', ['Topic', 'Group', 'Dead letters'], dlqs.map((q) => el('tr', {
          class: q.topic === topic && q.group === group ? 'selected' : '',
        },
        el('td', {}, q.topic),
        el('th', { scope: 'row' }, el('a', { href: href('dead-letters', { topic: q.topic, group: q.group }) }, q.group)),
        el('td', { class: q.count > 0 ? 'num bad' : 'num' }, fmtNumber(q.count)))), 'No group has dead-lettered anything.'));
        if (topic && group) {
          const { deadLetters } = await ctx.api.get<{ deadLetters: DeadLetter[] }>(`${base(topic, group)}?limit=100`);
          const rows = deadLetters.map((d) => {
            const inspect = el('button', { type: 'button', class: 'secondary', 'aria-label': `Inspect dead letter ${d.dlqPosition}` }, 'Inspect');
            inspect.addEventListener('click', () => void show(String(d.dlqPosition)));
            return el('tr', { class: String(d.dlqPosition) === selected ? 'selected' : '', 'data-position': d.dlqPosition },
              el('td', { class: 'num' }, d.dlqPosition), el('th', { scope: 'row' }, d.event.type), el('td', {}, d.event.subject ?? ''),
              el('td', { class: 'mono' }, d.event.id), el('td', { class: 'num' }, d.context.attempts), el('td', {}, d.context.error.message),
              el('td', {}, d.context.failedAt), el('td', {}, inspect));
          });
          replace(list, el('h2', {}, `Dead letters of ${group} on ${topic}`),
            table(`Dead letters of ${group} on ${topic}`, ['#', 'Type', 'Subject', 'Event id', 'Attempts', 'Error', 'Failed at', ''], rows, 'No dead letters: this queue is empty.'));
        }
        updated();
      } catch (error) {
        updated(error);
      }
    });
    if (selected) void show(selected);
  },
};
