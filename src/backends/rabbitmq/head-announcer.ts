/**
 * Announces an appended head on the control stream, one announce in flight at a time: appends that
 * finish while one is out share the next, at the highest head among them. An announce only raises
 * `announcedHead` (what groups may see), so one at head h stands for every announce up to h; a
 * head already announced (by another append, or by a fetch command, which carries the head its
 * tail saw) needs none. Receipts are still given only once their head is announced.
 */
export class HeadAnnouncer {
  private waiting: Array<{ head: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  private busy = false;

  constructor(
    /** Proposes `{ k: 'announce', head }` and resolves once it is applied here. */
    private readonly propose: (head: number) => Promise<unknown>,
    /** The head the control stream has announced, as applied here. */
    private readonly announced: () => number,
  ) {}

  /** Resolves once an announce of `head` or higher has been applied. */
  announce(head: number): Promise<void> {
    if (head <= this.announced()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ head, resolve, reject });
      if (!this.busy) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.busy = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      let head = 0;
      for (const w of batch) if (w.head > head) head = w.head;
      try {
        if (head > this.announced()) await this.propose(head);
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.busy = false;
  }
}
