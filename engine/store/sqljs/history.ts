import {
  READ_STAGE,
  type AuditEntry,
  type AuditRepository,
  type AuditRow,
  type FailureEntry,
  type FailureRepository,
  type FailureRow,
  type FlowRef,
  type RunRepository,
  type RunRow,
} from '../backend.js';
import { auditOf, failuresOf, listRuns } from '../history.js';
import type { StateStore } from '../state.js';
import type { Exec } from './gate.js';

const RECORD_FAILURE = `INSERT INTO failures (mapping, flow, key, run_id, stage, reason, attempts, first_at, last_at)
  VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
  ON CONFLICT (mapping, flow, key) DO UPDATE SET run_id = excluded.run_id, stage = excluded.stage,
    reason = excluded.reason, attempts = attempts + 1, last_at = excluded.last_at`;
const CLEAR = 'DELETE FROM failures WHERE mapping = ? AND flow = ? AND key IN (SELECT value FROM json_each(?))';
const READ_PREFIX = 'mapping = ? AND stage = ? AND substr(key, 1, ?) = ?';

/** The failure queue; read failures are keyed "#<stream>:..." and cleared only by reading again. */
export class SqlFailures implements FailureRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  record(o: { mapping: string; runId: string; at: string }, entries: FailureEntry[]): Promise<void> {
    return this.x(() => {
      this.s.transaction(() => {
        for (const e of entries) {
          this.s.run(RECORD_FAILURE, [o.mapping, e.flow, e.key, o.runId, e.stage, e.reason, o.at, o.at]);
        }
      });
    });
  }

  clear(f: FlowRef, keys: string[]): Promise<void> {
    return this.x(() => {
      if (keys.length) this.s.run(CLEAR, [f.mapping, f.flow, JSON.stringify(keys)]);
    });
  }

  forReplay(f: FlowRef): Promise<{ key: string; runId: string }[]> {
    const sql = "SELECT key, run_id FROM failures WHERE mapping = ? AND flow = ? AND stage <> 'read'";
    type Row = { key: string; run_id: string };
    return this.x(() => this.s.all<Row>(sql, [f.mapping, f.flow]).map((r) => ({ key: r.key, runId: r.run_id })));
  }

  list(mapping?: string): Promise<FailureRow[]> {
    return this.x(() => failuresOf(this.s, mapping));
  }

  hasRead(mapping: string, keyPrefix: string): Promise<boolean> {
    const sql = `SELECT 1 FROM failures WHERE ${READ_PREFIX} LIMIT 1`;
    return this.x(() => !!this.s.get(sql, [mapping, READ_STAGE, keyPrefix.length, keyPrefix]));
  }

  clearRead(mapping: string, keys: string[]): Promise<void> {
    const sql = 'DELETE FROM failures WHERE mapping = ? AND stage = ? AND key IN (SELECT value FROM json_each(?))';
    return this.x(() => {
      if (keys.length) this.s.run(sql, [mapping, READ_STAGE, JSON.stringify(keys)]);
    });
  }

  clearStaleRead(mapping: string, keyPrefix: string, runId: string): Promise<void> {
    const sql = `DELETE FROM failures WHERE ${READ_PREFIX} AND run_id <> ?`;
    return this.x(() => {
      this.s.run(sql, [mapping, READ_STAGE, keyPrefix.length, keyPrefix, runId]);
    });
  }
}

export class SqlRuns implements RunRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  markInterrupted(mapping: string): Promise<void> {
    const sql = "UPDATE runs SET status = 'interrupted' WHERE mapping = ? AND status = 'running'";
    return this.x(() => {
      this.s.run(sql, [mapping]);
    });
  }

  start(run: { id: string; mapping: string; startedAt: string }): Promise<void> {
    const sql = 'INSERT INTO runs (id, mapping, started_at, status) VALUES (?, ?, ?, ?)';
    return this.x(() => {
      this.s.run(sql, [run.id, run.mapping, run.startedAt, 'running']);
    });
  }

  finish(id: string, end: { status: string; summary: string; finishedAt: string }): Promise<void> {
    const sql = 'UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?';
    return this.x(() => {
      this.s.run(sql, [end.finishedAt, end.status, end.summary, id]);
    });
  }

  list(mapping?: string, limit = 20): Promise<RunRow[]> {
    return this.x(() => listRuns(this.s, mapping, limit));
  }
}

const ADD_AUDIT = `INSERT INTO audit
  (run_id, mapping, flow, key, action, target_id, payload_hash, source_version, error, at, evidence)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export class SqlAudit implements AuditRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  add(entries: AuditEntry[]): Promise<void> {
    return this.x(() => {
      this.s.transaction(() => {
        for (const e of entries) {
          const { runId, mapping, flow, key, action, targetId, payloadHash, sourceVersion, error, at } = e;
          const row = [runId, mapping, flow, key, action, targetId, payloadHash, sourceVersion, error, at];
          this.s.run(ADD_AUDIT, [...row, e.evidence ?? null]);
        }
      });
    });
  }

  ofRunOrKey(idOrKey: string, limit = 200): Promise<AuditRow[]> {
    return this.x(() => auditOf(this.s, idOrKey, limit));
  }
}
