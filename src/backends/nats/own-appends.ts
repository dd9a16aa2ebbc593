/**
 * What this process appended to each stream, against what each group has shown it since.
 *
 * JetStream tells a consumer about a newly stored message from a separate loop, so a `no_wait`
 * pull that arrives right after the publish was acknowledged can still be answered "404 No
 * Messages". A fetch that comes back empty while the group has not yet shown this process its own
 * latest append asks once more with a short waiting pull (deliveries.ts): a fetch started after an
 * acknowledged append sees the event, as on every other backend.
 */
export class OwnAppends {
  /** Per stream: the highest sequence this process appended. */
  private readonly appended = new Map<string, number>();
  /** Per `stream/group`: the highest sequence delivered here, and the append a fetch last waited for. */
  private readonly groups = new Map<string, { delivered: number; waitedFor: number }>();

  noteAppended(stream: string, seq: number): void {
    if (seq > (this.appended.get(stream) ?? 0)) this.appended.set(stream, seq);
  }

  noteDelivered(stream: string, group: string, seq: number): void {
    const g = this.group(stream, group);
    if (seq > g.delivered) g.delivered = seq;
  }

  /**
   * How many events this process appended beyond what the group delivered here, the first time it
   * is asked after an append; 0 otherwise (so each append costs an empty fetch at most one wait,
   * also when another process consumed those events).
   */
  unseen(stream: string, group: string): number {
    const upTo = this.appended.get(stream) ?? 0;
    const g = this.group(stream, group);
    if (upTo <= Math.max(g.delivered, g.waitedFor)) return 0;
    g.waitedFor = upTo;
    return upTo - g.delivered;
  }

  forget(stream: string, group: string): void {
    this.groups.delete(`${stream}/${group}`);
  }

  forgetStream(stream: string): void {
    this.appended.delete(stream);
    for (const id of this.groups.keys()) if (id.startsWith(`${stream}/`)) this.groups.delete(id);
  }

  private group(stream: string, group: string): { delivered: number; waitedFor: number } {
    const id = `${stream}/${group}`;
    let g = this.groups.get(id);
    if (!g) { g = { delivered: 0, waitedFor: 0 }; this.groups.set(id, g); }
    return g;
  }
}
