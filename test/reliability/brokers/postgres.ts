/**
 * A private PostgreSQL cluster: `initdb` into a temp dir, then `postgres -D dir -p port`, run as
 * the `postgres` user (the server refuses to run as root). fsync and synchronous_commit keep
 * their defaults (on) unless `settings` say otherwise.
 */
import { execFileSync } from 'node:child_process';
import { chownSync } from 'node:fs';
import pg from 'pg';
import { BrokerProcess, freePort, SimpleBroker, tempDir } from './broker.js';

const BIN = process.env.HERALD_PG_BIN ?? '/usr/local/bin';

/** uid/gid of the `postgres` user when this process is root (PostgreSQL will not run as root). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

export class PostgresBroker extends SimpleBroker {
  readonly name = 'postgres';
  readonly url: string;
  protected readonly process: BrokerProcess;

  private constructor(port: number, dataDir: string, settings: readonly string[]) {
    super(port, dataDir);
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const user = serverUser();
    if (user) chownSync(dataDir, user.uid, user.gid);
    execFileSync(`${BIN}/initdb`, ['-D', `${dataDir}/data`, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], { ...user, stdio: 'pipe' });
    this.process = new BrokerProcess('postgres', `${BIN}/postgres`, [
      '-D', `${dataDir}/data`, '-p', String(port), '-k', dataDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=40', ...settings,
    ], { ...user });
  }

  /** `settings`: extra `-c name=value` pairs, e.g. `['-c', 'fsync=off']`. */
  static async create(settings: readonly string[] = []): Promise<PostgresBroker> {
    return new PostgresBroker(await freePort(), tempDir('pg'), settings);
  }

  // The port opens before crash recovery ends ("the database system is starting up"): ready = a query works.
  protected async ready(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
