import type { StateStore } from './state.js';

/**
 * Synchronous forms of the writtenPayloads repository (sqljs/flow.ts), for callers not yet on the
 * backend interface. See WrittenPayloadRepository for what is kept and why.
 */
export function keepWrittenPayloads(state: StateStore, mapping: string, flow: string, written: { key: string; hash: string; payload: unknown }[]): void {
  if (!written.length) return;
  const stored = state.storeValues(written.map((w) => JSON.stringify(w.payload)));
  const sql = 'INSERT OR REPLACE INTO written (mapping, flow, key, hash, data, pos, len) VALUES (?, ?, ?, ?, ?, ?, ?)';
  written.forEach((w, i) => state.run(sql, [mapping, flow, w.key, w.hash, ...stored[i]]));
}

/** The kept payloads of these keys, where there are any. */
export function writtenPayloads(state: StateStore, mapping: string, flow: string, keys: string[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  if (!keys.length) return out;
  for (const x of state.all<{ key: string; data: string | null; pos: number | null; len: number | null }>(
    'SELECT w.key, w.data, w.pos, w.len FROM json_each(?) j CROSS JOIN written w ON w.mapping = ? AND w.flow = ? AND w.key = j.value',
    [JSON.stringify(keys), mapping, flow],
  )) {
    try {
      const text = state.loadValue(x);
      if (text !== null) out.set(x.key, JSON.parse(text) as Record<string, unknown>);
    } catch {
      // Unreadable: the dry run shows the new values only.
    }
  }
  return out;
}

/** Forgets kept payloads that no longer say what the target holds (a write confirmed without its payload). */
export function forgetWrittenPayloads(state: StateStore, mapping: string, flow: string, keys: string[]): void {
  if (keys.length) state.run('DELETE FROM written WHERE mapping = ? AND flow = ? AND key IN (SELECT value FROM json_each(?))', [mapping, flow, JSON.stringify(keys)]);
}
