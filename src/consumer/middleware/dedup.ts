import type { Middleware } from '../types.js';

/** Remembers which event ids a group has fully handled (the consumer-side inbox). */
export interface Inbox {
  has(group: string, id: string): Promise<boolean> | boolean;
  add(group: string, id: string): Promise<void> | void;
}

/**
 * An in-process inbox holding the last `capacity` ids per group. Enough to drop redeliveries
 * within one process; use a durable inbox (same database as the effects) for effectively-once.
 */
export class MemoryInbox implements Inbox {
  private readonly groups = new Map<string, Set<string>>();
  constructor(private readonly capacity = 100_000) {}

  has(group: string, id: string): boolean {
    return this.groups.get(group)?.has(id) ?? false;
  }

  add(group: string, id: string): void {
    let ids = this.groups.get(group);
    if (!ids) this.groups.set(group, (ids = new Set()));
    ids.add(id);
    if (ids.size > this.capacity) ids.delete(ids.values().next().value!);
  }
}

/** Skips events the group already handled (by event id); records an id only after success. */
export function dedup(inbox: Inbox): Middleware {
  return (next) => async (event, ctx) => {
    if (await inbox.has(ctx.delivery.group, event.id)) return;
    await next(event, ctx);
    await inbox.add(ctx.delivery.group, event.id);
  };
}
