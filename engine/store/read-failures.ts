import type { StateStore } from './state.js';

/**
 * Source records the reader could not key, or could not fully trust (an unreadable cursor field, a
 * join filter that cannot judge them), kept in the failure queue with stage "read". Their keys
 * start with "#<stream>:" so they never meet a flow's own record keys; the map step leaves them
 * alone: only reading the record again clears one.
 */
export interface ReadFailure {
  flow: string;
  key: string;
  reason: string;
}

export const READ_STAGE = 'read';

export function recordReadFailures(state: StateStore, mapping: string, runId: string, at: string, list: ReadFailure[]): void {
  if (!list.length) return;
  state.transaction(() => {
    for (const f of list) {
      state.run(
        `INSERT INTO failures (mapping, flow, key, run_id, stage, reason, attempts, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (mapping, flow, key) DO UPDATE SET run_id = excluded.run_id, stage = excluded.stage, reason = excluded.reason, attempts = attempts + 1, last_at = excluded.last_at`,
        [mapping, f.flow, f.key, runId, READ_STAGE, f.reason, at, at],
      );
      state.run('INSERT INTO audit (run_id, mapping, flow, key, action, target_id, payload_hash, source_version, error, at) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)', [runId, mapping, f.flow, f.key, 'failed', f.reason, at]);
    }
  });
}

/** Whether any read failure of this stream is queued (most runs have none: clearing is skipped). */
export function hasReadFailures(state: StateStore, mapping: string, prefix: string): boolean {
  return !!state.get('SELECT 1 FROM failures WHERE mapping = ? AND stage = ? AND substr(key, 1, ?) = ? LIMIT 1', [mapping, READ_STAGE, prefix.length, prefix]);
}

/** Records read again without a problem are no longer failures. */
export function clearReadFailures(state: StateStore, mapping: string, keys: string[]): void {
  if (keys.length) state.run('DELETE FROM failures WHERE mapping = ? AND stage = ? AND key IN (SELECT value FROM json_each(?))', [mapping, READ_STAGE, JSON.stringify(keys)]);
}

/** After a full read, failures of this stream that the read did not report again are gone from the source. */
export function clearStaleReadFailures(state: StateStore, mapping: string, prefix: string, runId: string): void {
  state.run('DELETE FROM failures WHERE mapping = ? AND stage = ? AND substr(key, 1, ?) = ? AND run_id <> ?', [mapping, READ_STAGE, prefix.length, prefix, runId]);
}
