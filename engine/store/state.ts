import initSqlJs, { type Database, type SqlJsStatic, type BindParams, type Statement } from 'sql.js';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { acquireLock } from './lock.js';
import { SecretBox } from './crypto.js';

let sqlJs: Promise<SqlJsStatic> | undefined;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS cursors (connection TEXT, stream TEXT, value TEXT, updated_at TEXT, PRIMARY KEY (connection, stream));
CREATE TABLE IF NOT EXISTS mirror (connection TEXT, stream TEXT, key TEXT, version TEXT, data TEXT, PRIMARY KEY (connection, stream, key));
CREATE TABLE IF NOT EXISTS links (mapping TEXT, flow TEXT, rel TEXT, child_key TEXT, parent_key TEXT, PRIMARY KEY (mapping, flow, rel, child_key));
DROP INDEX IF EXISTS links_parent;
CREATE INDEX IF NOT EXISTS links_by_parent ON links (mapping, flow, rel, parent_key, child_key);
CREATE TABLE IF NOT EXISTS targets (mapping TEXT, flow TEXT, key TEXT, match_value TEXT, target_id TEXT, hash TEXT, mapped_at TEXT, clock_dependent INTEGER, PRIMARY KEY (mapping, flow, key));
CREATE TABLE IF NOT EXISTS pending (mapping TEXT, flow TEXT, key TEXT, PRIMARY KEY (mapping, flow, key));
CREATE TABLE IF NOT EXISTS failures (mapping TEXT, flow TEXT, key TEXT, run_id TEXT, stage TEXT, reason TEXT, attempts INTEGER, first_at TEXT, last_at TEXT, PRIMARY KEY (mapping, flow, key));
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, mapping TEXT, started_at TEXT, finished_at TEXT, status TEXT, summary TEXT);
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, mapping TEXT, flow TEXT, key TEXT, action TEXT, target_id TEXT, payload_hash TEXT, source_version TEXT, error TEXT, at TEXT);
CREATE INDEX IF NOT EXISTS audit_key ON audit (key);
CREATE INDEX IF NOT EXISTS audit_run ON audit (run_id);
CREATE TABLE IF NOT EXISTS tokens (connection TEXT, kind TEXT, value TEXT, expires_at TEXT, PRIMARY KEY (connection, kind));
CREATE TABLE IF NOT EXISTS credentials (name TEXT PRIMARY KEY, value TEXT, updated_at TEXT);
CREATE TABLE IF NOT EXISTS provisioned (mapping TEXT, flow TEXT, connection TEXT, spec_hash TEXT, ids TEXT, PRIMARY KEY (mapping, flow, connection));
`;

export class StateFileError extends Error {}

export interface Row {
  [column: string]: string | number | null | Uint8Array;
}

/**
 * The state database: one sql.js (SQLite in memory) file on disk. Everything a run must remember
 * lives here, and `checkpoint()` persists it atomically, so a kill at any moment leaves the last
 * checkpoint intact.
 */
export class StateStore {
  private dirty = false;
  private lastPersist = 0;
  private inTransaction = false;
  // Staging and writing run the same few statements tens of thousands of times a run.
  private readonly statements = new Map<string, Statement>();

  private constructor(
    readonly path: string | null,
    readonly db: Database,
    readonly secrets: SecretBox,
    private readonly release: () => void,
  ) {}

  /**
   * Opens (or creates) a state file and takes its lock. `path` null keeps everything in memory
   * (dry runs, tests).
   */
  static async open(path: string | null, opts: { secrets?: SecretBox; lock?: boolean } = {}): Promise<StateStore> {
    sqlJs ??= initSqlJs();
    const SQL = await sqlJs;
    let release = () => {};
    if (path) {
      mkdirSync(dirname(path), { recursive: true });
      if (opts.lock !== false) release = acquireLock(`${path}.lock`);
    }
    try {
      let db: Database;
      if (path && existsSync(path)) {
        const bytes = readFileSync(path);
        try {
          db = new SQL.Database(bytes);
          db.exec('SELECT count(*) FROM sqlite_master');
        } catch (e) {
          throw new StateFileError(`state file ${path} is not a valid mlc state database (${(e as Error).message}); restore it from a backup or move it away to start fresh`);
        }
      } else {
        db = new SQL.Database();
      }
      // The database lives in memory and reaches disk only through checkpoint(), which exports a
      // committed snapshot. A rollback journal on the in-memory file system would only add a
      // file create and delete to every statement outside a transaction.
      db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY');
      db.exec(SCHEMA);
      const secrets = opts.secrets ?? SecretBox.fromEnvOrFile(path ? join(dirname(path), 'master.key') : join(process.cwd(), '.mlc', 'master.key'));
      return new StateStore(path, db, secrets, release);
    } catch (e) {
      release();
      throw e;
    }
  }

  /** An in-memory copy that is never persisted (dry runs stage and diff in it). */
  async clone(): Promise<StateStore> {
    const SQL = await (sqlJs ??= initSqlJs());
    return new StateStore(null, new SQL.Database(this.db.export()), this.secrets, () => {});
  }

  private statement(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  run(sql: string, params: BindParams = []): void {
    this.statement(sql).run(params);
    this.dirty = true;
  }

  all<T = Row>(sql: string, params: BindParams = []): T[] {
    const stmt = this.statement(sql);
    try {
      stmt.bind(params);
      const out: T[] = [];
      while (stmt.step()) out.push(stmt.getAsObject() as T);
      return out;
    } finally {
      stmt.reset();
    }
  }

  get<T = Row>(sql: string, params: BindParams = []): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  /** Runs fn in one transaction; nested calls join the outer one. fn must not await. */
  transaction<T>(fn: () => T): T {
    if (this.inTransaction) return fn();
    this.inTransaction = true;
    try {
      return this.transact(fn);
    } finally {
      this.inTransaction = false;
    }
  }

  private transact<T>(fn: () => T): T {
    this.db.exec('BEGIN');
    try {
      const r = fn();
      this.db.exec('COMMIT');
      this.dirty = true;
      return r;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Persists now (atomically). */
  checkpoint(): void {
    if (!this.path || !this.dirty) return;
    writeFileAtomic(this.path, this.db.export());
    this.dirty = false;
    this.lastPersist = Date.now();
  }

  /** Persists when the last checkpoint is older than `minIntervalMs` (bounds write amplification on big files). */
  maybeCheckpoint(minIntervalMs: number): void {
    if (Date.now() - this.lastPersist >= minIntervalMs) this.checkpoint();
  }

  close(): void {
    try {
      this.checkpoint();
    } finally {
      this.abandon();
    }
  }

  /** Closes without persisting (after a failure that must not overwrite the last checkpoint). */
  abandon(): void {
    for (const st of this.statements.values()) st.free();
    this.statements.clear();
    this.db.close();
    this.release();
  }

  getMeta(key: string): string | undefined {
    return this.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key])?.value;
  }

  setMeta(key: string, value: string): void {
    this.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [key, value]);
  }
}
