import { el } from './dom.js';
import { isEncrypted, isRedacted, redactionLabel } from './redaction.js';

/** Pretty-printed JSON as text spans (never HTML); a value the server redacted, or an encrypted field, is shown as redacted. */
export function jsonView(value: unknown, label = 'JSON'): HTMLPreElement {
  const pre = el('pre', { class: 'json', tabindex: 0, 'aria-label': label });
  render(pre, value, '');
  return pre;
}

function token(parent: Node, cls: string, text: string): void {
  parent.appendChild(el('span', { class: cls }, text));
}

function render(parent: Node, value: unknown, indent: string): void {
  if (isRedacted(value) || isEncrypted(value)) {
    const label = isEncrypted(value) ? redactionLabel({ $redacted: 'pii' }) : redactionLabel(value);
    parent.appendChild(el('span', { class: 'redacted', role: 'note', 'aria-label': 'redacted value' }, label));
    return;
  }
  if (value === null || value === undefined) return token(parent, 'j-null', 'null');
  if (typeof value === 'string') return token(parent, 'j-string', JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean') return token(parent, `j-${typeof value}`, String(value));
  if (typeof value !== 'object') return token(parent, 'j-string', typeof value === 'bigint' ? value.toString() : typeof value);
  const inner = `${indent}  `;
  const entries: [string | undefined, unknown][] = Array.isArray(value) ? value.map((v) => [undefined, v]) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return token(parent, 'j-punct', open + close);
  token(parent, 'j-punct', open);
  entries.forEach(([key, v], i) => {
    parent.appendChild(document.createTextNode(`\n${inner}`));
    if (key !== undefined) {
      token(parent, 'j-key', JSON.stringify(key));
      token(parent, 'j-punct', ': ');
    }
    render(parent, v, inner);
    if (i < entries.length - 1) token(parent, 'j-punct', ',');
  });
  parent.appendChild(document.createTextNode(`\n${indent}`));
  token(parent, 'j-punct', close);
}
