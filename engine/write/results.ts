import type { Results } from '../config/types.generated.js';
import { select } from '../read/select.js';
import type { WriteItem, WriteOutcome } from './types.js';

async function flag(expr: string | undefined, r: unknown, label: string, fallback: boolean): Promise<boolean> {
  if (!expr) return fallback;
  try {
    return (await select(expr, r, label)) === true;
  } catch {
    return false;
  }
}

/**
 * Maps per-record results of a batch back onto its items: by an index field when the API gives
 * one, else by position. An item with no result is a failure, never silently a success.
 */
export async function readResults(spec: Results | undefined, container: unknown, items: WriteItem[], kind: 'create' | 'update' | 'upsert', label: string): Promise<WriteOutcome[]> {
  const raw = await select(spec?.path ?? '$', container, `${label} results.path`);
  const list = (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]) as Record<string, unknown>[];
  const byItem = new Map<number, Record<string, unknown>>();
  list.forEach((r, pos) => {
    const idx = spec?.index ? Number(r?.[spec.index]) : pos;
    if (Number.isInteger(idx)) byItem.set(idx, r);
  });
  const out: WriteOutcome[] = [];
  for (let i = 0; i < items.length; i++) {
    const r = byItem.get(i);
    const key = items[i].key;
    if (!r) {
      out.push({ key, ok: false, error: `${label}: no result for this record in the response` });
      continue;
    }
    const ok = await flag(spec?.success, r, `${label} results.success`, !('error' in r));
    if (!ok) {
      const err = spec?.error ? await select(spec.error, r, `${label} results.error`).catch(() => undefined) : undefined;
      out.push({ key, ok: false, error: typeof err === 'string' && err ? err : JSON.stringify(r), conflict: kind === 'create' && (await flag(spec?.conflict, r, `${label} results.conflict`, false)) });
      continue;
    }
    const id = spec?.id ? await select(spec.id, r, `${label} results.id`) : undefined;
    const act = spec?.action ? await select(spec.action, r, `${label} results.action`) : undefined;
    const action = act === 'created' || act === 'updated' ? act : kind === 'update' ? 'updated' : 'created';
    out.push({ key, ok: true, action, targetId: id === undefined || id === null ? items[i].targetId : String(id) });
  }
  return out;
}
