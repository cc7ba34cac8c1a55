import type { Deletion } from '../config/types.generated.js';
import { holds } from '../map/expression.js';

/** What staging saw of a deleted or deactivated record (the evidence without its run and time). */
export interface DetectedDeletion {
  kind: 'status' | 'tombstone';
  detail: string;
}

/** The record's top-level fields the expression names, with their values: what the evidence shows. */
function valuesNamed(expr: string, record: Record<string, unknown>): string {
  const names = new Set(expr.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
  const shown = [...names].filter((n) => n in record).map((n) => `${n}: ${JSON.stringify(record[n])}`);
  return shown.length ? ` (${shown.join(', ')})` : '';
}

/**
 * Whether a record read is a tombstone or deactivated, by its stream's `deletion` expressions; a
 * tombstone wins over a status. Throws what the expression's evaluation threw.
 */
export async function detectDeletion(
  deletion: Deletion | undefined,
  record: Record<string, unknown>,
  label: string,
  bindings: Record<string, unknown>,
): Promise<DetectedDeletion | undefined> {
  if (!deletion) return undefined;
  for (const kind of ['tombstone', 'status'] as const) {
    const expr = deletion[kind];
    if (expr && (await holds(expr, record, `${label} deletion.${kind}`, bindings))) {
      return { kind, detail: `${expr}${valuesNamed(expr, record)}` };
    }
  }
  return undefined;
}
