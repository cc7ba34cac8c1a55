/**
 * A value as text in a request or a message: a string as it is, an object as JSON, anything else
 * (numbers, booleans, lists) as String() writes it. String() of an object is "[object Object]",
 * which would go out as a URL part, a cursor or a match value and mean nothing.
 */
export function plainText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}

/** JSON.stringify, typed as it behaves: undefined (no text at all) for undefined, a function or a symbol. */
export const toJson = (v: unknown, indent?: number): string | undefined => JSON.stringify(v, null, indent);

/** The message of anything thrown: an Error's message, or else the thrown value itself as text. */
export function errorMessage(e: unknown): string {
  const message: unknown = e !== null && typeof e === 'object' && 'message' in e ? e.message : undefined;
  return message === undefined || message === null ? String(e) : plainText(message);
}
