/** A private nats-server with JetStream on file storage (one node, so R1 streams). */
import { BrokerProcess, freePort, portOpen, SimpleBroker, tempDir } from './broker.js';

export class NatsBroker extends SimpleBroker {
  readonly name = 'nats';
  readonly url: string;
  protected readonly process: BrokerProcess;

  private constructor(port: number, dataDir: string) {
    super(port, dataDir);
    this.url = `nats://127.0.0.1:${port}`;
    this.process = new BrokerProcess('nats-server', 'nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir]);
  }

  static async create(): Promise<NatsBroker> {
    return new NatsBroker(await freePort(), tempDir('nats'));
  }

  // The client port opens once JetStream has recovered its streams from the store directory.
  protected ready(): Promise<boolean> { return portOpen(this.port); }
}
