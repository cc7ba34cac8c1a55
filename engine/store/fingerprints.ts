import type { StateStore } from './state.js';

/**
 * The fingerprint of what shaped a flow's payloads when it last finished (see sync/fingerprint.ts),
 * and the marks that make a flow re-map every record it has.
 */
export function storedFingerprint(state: StateStore, mapping: string, flow: string): string | undefined {
  return state.get<{ fingerprint: string }>('SELECT fingerprint FROM fingerprints WHERE mapping = ? AND flow = ?', [mapping, flow])?.fingerprint;
}

export function saveFingerprint(state: StateStore, mapping: string, flow: string, fingerprint: string, nowIso: string): void {
  state.run('INSERT OR REPLACE INTO fingerprints (mapping, flow, fingerprint, updated_at) VALUES (?, ?, ?, ?)', [mapping, flow, fingerprint, nowIso]);
}

/** Whether the flow has written anything: a state from before fingerprints has targets but no fingerprint. */
export function hasTargets(state: StateStore, mapping: string, flow: string): boolean {
  return !!state.get('SELECT 1 AS x FROM targets WHERE mapping = ? AND flow = ? LIMIT 1', [mapping, flow]);
}

/**
 * Marks every record of the flow's source stream in the mirror as pending (the flow's own
 * records: its parents). Returns how many records the flow has.
 */
export function markAllPending(state: StateStore, mapping: string, flow: string, connection: string, stream: string): number {
  state.run('INSERT OR IGNORE INTO pending (mapping, flow, key) SELECT ?, ?, key FROM mirror WHERE connection = ? AND stream = ?', [mapping, flow, connection, stream]);
  return state.get<{ n: number }>('SELECT count(*) AS n FROM mirror WHERE connection = ? AND stream = ?', [connection, stream])?.n ?? 0;
}
