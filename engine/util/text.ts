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

/**
 * A value read from JSON as the text of a key or id: as plainText, except that a list is its JSON too
 * (a key must tell [1, 2] from "1,2"; a template joins a list with commas on purpose).
 */
export function valueText(v: unknown): string {
  return Array.isArray(v) ? JSON.stringify(v) : plainText(v);
}

/** JSON.stringify, typed as it behaves: undefined (no text at all) for undefined, a function or a symbol. */
export const toJson = (v: unknown, indent?: number): string | undefined => JSON.stringify(v, null, indent);

/** The message of anything thrown: an Error's message, or else the thrown value itself as text. */
export function errorMessage(e: unknown): string {
  const message: unknown = e !== null && typeof e === 'object' && 'message' in e ? e.message : undefined;
  return message === undefined || message === null ? String(e) : plainText(message);
}
