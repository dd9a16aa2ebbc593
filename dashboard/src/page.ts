import type { Api } from './api.js';
import { el, errorText, replace } from './dom.js';

/** What a page gets: the API, its query parameters, and a lifetime that ends when the user leaves it. */
export interface PageContext {
  api: Api;
  params: URLSearchParams;
  /** Aborted when the page is left: pollers and streams stop. */
  signal: AbortSignal;
  /** Runs `fn` now and then every `ms` (never two at once) until the page is left; failures show in the page's status line. */
  poll(ms: number, fn: () => Promise<void>): { now(): Promise<void> };
  /** Changes the page's query parameters in the address bar without leaving the page. */
  setParams(params: Record<string, string | undefined>): void;
  /** Shows this page again with these query parameters. */
  go(params: Record<string, string | undefined>): void;
}

export interface Page {
  title: string;
  render(ctx: PageContext, root: HTMLElement): void;
}

/** A page heading with a live "updated at" line. */
export function pageHeader(title: string, ...extra: (Node | string)[]): { header: HTMLElement; updated: (error?: unknown) => void } {
  const status = el('span', { class: 'updated', 'aria-live': 'polite' });
  const header = el('div', { class: 'page-header' }, el('h1', {}, title), ...extra, status);
  return {
    header,
    updated: (error?: unknown) => {
      if (error === undefined) {
        status.className = 'updated';
        replace(status, `updated ${new Date().toLocaleTimeString('en-GB')}`);
      } else {
        status.className = 'updated updated-error';
        replace(status, `update failed: ${errorText(error)}`);
      }
    },
  };
}

/** A table with a caption, header cells and rows; `empty` is shown when there are none. */
export function table(caption: string, headings: readonly string[], rows: readonly HTMLTableRowElement[], empty: string): HTMLElement {
  if (rows.length === 0) return el('p', { class: 'empty' }, empty);
  return el('table', {},
    el('caption', { class: 'visually-hidden' }, caption),
    el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows));
}
