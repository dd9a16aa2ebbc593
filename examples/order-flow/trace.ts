import type { CloudEvent, Herald } from '../../src/index.js';

export interface TraceNode {
  topic: string;
  event: CloudEvent;
  children: TraceNode[];
}

/**
 * "What happened to this order?": every event sharing a correlation id, as a causal tree
 * (parent = the event named by `causationid`).
 */
export async function traceCorrelation(h: Herald, topics: readonly string[], correlationId: string): Promise<TraceNode[]> {
  const nodes = new Map<string, TraceNode>();
  for (const topic of topics) {
    for await (const stored of h.read(topic)) {
      const e = stored.event;
      if (e.id === correlationId || e.correlationid === correlationId) nodes.set(e.id, { topic, event: e, children: [] });
    }
  }
  const roots: TraceNode[] = [];
  for (const node of nodes.values()) {
    const parent = typeof node.event.causationid === 'string' ? nodes.get(node.event.causationid) : undefined;
    if (parent) parent.children.push(node); else roots.push(node);
  }
  return roots;
}

export function renderTree(nodes: readonly TraceNode[], indent = ''): string[] {
  return nodes.flatMap((n, i) => {
    const last = i === nodes.length - 1;
    const line = `${indent}${last ? '└─' : '├─'} ${n.event.type}  (${n.topic})`;
    return [line, ...renderTree(n.children, indent + (last ? '   ' : '│  '))];
  });
}
