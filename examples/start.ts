/**
 * `npm start`: the herald server on the embedded backend (./data/herald.db, API keys required,
 * the first admin key written to ./data/admin.key), with the order-flow demo run once as a
 * client of it over HTTP. The server keeps running until Ctrl-C or SIGTERM; arguments are
 * passed to `herald serve` (e.g. `npm start -- --port 9000`).
 */
import { connectRemoteLog } from '../src/client/index.js';
import { main } from '../src/cli/main.js';
import { Herald } from '../src/index.js';
import { runDemo } from './order-flow/demo.js';

process.env.HERALD_LOG_LEVEL ??= 'warn'; // request logs would drown the demo's story

await main(['serve', ...process.argv.slice(2)], {
  onServing: async (server) => {
    // The demo is an ordinary client: its own key, the remote client, the same code as embedded.
    const key = server.keys ? (await server.keys.create({ tenant: 'default', permissions: ['*:>'], name: 'order-flow demo' })).key : undefined;
    const log = await connectRemoteLog({ url: server.url, ...(key ? { key } : {}) });
    const h = new Herald(log, 'urn:herald:example:order-flow');
    console.log(`\norder-flow demo, a client of ${server.url}:\n`);
    try {
      await runDemo(h);
    } finally {
      await h.close();
      if (key && server.keys) await server.keys.revoke(key.split('_')[1]!);
    }
    console.log(`\nthe server keeps running: try  curl -H "Authorization: Bearer $(cat data/admin.key)" ${server.url}/v1/topics`);
    console.log('(Ctrl-C stops it; every answered publish is on disk)');
  },
});
