/** A private redis-server with the append-only file fsync'd on every write (`appendfsync always`). */
import { connect } from 'node:net';
import { BrokerProcess, freePort, SimpleBroker, tempDir } from './broker.js';

export class RedisBroker extends SimpleBroker {
  readonly name = 'redis';
  readonly url: string;
  protected readonly process: BrokerProcess;

  private constructor(port: number, dataDir: string, settings: readonly string[]) {
    super(port, dataDir);
    this.url = `redis://127.0.0.1:${port}`;
    this.process = new BrokerProcess('redis-server', 'redis-server', [
      '--bind', '127.0.0.1', '--port', String(port), '--dir', dataDir, '--save', '', '--daemonize', 'no', ...settings,
    ]);
  }

  /** `settings` replace the durable defaults (`--appendonly yes --appendfsync always`). */
  static async create(settings: readonly string[] = ['--appendonly', 'yes', '--appendfsync', 'always']): Promise<RedisBroker> {
    return new RedisBroker(await freePort(), tempDir('redis'), settings);
  }

  // The port opens before the AOF is loaded (PING then answers -LOADING): ready = +PONG.
  protected ready(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: this.port });
      let reply = '';
      const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
      socket.setTimeout(500, () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk) => { reply += chunk.toString(); if (reply.includes('\r\n')) done(reply.startsWith('+PONG')); });
      socket.once('error', () => done(false));
    });
  }
}
