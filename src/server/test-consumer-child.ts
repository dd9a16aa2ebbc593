/**
 * A consumer process for the pull tests: fetches one batch over HTTP, prints the positions it
 * holds as one JSON line, then waits to be killed (never settling). Arguments: url, key, topic, group, max, leaseMs.
 */
import { connectRemoteLog } from '../client/index.js';

const [url, key, topic, group, max, leaseMs] = process.argv.slice(2);
const log = await connectRemoteLog({ url: url!, key: key! });
const deliveries = await log.fetch(topic!, group!, { max: Number(max), leaseMs: Number(leaseMs) });
process.stdout.write(`${JSON.stringify(deliveries.map((d) => d.position))}\n`);
setInterval(() => undefined, 60_000);
