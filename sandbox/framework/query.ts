/** Last value wins for repeated keys; bracket keys such as `page[size]` stay literal. */
export function parseQuery(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) out[k] = v;
  return out;
}

/** Comma-separated list parameter (`ids=1,2,3`), trimmed, empties dropped. */
export function listParam(v: string | undefined): string[] {
  if (v === undefined) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Strict positive-or-zero integer parsing; undefined when absent, NaN when malformed. */
export function intParam(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  return /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
}
