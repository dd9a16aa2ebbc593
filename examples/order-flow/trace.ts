import { traceFlow, type FlowNode, type Herald } from '../../src/index.js';

export { renderTree } from '../../src/index.js';
export type TraceNode = FlowNode;

/** "What happened to this order?": the flow of one correlation id as a causal tree (see traceFlow). */
export async function traceCorrelation(h: Herald, topics: readonly string[], correlationId: string): Promise<TraceNode[]> {
  return (await traceFlow(h.log, topics, correlationId)).roots;
}
