import { path } from './api.js';
import { el, errorText, fmtMs, fmtTime, href, notice, replace } from './dom.js';
import { pageHeader, table, type Page } from './page.js';
import { instancePanel, signalForm, statusClass } from './workflow-instance.js';
import { INSTANCE_STATUSES, type InstanceSummary, type InstanceView } from './wire-workflows.js';

/** Workflow instances (filtered by workflow and status), one instance's history, and cancel / retry / signal. */
function filterForm(workflow: string, status: string, go: (p: Record<string, string | undefined>) => void): HTMLFormElement {
  const name = el('input', { type: 'text', id: 'wf-name', size: 20, autocomplete: 'off', spellcheck: false, placeholder: 'any' });
  name.value = workflow;
  const state = el('select', { id: 'wf-status' }, el('option', { value: '' }, 'any'), ...INSTANCE_STATUSES.map((s) => el('option', { value: s }, s)));
  state.value = status;
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter workflow instances' },
    el('div', { class: 'field' }, el('label', { for: 'wf-name' }, 'Workflow'), name),
    el('div', { class: 'field' }, el('label', { for: 'wf-status' }, 'Status'), state),
    el('div', { class: 'field field-button' }, el('button', { type: 'submit' }, 'Filter')));
  form.addEventListener('submit', (e) => { e.preventDefault(); go({ workflow: name.value.trim() || undefined, status: state.value || undefined }); });
  return form;
}

export const workflowsPage: Page = {
  title: 'Workflows',
  render(ctx, root) {
    const workflow = ctx.params.get('workflow') ?? '';
    const status = ctx.params.get('status') ?? '';
    const { header, updated } = pageHeader('Workflows');
    const messages = el('div');
    const list = el('div');
    const detail = el('div');
    root.append(header, filterForm(workflow, status, (p) => ctx.go(p)), messages, detail, el('h2', {}, 'Instances'), list);
    let selected: { workflow: string; id: string } | undefined;
    let shown = '';
    let form: HTMLFormElement | undefined;
    const done = (message: HTMLElement): void => { replace(messages, message); void poller.now(); };

    const drawDetail = async (): Promise<void> => {
      if (!selected) return;
      const view = await ctx.api.get<InstanceView>(path`/v1/workflows/${selected.workflow}/instances/${selected.id}`);
      const fingerprint = JSON.stringify(view);
      if (fingerprint === shown) return; // unchanged: keep open details and what is typed
      shown = fingerprint;
      form ??= signalForm(ctx, selected, done);
      replace(detail, instancePanel(ctx, view, form, done));
    };
    const select = (s: { workflow: string; id: string } | undefined): void => {
      selected = s;
      shown = '';
      form = undefined;
      ctx.setParams({ workflow: workflow || undefined, status: status || undefined, of: s?.workflow, instance: s?.id });
      replace(detail);
      replace(messages);
      if (s) drawDetail().then(() => detail.querySelector('h2')?.focus()).catch((error: unknown) => replace(detail, notice('error', `instance ${s.id} of ${s.workflow}: ${errorText(error)}`)));
    };

    const poller = ctx.poll(2000, async () => {
      try {
        const query = new URLSearchParams({ limit: '200', ...(workflow ? { workflow } : {}), ...(status ? { status } : {}) });
        const { instances } = await ctx.api.get<{ instances: InstanceSummary[] }>(`/v1/workflows/instances?${query.toString()}`);
        const rows = instances.map((i) => {
          const inspect = el('button', { type: 'button', class: 'secondary', 'aria-label': `Inspect ${i.id} of ${i.workflow}` }, 'Inspect');
          inspect.addEventListener('click', () => select({ workflow: i.workflow, id: i.id }));
          const isSelected = selected?.workflow === i.workflow && selected.id === i.id;
          return el('tr', { class: isSelected ? 'selected' : '', 'data-instance': `${i.workflow}/${i.id}`, 'data-status': i.status },
            el('td', {}, el('a', { href: href('workflows', { workflow: i.workflow }) }, i.workflow)),
            el('th', { scope: 'row', class: 'mono' }, i.id), el('td', { class: 'num' }, i.version),
            el('td', {}, el('span', { class: `status status-${statusClass(i.status)}` }, i.status)),
            el('td', {}, fmtTime(i.startedAt)), el('td', { class: 'num' }, i.endedAt === undefined ? '' : fmtMs(i.endedAt - i.startedAt)),
            el('td', {}, i.error?.message ?? ''), el('td', {}, inspect));
        });
        replace(list, table('Workflow instances', ['Workflow', 'Instance', 'Version', 'Status', 'Started (UTC)', 'Took', 'Error', ''], rows,
          workflow || status ? 'No instance matches.' : 'No workflow instance yet (workflows run where the log keeps streams: sqlite, memory).'));
        if (selected) await drawDetail();
        updated();
      } catch (error) {
        updated(error);
      }
    });
    const of = ctx.params.get('of');
    const instance = ctx.params.get('instance');
    if (of && instance) select({ workflow: of, id: instance });
  },
};
