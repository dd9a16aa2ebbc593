/** Content types of the CloudEvents HTTP binding. */
export const STRUCTURED = 'application/cloudevents+json';
export const BATCH = 'application/cloudevents-batch+json';

/** The media type without parameters, lowercased (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type.length > 0 ? type : undefined;
}

/** A JSON media type: `application/json`, `text/json` or any `+json` suffix (CloudEvents' rule for `data`). */
export function isJson(type: string | undefined): boolean {
  return type !== undefined && (type === 'application/json' || type === 'text/json' || type.endsWith('+json'));
}

/** Text that is kept as a string in `data` rather than base64 in `data_base64`. */
export function isText(type: string | undefined): boolean {
  return type !== undefined && (type.startsWith('text/') || type === 'application/xml' || type.endsWith('+xml'));
}
