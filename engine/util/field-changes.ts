import { canonicalJson } from '../map/canonical.js';

export interface FieldChange {
  /** Dotted path of the field (organization_fields.credit_limit) */
  path: string;
  /** Absent (undefined) when the field is new or removed */
  before?: unknown;
  after?: unknown;
}

/** Leaves of a payload by dotted path; arrays are values (a changed list shows as one change). */
function leaves(v: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (x !== undefined) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, v);
  return out;
}

/** The fields whose values differ between two payloads, in path order. */
export function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>): FieldChange[] {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => !a.has(p) || !b.has(p) || canonicalJson(a.get(p)) !== canonicalJson(b.get(p)))
    .map((p) => ({ path: p, before: a.get(p), after: b.get(p) }));
}

const shown = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

/** "path: old -> new" lines. */
export function describeChanges(changes: FieldChange[]): string[] {
  return changes.map((c) => `${c.path}: ${shown(c.before)} -> ${shown(c.after)}`);
}
