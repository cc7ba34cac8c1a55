import type { CustomResults, JsonataResults, Results } from '../config/types.generated.js';
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

type WriteKind = 'create' | 'update' | 'upsert';

/**
 * What a result reader is (built-in or custom, the same interface): the outcome of each item of a
 * batch from the container of its results (the response, or the finished job).
 */
export type ResultReader<S extends Results = Results> = (
  spec: S,
  container: unknown,
  items: WriteItem[],
  kind: WriteKind,
  label: string,
) => Promise<WriteOutcome[]>;

const customs = new WeakMap<CustomResults, ResultReader>();

/** Binds a custom result reader's spec to its module's function (config/custom-modules.ts, at load time). */
export function bindCustomResults(spec: CustomResults, read: ResultReader): void {
  customs.set(spec, read);
}

/** A custom reader must answer every item exactly once; anything else fails the items, never passes them. */
async function readCustomResults(
  spec: CustomResults,
  container: unknown,
  items: WriteItem[],
  kind: WriteKind,
  label: string,
): Promise<WriteOutcome[]> {
  const read = customs.get(spec);
  if (!read)
    throw new Error(
      `${label}: custom result reader ${spec.module} is not loaded (load the project's custom modules first)`,
    );
  const out = await read(spec, container, items, kind, label);
  if (!Array.isArray(out) || out.length !== items.length) {
    const got = Array.isArray(out) ? out.length : 'no list of';
    const error = `${label}: custom result reader ${spec.module} gave ${got} outcomes for ${items.length} records`;
    return items.map((i) => ({ key: i.key, ok: false, error }));
  }
  return out;
}

/** Result readers by name: JSONata paths (a results block without a type), or a custom module. */
export const RESULT_READERS = { jsonata: readJsonataResults, custom: readCustomResults } as const;

/** Reads per-record results with the reader the spec names (see readJsonataResults). */
export function readResults(
  spec: Results | undefined,
  container: unknown,
  items: WriteItem[],
  kind: WriteKind,
  label: string,
): Promise<WriteOutcome[]> {
  return spec && 'type' in spec
    ? readCustomResults(spec, container, items, kind, label)
    : readJsonataResults(spec, container, items, kind, label);
}

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/**
 * Finds the item each result row belongs to. A row carrying the `index` field is matched by
 * position; otherwise by the `target_id` field against the target id the item was sent with
 * (an API may answer updates by id only, as Zendesk's job rows do); with neither declared,
 * rows come in batch order. A row that matches no item, or an item already answered, is ignored:
 * its item then fails as unanswered, never passes.
 */
function matchRows(
  spec: JsonataResults | undefined,
  list: unknown[],
  items: WriteItem[],
): Map<number, Record<string, unknown>> {
  const byItem = new Map<number, Record<string, unknown>>();
  if (!spec?.index && !spec?.target_id) {
    list.forEach((r, pos) => {
      if (pos < items.length && r && typeof r === 'object') byItem.set(pos, r as Record<string, unknown>);
    });
    return byItem;
  }
  let byTargetId: Map<string, number> | undefined;
  for (const raw of list) {
    if (!raw || typeof raw !== 'object') continue;
    const r = raw as Record<string, unknown>;
    let at: number | undefined;
    if (spec.index && present(r[spec.index])) {
      const idx = Number(r[spec.index]);
      if (Number.isInteger(idx) && idx >= 0 && idx < items.length) at = idx;
    } else if (spec.target_id && present(r[spec.target_id])) {
      byTargetId ??= new Map(items.flatMap((it, i) => (it.targetId ? [[it.targetId, i] as const] : [])));
      at = byTargetId.get(String(r[spec.target_id]));
    }
    if (at !== undefined && !byItem.has(at)) byItem.set(at, r);
  }
  return byItem;
}

/**
 * Maps per-record results of a batch back onto its items (see matchRows). An item with no
 * result is a failure, never silently a success; a results path that is not a list is an answer
 * of the wrong shape, and fails the whole batch with that reason.
 */
async function readJsonataResults(
  spec: JsonataResults | undefined,
  container: unknown,
  items: WriteItem[],
  kind: WriteKind,
  label: string,
): Promise<WriteOutcome[]> {
  const raw = await select(spec?.path ?? '$', container, `${label} results.path`);
  if (!Array.isArray(raw) && (raw === null || typeof raw !== 'object')) {
    const error = `${label}: the answer has no per-record results at ${spec?.path ?? '$'} (got ${raw === undefined ? 'nothing' : JSON.stringify(raw).slice(0, 80)})`;
    return items.map((i) => ({ key: i.key, ok: false, error }));
  }
  const byItem = matchRows(spec, Array.isArray(raw) ? raw : [raw], items);
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
      const err = spec?.error
        ? await select(spec.error, r, `${label} results.error`).catch(() => undefined)
        : undefined;
      out.push({
        key,
        ok: false,
        error: typeof err === 'string' && err ? err : JSON.stringify(r),
        conflict: kind === 'create' && (await flag(spec?.conflict, r, `${label} results.conflict`, false)),
      });
      continue;
    }
    const id = spec?.id ? await select(spec.id, r, `${label} results.id`) : undefined;
    const act = spec?.action ? await select(spec.action, r, `${label} results.action`) : undefined;
    const action = act === 'created' || act === 'updated' ? act : kind === 'update' ? 'updated' : 'created';
    const targetId = present(id) ? String(id) : items[i].targetId;
    // A create that reports success without the new record's id leaves nothing to update later.
    if (!targetId && kind !== 'update' && spec?.id) {
      out.push({
        key,
        ok: false,
        error: `${label}: the result reports success but no id (${spec.id}): ${JSON.stringify(r).slice(0, 200)}`,
      });
      continue;
    }
    out.push({ key, ok: true, action, targetId });
  }
  return out;
}
