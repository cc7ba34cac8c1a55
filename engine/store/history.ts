import type { AuditRow, FailureRow, RunRow } from './backend.js';
import type { StateStore } from './state.js';

/**
 * Synchronous reads of the run history on a StateStore, for callers not on the backend
 * interface yet (its runs, failures and audit repositories answer the same).
 */

export type { AuditRow, RunRow };

export function listRuns(state: StateStore, mapping?: string, limit = 20): RunRow[] {
  return mapping
    ? state.all<RunRow>('SELECT * FROM runs WHERE mapping = ? ORDER BY started_at DESC LIMIT ?', [mapping, limit])
    : state.all<RunRow>('SELECT * FROM runs ORDER BY started_at DESC LIMIT ?', [limit]);
}

/** What happened to one record (by key) or in one run (by run id). */
export function auditOf(state: StateStore, idOrKey: string, limit = 200): AuditRow[] {
  const byRun = state.all<StoredAudit>('SELECT * FROM audit WHERE run_id = ? ORDER BY id LIMIT ?', [idOrKey, limit]);
  const rows = byRun.length
    ? byRun
    : state.all<StoredAudit>('SELECT * FROM audit WHERE key = ? ORDER BY id DESC LIMIT ?', [idOrKey, limit]);
  return rows.map(withEvidenceIfAny);
}

type StoredAudit = Omit<AuditRow, 'evidence'> & { evidence?: string | null };

/** Only deletions carry evidence: the other rows show no such field. */
function withEvidenceIfAny({ evidence, ...row }: StoredAudit): AuditRow {
  return evidence == null ? row : { ...row, evidence };
}

export function failuresOf(state: StateStore, mapping?: string): FailureRow[] {
  return mapping
    ? state.all('SELECT * FROM failures WHERE mapping = ? ORDER BY flow, key', [mapping])
    : state.all('SELECT * FROM failures ORDER BY mapping, flow, key');
}
