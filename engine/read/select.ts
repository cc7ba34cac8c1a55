import { evaluate, getPath } from '../map/expression.js';

const DOTTED = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

/**
 * Evaluates a connector expression on a response. The common forms ($ and dotted paths) skip
 * JSONata: they run once per page over thousands of records.
 */
export async function select(expr: string | undefined, body: unknown, label: string): Promise<unknown> {
  if (!expr) return undefined;
  if (expr === '$') return body;
  if (DOTTED.test(expr)) return getPath(body, expr);
  return evaluate(expr, body, label);
}

export async function selectRecords(
  expr: string | undefined,
  body: unknown,
  label: string,
): Promise<Record<string, unknown>[]> {
  const v = await select(expr ?? '$', body, label);
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as Record<string, unknown>[];
}

/**
 * The records of a page, which must be an array: an object, a text or an HTML page where the
 * connector declares records is an error, never an empty page. A JSON object in which the selector
 * finds nothing is an empty page only where the stream says so (`empty_when_missing`).
 */
export async function selectRecordArray(
  expr: string | undefined,
  body: unknown,
  label: string,
  emptyWhenMissing: boolean,
): Promise<Record<string, unknown>[]> {
  const where = expr ?? '$';
  const v = await select(where, body, label);
  if (Array.isArray(v)) return v as Record<string, unknown>[];
  const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
  if (v === undefined && emptyWhenMissing && isObject) return [];
  throw new Error(`expected an array of records at "${where}", found ${kindOf(v)}`);
}

/** What a value is, in words. */
function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Acumatica-style records wrap every field as {"value": x}; mappings want plain values. */
export function unwrapValues(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapValues);
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const wrapped = keys.length > 0 && keys.every((k) => k === 'value' || k === 'error') && 'value' in o;
  if (wrapped) return unwrapValues(o.value);
  if (keys.length === 0) return null;
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = unwrapValues(o[k]);
  return out;
}
