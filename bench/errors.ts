/** An Error for anything thrown or rejected (drivers sometimes reject with plain objects). */
export function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return new Error(text);
}
