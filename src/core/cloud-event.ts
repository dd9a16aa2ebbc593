// Types only (no runtime code): the browser console shares this file through dashboard/tsconfig.wire.json.

/**
 * A CloudEvents 1.0 event (JSON format). Extensions herald uses: `partitionkey` (ordering key),
 * `correlationid`, `causationid`, `traceparent`/`tracestate`. Immutable once appended: what the
 * log knows about it (topic, position, attempts) travels beside it, never inside it.
 */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: T;
  data_base64?: string;
  partitionkey?: string;
  correlationid?: string;
  causationid?: string;
  traceparent?: string;
  tracestate?: string;
  [extension: string]: unknown;
}
