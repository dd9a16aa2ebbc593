import { randomUUID } from 'node:crypto';
import { Catalog, catalogStream } from './catalog.js';
import { Tags } from './journal.js';
import { resolveOptions } from './options.js';
import { Session } from './session.js';
import { topicStreams } from './topic-replica.js';

/**
 * Deletes every stream of a namespace (`prefix`): each topic's data, control and snapshot streams, then
 * the catalogue. Everything in it is gone; logs still open on it fail. For tests and teardown.
 */
export async function dropRabbitNamespace(options: { url: string; prefix: string; timeoutMs?: number }): Promise<void> {
  const resolved = resolveOptions(options);
  const session = await Session.open(resolved.url, resolved.timeoutMs);
  try {
    if (!await session.exists(catalogStream(resolved.prefix))) return;
    const catalog = await Catalog.open(session, resolved.prefix, new Tags(randomUUID()), resolved.timeoutMs);
    await catalog.stop();
    // Every generation of every name: a delete that stopped half-way may have left its streams.
    for (const topic of catalog.names()) {
      for (let generation = 0; generation <= catalog.generation(topic); generation++) {
        for (const stream of topicStreams(resolved.prefix, topic, generation)) await session.deleteStream(stream);
      }
    }
    await session.deleteStream(catalogStream(resolved.prefix));
  } finally {
    await session.close();
  }
}
