import type {
  FingerprintRepository,
  FlowRef,
  PendingRepository,
  ProvisionedRepository,
  StoredTarget,
  StreamRef,
  TargetRepository,
  WrittenPayloadRepository,
  WrittenTarget,
} from '../backend.js';
import type { StateStore } from '../state.js';
import type { Exec } from './gate.js';

/** A flow's rows whose key is one of a JSON array of keys. */
const KEY_IN = 'mapping = ? AND flow = ? AND key IN (SELECT value FROM json_each(?))';

const MARK = 'INSERT OR IGNORE INTO pending (mapping, flow, key) SELECT ?, ?, value FROM json_each(?)';
const MARK_ALL = `INSERT OR IGNORE INTO pending (mapping, flow, key)
  SELECT ?, ?, key FROM mirror WHERE connection = ? AND stream = ?`;
const MARK_CLOCK_DUE = `INSERT OR IGNORE INTO pending (mapping, flow, key)
  SELECT mapping, flow, key FROM targets WHERE mapping = ? AND flow = ? AND clock_dependent = 1 AND mapped_at <= ?`;
const MARK_FAILED = `INSERT OR IGNORE INTO pending (mapping, flow, key)
  SELECT mapping, flow, key FROM failures WHERE mapping = ? AND flow = ? AND stage <> 'read'`;
const WITHOUT_TARGET_ID = `SELECT count(*) AS n FROM pending p
  LEFT JOIN targets t ON t.mapping = p.mapping AND t.flow = p.flow AND t.key = p.key
  WHERE p.mapping = ? AND p.flow = ? AND t.target_id IS NULL`;

export class SqlPending implements PendingRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  mark(f: FlowRef, keys: string[]): Promise<void> {
    return this.x(() => {
      if (keys.length) this.s.run(MARK, [f.mapping, f.flow, JSON.stringify(keys)]);
    });
  }

  markAll(f: FlowRef, source: StreamRef): Promise<number> {
    return this.x(() => {
      this.s.run(MARK_ALL, [f.mapping, f.flow, source.connection, source.stream]);
      const count = 'SELECT count(*) AS n FROM mirror WHERE connection = ? AND stream = ?';
      return this.s.get<{ n: number }>(count, [source.connection, source.stream])?.n ?? 0;
    });
  }

  markClockDue(f: FlowRef, mappedBefore: string): Promise<void> {
    return this.x(() => {
      this.s.run(MARK_CLOCK_DUE, [f.mapping, f.flow, mappedBefore]);
    });
  }

  markFailed(f: FlowRef): Promise<void> {
    return this.x(() => {
      this.s.run(MARK_FAILED, [f.mapping, f.flow]);
    });
  }

  keys(f: FlowRef): Promise<string[]> {
    const sql = 'SELECT key FROM pending WHERE mapping = ? AND flow = ? ORDER BY key';
    return this.x(() => this.s.all<{ key: string }>(sql, [f.mapping, f.flow]).map((r) => r.key));
  }

  countWithoutTargetId(f: FlowRef): Promise<number> {
    return this.x(() => this.s.get<{ n: number }>(WITHOUT_TARGET_ID, [f.mapping, f.flow])?.n ?? 0);
  }

  done(f: FlowRef, keys: string[]): Promise<void> {
    return this.x(() => {
      if (keys.length) this.s.run(`DELETE FROM pending WHERE ${KEY_IN}`, [f.mapping, f.flow, JSON.stringify(keys)]);
    });
  }
}

const LOAD_TARGETS = `SELECT t.key, t.target_id, t.hash, t.match_value FROM json_each(?) j
  CROSS JOIN targets t ON t.mapping = ? AND t.flow = ? AND t.key = j.value`;
