import type { Api } from './api.js';
import { el, errorText, replace } from './dom.js';
import type { InfoResponse } from './wire.js';

/** The sign-in screen: the credential is pasted, checked with GET /v1/info, then kept for this tab only. */
export function loginScreen(api: Api, root: HTMLElement, reason: string | undefined, signedIn: (info: InfoResponse) => void): void {
  // No name attribute: the credential can never be submitted as a form field into a URL.
  const input = el('input', { type: 'password', id: 'credential', autocomplete: 'off', spellcheck: false, required: true, 'aria-describedby': 'credential-help' });
  const problem = el('div', { role: 'alert', class: 'login-problem' }, reason ?? '');
  const button = el('button', { type: 'submit' }, 'Sign in');
  const form = el('form', { method: 'post', action: '#', class: 'login-form' },
    el('label', { for: 'credential' }, 'API key or JWT'), input,
    el('p', { id: 'credential-help', class: 'help' },
      'An API key (hk_…) or a JWT with the permissions you need (admin on ">" to see every topic). '
      + 'It is kept in this tab\'s session storage only and sent as a bearer token with each API call.'),
    button, problem);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const credential = input.value.trim();
    if (credential === '') return;
    button.disabled = true;
    api.whoIs<InfoResponse>(credential)
      .then((info) => { api.signIn(credential); input.value = ''; signedIn(info); })
      .catch((error: unknown) => {
        replace(problem, (error as { status?: number }).status === 401 ? 'This key or token was refused.' : `Cannot sign in: ${errorText(error)}`);
        button.disabled = false;
        input.focus();
      });
  });
  replace(root, el('section', { class: 'login', 'aria-labelledby': 'login-title' },
    el('h1', { id: 'login-title' }, 'Sign in to the herald console'), form));
  input.focus();
}
