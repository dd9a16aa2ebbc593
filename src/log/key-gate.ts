/**
 * Decides, inside one fetch, which events of a group may be handed out without breaking per-key
 * order: an event is blocked while an earlier event of its key is held by someone else, waits
 * for a retry, or was itself blocked. Backends feed it the keys already held elsewhere.
 */
export class KeyGate {
  private readonly blockedFrom = new Map<string, number>();

  /** `key` is held elsewhere from `position` on. */
  block(key: string, position: number): void {
    const current = this.blockedFrom.get(key);
    if (current === undefined || position < current) this.blockedFrom.set(key, position);
  }

  /**
   * An event of `key` is leased to another fetch: nothing of that key may go out, not even an
   * earlier event whose own lease ran out (two consumers would then hold the key at once).
   */
  hold(key: string): void {
    this.blockedFrom.set(key, -Infinity);
  }

  /** May the event at `position` with `key` go out now? A refused event blocks later ones of its key. */
  admit(key: string | undefined, position: number): boolean {
    if (key === undefined) return true;
    const from = this.blockedFrom.get(key);
    if (from !== undefined && from < position) return false;
    return true;
  }
}