const PUT_TARGET = `INSERT OR REPLACE INTO targets
  (mapping, flow, key, match_value, target_id, hash, mapped_at, clock_dependent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const REMAPPED = 'UPDATE targets SET mapped_at = ?, clock_dependent = ? WHERE mapping = ? AND flow = ? AND key = ?';

export class SqlTargets implements TargetRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  load(f: FlowRef, keys: string[]): Promise<Map<string, StoredTarget>> {
    return this.x(() => {
      const out = new Map<string, StoredTarget>();
      if (!keys.length) return out;
      type Row = { key: string; target_id: string | null; hash: string | null; match_value: string };
      for (const r of this.s.all<Row>(LOAD_TARGETS, [JSON.stringify(keys), f.mapping, f.flow])) {
        out.set(r.key, { matchValue: r.match_value, targetId: r.target_id, hash: r.hash });
      }
      return out;
    });
  }

  recordWritten(f: FlowRef, rows: WrittenTarget[], mappedAt: string): Promise<void> {
    return this.x(() => {
      this.s.transaction(() => {
        for (const r of rows) {
          const cd = r.clockDependent ? 1 : 0;
          this.s.run(PUT_TARGET, [f.mapping, f.flow, r.key, r.matchValue, r.targetId, r.hash, mappedAt, cd]);
        }
      });
    });
  }

  recordUnchanged(f: FlowRef, rows: { key: string; clockDependent: boolean }[], mappedAt: string): Promise<void> {
    return this.x(() => {
      this.s.transaction(() => {
        for (const r of rows) this.s.run(REMAPPED, [mappedAt, r.clockDependent ? 1 : 0, f.mapping, f.flow, r.key]);
      });
    });
  }

  forgetHash(f: FlowRef, keys: string[]): Promise<void> {
    return this.x(() => {
      if (!keys.length) return;
      this.s.run(`UPDATE targets SET hash = NULL WHERE ${KEY_IN}`, [f.mapping, f.flow, JSON.stringify(keys)]);
    });
  }

  exist(f: FlowRef): Promise<boolean> {
    const sql = 'SELECT 1 AS x FROM targets WHERE mapping = ? AND flow = ? LIMIT 1';
    return this.x(() => !!this.s.get(sql, [f.mapping, f.flow]));
  }

  forget(f: FlowRef, keys: string[]): Promise<void> {
    const sql = 'DELETE FROM targets WHERE mapping = ? AND flow = ? AND key IN (SELECT value FROM json_each(?))';
    return this.x(() => {
      if (keys.length) this.s.run(sql, [f.mapping, f.flow, JSON.stringify(keys)]);
    });
  }
}

export class SqlFingerprints implements FingerprintRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  get(f: FlowRef): Promise<string | undefined> {
    const sql = 'SELECT fingerprint FROM fingerprints WHERE mapping = ? AND flow = ?';
    return this.x(() => this.s.get<{ fingerprint: string }>(sql, [f.mapping, f.flow])?.fingerprint);
  }

  set(f: FlowRef, fingerprint: string, at: string): Promise<void> {
    const sql = 'INSERT OR REPLACE INTO fingerprints (mapping, flow, fingerprint, updated_at) VALUES (?, ?, ?, ?)';
    return this.x(() => {
      this.s.run(sql, [f.mapping, f.flow, fingerprint, at]);
    });
  }
}

export class SqlProvisioned implements ProvisionedRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  get(f: FlowRef, connection: string): Promise<{ specHash: string; keys: Record<string, string> } | undefined> {
    const sql = 'SELECT spec_hash, ids FROM provisioned WHERE mapping = ? AND flow = ? AND connection = ?';
    return this.x(() => {
      const row = this.s.get<{ spec_hash: string; ids: string }>(sql, [f.mapping, f.flow, connection]);
      return row && { specHash: row.spec_hash, keys: JSON.parse(row.ids) as Record<string, string> };
    });
  }

  set(f: FlowRef, connection: string, specHash: string, keys: Record<string, string>): Promise<void> {
    const sql = 'INSERT OR REPLACE INTO provisioned (mapping, flow, connection, spec_hash, ids) VALUES (?, ?, ?, ?, ?)';
    return this.x(() => {
      this.s.run(sql, [f.mapping, f.flow, connection, specHash, JSON.stringify(keys)]);
    });
  }
}

const KEEP_PAYLOAD = `INSERT OR REPLACE INTO written (mapping, flow, key, hash, data, pos, len)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;
const LOAD_PAYLOADS = `SELECT w.key, w.data, w.pos, w.len FROM json_each(?) j
  CROSS JOIN written w ON w.mapping = ? AND w.flow = ? AND w.key = j.value`;

/**
 * Kept payloads live in the value log like mirrored records (its checksums, compaction and
 * damage handling cover them), so the state database grows by a key and a position per record.
 */
export class SqlWrittenPayloads implements WrittenPayloadRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  keep(f: FlowRef, written: { key: string; hash: string; payload: unknown }[]): Promise<void> {
    return this.x(() => {
      if (!written.length) return;
      const stored = this.s.storeValues(written.map((w) => JSON.stringify(w.payload)));
      this.s.transaction(() => {
        written.forEach((w, i) => {
          this.s.run(KEEP_PAYLOAD, [f.mapping, f.flow, w.key, w.hash, ...stored[i]]);
        });
      });
    });
  }

  load(f: FlowRef, keys: string[]): Promise<Map<string, Record<string, unknown>>> {
    return this.x(() => {
      const out = new Map<string, Record<string, unknown>>();
      if (!keys.length) return out;
      type Row = { key: string; data: string | null; pos: number | null; len: number | null };
      for (const r of this.s.all<Row>(LOAD_PAYLOADS, [JSON.stringify(keys), f.mapping, f.flow])) {
        try {
          const text = this.s.loadValue(r);
          if (text !== null) out.set(r.key, JSON.parse(text) as Record<string, unknown>);
        } catch {
          // Unreadable: the dry run shows the new values only.
        }
      }
      return out;
    });
  }

  forget(f: FlowRef, keys: string[]): Promise<void> {
    return this.x(() => {
      if (keys.length) this.s.run(`DELETE FROM written WHERE ${KEY_IN}`, [f.mapping, f.flow, JSON.stringify(keys)]);
    });
  }
}
