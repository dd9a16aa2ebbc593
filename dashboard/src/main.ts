import { Api } from './api.js';
import { el, href, replace } from './dom.js';
import { loginScreen } from './login.js';
import type { Page, PageContext } from './page.js';
import { deadLettersPage } from './page-dead-letters.js';
import { eventsPage } from './page-events.js';
import { groupsPage } from './page-groups.js';
import { lineagePage } from './page-lineage.js';
import { topicsPage } from './page-topics.js';
import { catalogPage } from './page-catalog.js';
import { workflowsPage } from './page-workflows.js';
import type { InfoResponse } from './wire.js';

/** The console's shell: sign-in, navigation between pages (in the URL's hash), and each page's lifetime. */
const PAGES: Record<string, Page> = {
  topics: topicsPage, groups: groupsPage, 'dead-letters': deadLettersPage, events: eventsPage, lineage: lineagePage,
  workflows: workflowsPage, catalog: catalogPage,
};

const api = new Api();
const nav = el('nav', { 'aria-label': 'Console pages' });
const identity = el('div', { class: 'identity' });
const main = el('main', { id: 'main', tabindex: -1 });
let current: AbortController | undefined;

function route(): { name: string; params: URLSearchParams } {
  const [page = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { name: page in PAGES ? page : 'topics', params: new URLSearchParams(query) };
}

function context(name: string, params: URLSearchParams, signal: AbortSignal): PageContext {
  return {
    api, params, signal,
    poll(ms, fn) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let running: Promise<void> = Promise.resolve();
      const run = async (): Promise<void> => {
        clearTimeout(timer);
        if (signal.aborted) return;
        running = fn().catch((error: unknown) => console.error(error));
        await running;
        if (!signal.aborted) timer = setTimeout(() => void run(), ms);
      };
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      void run();
      return { now: async () => { await running; await run(); } };
    },
    setParams(next) {
      const query: Record<string, string | undefined> = Object.fromEntries(params);
      history.replaceState(null, '', href(name, { ...query, ...next }));
    },
    go(next) {
      const target = href(name, next);
      if (location.hash === target) show(); else location.hash = target;
    },
  };
}

function show(): void {
  current?.abort();
  current = new AbortController();
  const { name, params } = route();
  const page = PAGES[name]!;
  document.title = `${page.title} · herald console`;
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.page === name) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  main.replaceChildren();
  page.render(context(name, params, current.signal), main);
}

function signedIn(info: InfoResponse): void {
  const signOut = el('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', () => { api.signOut(); start('You are signed out.'); });
  replace(identity, info.tenant === undefined
    ? el('span', { class: 'badge badge-dev', title: 'the server runs with --dev: no authentication' }, 'dev mode · no authentication')
    : el('span', { class: 'who' }, `tenant ${info.tenant} · ${info.keyId ?? ''}`),
  info.tenant === undefined ? null : signOut);
  replace(nav, ...Object.entries(PAGES).map(([name, page]) => el('a', { href: href(name), 'data-page': name }, page.title)));
  nav.hidden = false;
  window.onhashchange = () => { show(); main.focus(); };
  show();
}

function signedOut(reason?: string): void {
  current?.abort();
  window.onhashchange = null;
  nav.hidden = true;
  replace(identity);
  document.title = 'Sign in · herald console';
  loginScreen(api, main, reason, signedIn);
}

/** A --dev server answers /v1/info without a credential; any other asks for one. */
function start(reason?: string): void {
  api.get<InfoResponse>('/v1/info').then(signedIn).catch((error: unknown) => {
    const status = (error as { status?: number }).status;
    signedOut(status === 401 || status === undefined ? reason : `The server answered ${status}: ${String((error as Error).message)}`);
  });
}

api.onUnauthenticated = () => {
  api.signOut();
  signedOut('The server refused your key or token (revoked or expired?): sign in again.');
};

const skip = el('a', { class: 'skip-link', href: '#main' }, 'Skip to content');
skip.addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
document.body.replaceChildren(skip,
  el('header', { class: 'top' }, el('a', { class: 'brand', href: '#/topics' }, 'herald'), nav, identity), main);
start();
