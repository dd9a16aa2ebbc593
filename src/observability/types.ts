import type { CloudEvent } from '../core/envelope.js';
import type { AppendReceipt } from '../log/types.js';

/** Appends events (already built and validated) to a topic. */
export type Append = (events: CloudEvent[]) => Promise<AppendReceipt[]>;

/**
 * Wraps one publish: it may decorate the events (e.g. with their creation trace context) before
 * calling `append`, and observe the outcome. The producer side of the instrumentation.
 */
export type PublishHook = (topic: string, events: readonly CloudEvent[], append: Append) => Promise<AppendReceipt[]>;
