import { connect } from '@nats-io/transport-node';
import { SERVICE_URLS } from '../../../test/services.js';

/** A prefix no other test run on the shared server uses. */
export function uniquePrefix(tag: string): string {
  return `t${tag}${process.pid.toString(36)}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 32);
}

/** Deletes every stream of the given prefixes (topic streams and herald's own). */
export async function deleteStreams(prefixes: readonly string[], servers: string | string[] = SERVICE_URLS.nats): Promise<number> {
  const nc = await connect({ servers, timeout: 3000 });
  let deleted = 0;
  try {
    for (const prefix of prefixes) {
      const names = (await nc.request('$JS.API.STREAM.NAMES', JSON.stringify({ subject: `${prefix}.>` }), { timeout: 5000 })).json<{ streams: string[] | null }>();
      for (const name of names.streams ?? []) {
        await nc.request(`$JS.API.STREAM.DELETE.${name}`, '', { timeout: 5000 });
        deleted++;
      }
    }
  } finally {
    await nc.close();
  }
  return deleted;
}
