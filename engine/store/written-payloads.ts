import type { StateStore } from './state.js';

/**
 * The last payload written for each target record, so a dry run can show which fields a write
 * would change (old -> new). They are kept like mirrored records, as rows of a connection no
 * real one can be named ("#written:<mapping>", stream = flow) whose values live in the value
 * log: the log's checksums, compaction and damage handling cover them, and the state database
 * grows by a key and a position per record, not by the payloads. Only shown, never trusted: the
 * stored hash alone decides what is written, and a payload that is gone or damaged is just not shown.
 */
const connectionOf = (mapping: string) => `#written:${mapping}`;

export function keepWrittenPayloads(state: StateStore, mapping: string, flow: string, written: { key: string; hash: string; payload: unknown }[]): void {
  if (!written.length) return;
  const stored = state.storeValues(written.map((w) => JSON.stringify(w.payload)));
  written.forEach((w, i) => state.run('INSERT OR REPLACE INTO mirror (connection, stream, key, version, data, pos, len) VALUES (?, ?, ?, ?, ?, ?, ?)', [connectionOf(mapping), flow, w.key, w.hash, ...stored[i]]));
}

/** The kept payloads of these keys, where there are any. */
export function writtenPayloads(state: StateStore, mapping: string, flow: string, keys: string[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  if (!keys.length) return out;
  for (const x of state.all<{ key: string; data: string | null; pos: number | null; len: number | null }>(
    'SELECT m.key, m.data, m.pos, m.len FROM json_each(?) j CROSS JOIN mirror m ON m.connection = ? AND m.stream = ? AND m.key = j.value',
    [JSON.stringify(keys), connectionOf(mapping), flow],
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
  if (keys.length) state.run('DELETE FROM mirror WHERE connection = ? AND stream = ? AND key IN (SELECT value FROM json_each(?))', [connectionOf(mapping), flow, JSON.stringify(keys)]);
}
