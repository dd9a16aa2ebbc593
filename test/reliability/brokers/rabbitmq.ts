/**
 * A private RabbitMQ node next to the system one: its own node name, AMQP and distribution ports,
 * data (mnesia) and log directories, config, env and plugins files (none enabled), so nothing in
 * /etc/rabbitmq or /var/lib/rabbitmq is read or written. It shares the host's epmd, as every node
 * on a host does. Runs /usr/lib/rabbitmq/bin/rabbitmq-server directly (the /usr/sbin wrapper would
 * `su` to the rabbitmq user and cd into the system node's directory).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerProcess, freePort, portOpen, SimpleBroker, tempDir } from './broker.js';

const SERVER = process.env.HERALD_RABBITMQ_SERVER ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';

export class RabbitBroker extends SimpleBroker {
  readonly name = 'rabbitmq';
  readonly url: string;
  protected readonly process: BrokerProcess;
  protected override startTimeoutMs = 90_000;

  private constructor(port: number, distPort: number, dataDir: string) {
    super(port, dataDir);
    this.url = `amqp://guest:guest@127.0.0.1:${port}`;
    const file = (name: string, text: string): string => { const path = join(dataDir, name); writeFileSync(path, text); return path; };
    mkdirSync(join(dataDir, 'log'));
    const env = {
      ...process.env,
      HOME: dataDir, // the Erlang cookie is written here, not in root's home
      RABBITMQ_NODENAME: `herald-r10-${process.pid}-${port}@localhost`,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(dataDir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dataDir, 'log'),
      RABBITMQ_PID_FILE: join(dataDir, 'rabbit.pid'),
      RABBITMQ_CONF_ENV_FILE: file('rabbitmq-env.conf', ''),
      RABBITMQ_CONFIG_FILE: file('rabbitmq.conf', `listeners.tcp.default = ${port}\nloopback_users = none\n`),
      RABBITMQ_ENABLED_PLUGINS_FILE: file('enabled_plugins', '[].\n'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dataDir, 'advanced.config'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
    this.process = new BrokerProcess('rabbitmq-server', SERVER, [], { env, cwd: dataDir });
  }

  static async create(): Promise<RabbitBroker> {
    return new RabbitBroker(await freePort(), await freePort(), tempDir('rabbitmq'));
  }

  // RabbitMQ opens its AMQP listener at the end of boot, after queues and streams are recovered.
  protected ready(): Promise<boolean> { return portOpen(this.port); }
}
