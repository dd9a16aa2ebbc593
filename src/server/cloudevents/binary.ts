import type { IncomingHttpHeaders } from 'node:http';
import { parseJson } from '../safe-json.js';
import { isJson, isText, mediaType } from './media.js';

/**
 * Binary mode of the CloudEvents HTTP binding: attributes in `ce-*` headers (values
 * percent-decoded), `datacontenttype` in `Content-Type`, the body is `data` — parsed for JSON
 * types, a string for text, `data_base64` for anything else.
 */
export function isBinaryMode(headers: IncomingHttpHeaders): boolean {
  return headers['ce-specversion'] !== undefined;
}

function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a literal '%' that was not percent-encoded
  }
}

export function fromBinary(headers: IncomingHttpHeaders, body: Buffer | undefined): Record<string, unknown> {
  const event: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith('ce-') || raw === undefined) continue;
    const attribute = name.slice(3);
    // Repeated headers are joined as HTTP joins them.
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    event[attribute] = decodeValue(value);
  }
  const contentType = headers['content-type'];
  const type = mediaType(contentType);
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (body !== undefined && body.length > 0) {
    if (isJson(type)) event.data = parseJson(body, 'data');
    else if (isText(type)) event.data = body.toString('utf8');
    else event.data_base64 = body.toString('base64');
  }
  return { ...event };
}
