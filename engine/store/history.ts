import type { StateStore } from './state.js';

export interface RunRow {
  id: string;
  mapping: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  summary: string | null;
}

export interface AuditRow {
  id: number;
  run_id: string;
  mapping: string;
  flow: string;
  key: string;
  action: string;
  target_id: string | null;
  payload_hash: string | null;
  source_version: string | null;
  error: string | null;
  at: string;
}

export function listRuns(state: StateStore, mapping?: string, limit = 20): RunRow[] {
  return mapping
    ? state.all<RunRow>('SELECT * FROM runs WHERE mapping = ? ORDER BY started_at DESC LIMIT ?', [mapping, limit])
    : state.all<RunRow>('SELECT * FROM runs ORDER BY started_at DESC LIMIT ?', [limit]);
}

/** What happened to one record (by key) or in one run (by run id). */
export function auditOf(state: StateStore, idOrKey: string, limit = 200): AuditRow[] {
  const byRun = state.all<AuditRow>('SELECT * FROM audit WHERE run_id = ? ORDER BY id LIMIT ?', [idOrKey, limit]);
  return byRun.length ? byRun : state.all<AuditRow>('SELECT * FROM audit WHERE key = ? ORDER BY id DESC LIMIT ?', [idOrKey, limit]);
}

export function failuresOf(state: StateStore, mapping?: string): { mapping: string; flow: string; key: string; run_id: string; stage: string; reason: string; attempts: number; last_at: string }[] {
  return mapping
    ? state.all('SELECT * FROM failures WHERE mapping = ? ORDER BY flow, key', [mapping])
    : state.all('SELECT * FROM failures ORDER BY mapping, flow, key');
}
