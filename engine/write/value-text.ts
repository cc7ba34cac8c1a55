/**
 * A value read from JSON as the text of a key or id: a string as it is, a number or boolean as
 * String() writes it, an object or array as its JSON (String() would make every one "[object Object]").
 */
export function valueText(v: unknown): string {
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}
