import type { Write } from '../config/types.generated.js';
import type { WriteItem } from './types.js';

/** Acumatica and Visma write every field as {"value": x}; nested objects are wrapped member by member. */
export function wrapValues(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(wrapValues);
  if (v && typeof v === 'object') {
    const wrap = (x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? wrapValues(x) : { value: x });
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wrap(x)]));
  }
  return { value: v };
}

export function payloadFor(item: WriteItem, spec: Write): Record<string, unknown> {
  const idField = spec.id_in_body;
  const id = item.targetId;
  const p = idField && id !== undefined ? { ...item.payload, [idField]: idValue(id) } : item.payload;
  return spec.body?.wrap_values ? (wrapValues(p) as Record<string, unknown>) : p;
}

/** Ids are stored as text; numeric ids go back as numbers, as the API sent them. */
export function idValue(id: string): string | number {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

export function singleBody(item: WriteItem, spec: Write): unknown {
  const p = payloadFor(item, spec);
  return { ...(spec.body?.extra ?? {}), ...(spec.body?.envelope ? { [spec.body.envelope]: p } : p) };
}

export function batchBody(items: WriteItem[], spec: Write): unknown {
  const list = items.map((i) => payloadFor(i, spec));
  return { ...(spec.body?.extra ?? {}), [spec.body?.envelope ?? 'input']: list };
}
