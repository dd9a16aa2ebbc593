import { isHeraldError } from '../core/errors.js';
import type { WebhookHost } from './host.js';

/** An endpoint's state, as recorded on the state topic: the last record per endpoint wins. */
export interface WebhookState {
  state: 'active' | 'disabled';
  reason?: string;
}

const TYPE = 'herald.webhook.state';

/** Folds the state topic into the latest state of each endpoint (by `subject`, the endpoint's name). */
export async function readWebhookStates(host: Pick<WebhookHost, 'read'>, topic: string): Promise<Map<string, WebhookState>> {
  const states = new Map<string, WebhookState>();
  try {
    for await (const stored of host.read(topic)) {
      const { event } = stored;
      if (event.type !== TYPE || event.subject === undefined) continue;
      const data = event.data as Partial<WebhookState> | undefined;
      if (data?.state === 'active' || data?.state === 'disabled') states.set(event.subject, { state: data.state, ...(data.reason ? { reason: data.reason } : {}) });
    }
  } catch (error) {
    if (!isHeraldError(error, 'HERALD_E_NOT_FOUND')) throw error;
  }
  return states;
}

export async function recordWebhookState(host: Pick<WebhookHost, 'publish'>, topic: string, name: string, state: WebhookState): Promise<void> {
  await host.publish(topic, { type: TYPE, subject: name, key: name, data: state });
}
