import type { DeletionEvidence, DeletionRepository, ReconcileRepository, StreamRef } from '../backend.js';
import type { StateStore } from '../state.js';
import type { Exec } from './gate.js';

const ON_KEYS = 'ON d.connection = ? AND d.stream = ? AND d.key = j.value';
const MARK = `INSERT OR REPLACE INTO deletions (connection, stream, key, evidence)
  SELECT ?, ?, value ->> 0, value ->> 1 FROM json_each(?)`;

const KINDS = new Set<unknown>(['status', 'tombstone', 'webhook', 'reconcile']);

/** Evidence is kept as JSON; a row that does not parse as evidence is treated as no mark. */
function evidenceOf(text: string): DeletionEvidence | undefined {
  try {
    const e = JSON.parse(text) as Partial<Record<keyof DeletionEvidence, unknown>> | null;
    if (!e || !KINDS.has(e.kind) || typeof e.runId !== 'string') return undefined;
    const textOf = (v: unknown) => (typeof v === 'string' ? v : '');
    return { kind: e.kind as DeletionEvidence['kind'], detail: textOf(e.detail), runId: e.runId, at: textOf(e.at) };
  } catch {
    return undefined;
  }
}

export class SqlDeletions implements DeletionRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  mark(r: StreamRef, rows: { key: string; evidence: DeletionEvidence }[]): Promise<void> {
    return this.x(() => {
      if (!rows.length) return;
      const pairs = JSON.stringify(rows.map((x) => [x.key, JSON.stringify(x.evidence)]));
      this.s.run(MARK, [r.connection, r.stream, pairs]);
    });
  }

  clear(r: StreamRef, keys: string[]): Promise<void> {
    const sql = 'DELETE FROM deletions WHERE connection = ? AND stream = ? AND key IN (SELECT value FROM json_each(?))';
    return this.x(() => {
      if (keys.length) this.s.run(sql, [r.connection, r.stream, JSON.stringify(keys)]);
    });
  }

  load(r: StreamRef, keys: string[]): Promise<Map<string, DeletionEvidence>> {
    return this.x(() => {
      const out = new Map<string, DeletionEvidence>();
      if (!keys.length) return out;
      for (const row of this.s.all<{ key: string; evidence: string }>(
        `SELECT d.key, d.evidence FROM json_each(?) j CROSS JOIN deletions d ${ON_KEYS}`,
        [JSON.stringify(keys), r.connection, r.stream],
      )) {
        const e = evidenceOf(row.evidence);
        if (e) out.set(row.key, e);
      }
      return out;
    });
  }

  count(r: StreamRef): Promise<number> {
    const sql = 'SELECT count(*) AS n FROM deletions WHERE connection = ? AND stream = ?';
    return this.x(() => this.s.get<{ n: number }>(sql, [r.connection, r.stream])?.n ?? 0);
  }
}

export class SqlReconciles implements ReconcileRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  last(r: StreamRef): Promise<{ at: string; runId: string } | undefined> {
    const sql = 'SELECT at, run_id FROM reconciles WHERE connection = ? AND stream = ?';
    return this.x(() => {
      const row = this.s.get<{ at: string; run_id: string }>(sql, [r.connection, r.stream]);
      return row ? { at: row.at, runId: row.run_id } : undefined;
    });
  }

  record(r: StreamRef, at: string, runId: string): Promise<void> {
    const sql = 'INSERT OR REPLACE INTO reconciles (connection, stream, at, run_id) VALUES (?, ?, ?, ?)';
    return this.x(() => {
      this.s.run(sql, [r.connection, r.stream, at, runId]);
    });
  }
}
