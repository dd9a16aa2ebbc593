import type { Api } from './api.js';
import { path } from './api.js';
import type { StoredEvent } from './wire.js';

/**
 * Follows a topic live over the server's SSE route. EventSource cannot send an Authorization
 * header, so the stream is read with fetch; after a drop it reconnects from the last position
 * seen (Last-Event-ID), until `signal` aborts.
 */
export async function followTopic(api: Api, topic: string, from: number | 'latest', onEvent: (e: StoredEvent) => void,
  onState: (state: 'live' | 'reconnecting' | 'stopped', detail?: string) => void, signal: AbortSignal): Promise<void> {
  let lastId: number | undefined = from === 'latest' ? undefined : from - 1;
  while (!signal.aborted) {
    try {
      const query = lastId === undefined ? '?from=latest' : '';
      const response = await api.send('GET', `${path`/v1/topics/${topic}/events/stream`}${query}`, {
        signal, headers: { accept: 'text/event-stream', ...(lastId === undefined ? {} : { 'last-event-id': String(lastId) }) },
      });
      onState('live');
      for await (const message of messages(response.body as ReadableStream<BufferSource>, signal)) {
        if (message.event === 'error') throw new Error(message.data);
        if (message.data === '') continue;
        const stored = JSON.parse(message.data) as StoredEvent;
        lastId = stored.position;
        onEvent(stored);
      }
    } catch (error) {
      if (signal.aborted) break;
      const status = (error as { status?: number }).status;
      if (status === 401 || status === 403 || status === 404) {
        onState('stopped', error instanceof Error ? error.message : String(error));
        return;
      }
      onState('reconnecting', error instanceof Error ? error.message : String(error));
    }
    if (!signal.aborted) await new Promise((r) => setTimeout(r, 2000));
  }
  onState('stopped');
}

interface Message { event: string; data: string }

/** The messages of a text/event-stream body. */
async function* messages(body: ReadableStream<BufferSource>, signal: AbortSignal): AsyncGenerator<Message> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const cancel = (): void => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const message: Message = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(text);
          else if (field === 'event') message.event = text;
        }
        message.data = data.join('\n');
        if (data.length > 0 || message.event !== 'message') yield message;
      }
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}
