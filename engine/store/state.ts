import initSqlJs, { type Database, type SqlJsStatic, type BindParams, type Statement } from 'sql.js';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { acquireLock } from './lock.js';
import { SecretBox } from './crypto.js';
import { ValueLog } from './value-log.js';
import {
  leaveCheckpointMarker,
  loadStateDatabase,
  recordLeftovers,
  removeLeftoverTemps,
  restrictPermissions,
  StateFileError,
} from './state-file.js';
import { dropDamagedValues, findDamagedValues, LOGGED_VALUES, type LoggedValue } from './mirror-check.js';
import { absorbWriteJournal } from './write-journal.js';

export { StateFileError };

let sqlJs: Promise<SqlJsStatic> | undefined;

/**
 * Tables by name. The ones written per record are WITHOUT ROWID: stored in their key's order,
 * one B-tree less per insert, and a third smaller (staging's SQL ~30% faster, checkpoints smaller).
 */
export const TABLES: Record<string, string> = {
  meta: '(key TEXT PRIMARY KEY, value TEXT)',
  cursors: '(connection TEXT, stream TEXT, value TEXT, updated_at TEXT, PRIMARY KEY (connection, stream))',
  mirror:
    '(connection TEXT, stream TEXT, key TEXT, version TEXT, data TEXT, pos INTEGER, len INTEGER, PRIMARY KEY (connection, stream, key)) WITHOUT ROWID',
  links:
    '(mapping TEXT, flow TEXT, rel TEXT, child_key TEXT, parent_key TEXT, PRIMARY KEY (mapping, flow, rel, child_key)) WITHOUT ROWID',
  targets:
    '(mapping TEXT, flow TEXT, key TEXT, match_value TEXT, target_id TEXT, hash TEXT, mapped_at TEXT, clock_dependent INTEGER, PRIMARY KEY (mapping, flow, key)) WITHOUT ROWID',
  pending: '(mapping TEXT, flow TEXT, key TEXT, PRIMARY KEY (mapping, flow, key)) WITHOUT ROWID',
  failures:
    '(mapping TEXT, flow TEXT, key TEXT, run_id TEXT, stage TEXT, reason TEXT, attempts INTEGER, first_at TEXT, last_at TEXT, PRIMARY KEY (mapping, flow, key))',
  runs: '(id TEXT PRIMARY KEY, mapping TEXT, started_at TEXT, finished_at TEXT, status TEXT, summary TEXT)',
  audit:
    '(id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, mapping TEXT, flow TEXT, key TEXT, action TEXT, target_id TEXT, payload_hash TEXT, source_version TEXT, error TEXT, at TEXT, evidence TEXT)',
  tokens: '(connection TEXT, kind TEXT, value TEXT, expires_at TEXT, PRIMARY KEY (connection, kind))',
  credentials: '(name TEXT PRIMARY KEY, value TEXT, updated_at TEXT)',
  provisioned:
    '(mapping TEXT, flow TEXT, connection TEXT, spec_hash TEXT, ids TEXT, PRIMARY KEY (mapping, flow, connection))',
  fingerprints: '(mapping TEXT, flow TEXT, fingerprint TEXT, updated_at TEXT, PRIMARY KEY (mapping, flow))',
  // The payload last written per target record (values in the value log, like the mirror's).
  written:
    '(mapping TEXT, flow TEXT, key TEXT, hash TEXT, data TEXT, pos INTEGER, len INTEGER, PRIMARY KEY (mapping, flow, key)) WITHOUT ROWID',
  // Source records deleted or deactivated, with the evidence (JSON).
  deletions:
    '(connection TEXT, stream TEXT, key TEXT, evidence TEXT, PRIMARY KEY (connection, stream, key)) WITHOUT ROWID',
  reconciles: '(connection TEXT, stream TEXT, at TEXT, run_id TEXT, PRIMARY KEY (connection, stream))',
};

const INDEXES = `
DROP INDEX IF EXISTS links_parent;
CREATE INDEX IF NOT EXISTS links_by_parent ON links (mapping, flow, rel, parent_key, child_key);
CREATE INDEX IF NOT EXISTS audit_key ON audit (key);
CREATE INDEX IF NOT EXISTS audit_run ON audit (run_id);
`;

const SCHEMA =
  Object.entries(TABLES)
    .map(([name, def]) => `CREATE TABLE IF NOT EXISTS ${name} ${def};`)
    .join('\n') + INDEXES;

/**
 * Kept payloads used to live in the mirror under a connection no real one can be named
 * ("#written:<mapping>", stream = flow). They move to their own table; their values stay where
 * they are in the value log.
 */
function moveWrittenPayloads(db: Database): void {
  const from = "FROM mirror WHERE connection >= '#written:' AND connection < '#written;'";
  if (!db.exec(`SELECT 1 ${from} LIMIT 1`).length) return;
  db.exec(`BEGIN;
    INSERT OR REPLACE INTO written (mapping, flow, key, hash, data, pos, len)
      SELECT substr(connection, 10), stream, key, version, data, pos, len ${from};
    DELETE ${from}; COMMIT;`);
}

/** Columns added since a table was first created: state files from before get them (null). */
const ADDED_COLUMNS: [table: string, column: string, type: string][] = [['audit', 'evidence', 'TEXT']];

function addColumns(db: Database): void {
  for (const [table, column, type] of ADDED_COLUMNS) {
    const cols = (db.exec(`SELECT name FROM pragma_table_info('${table}')`)[0]?.values ?? []).map((r) => String(r[0]));
    if (cols.length && !cols.includes(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

/** Rebuilds tables that state files from before WITHOUT ROWID still have as rowid tables. */
function upgradeTables(db: Database): void {
  for (const [name, def] of Object.entries(TABLES)) {
    if (!def.endsWith('WITHOUT ROWID')) continue;
    const sql = db.exec("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [name])[0]
      ?.values[0]?.[0] as string | undefined;
    if (!sql || /WITHOUT\s+ROWID/i.test(sql)) continue;
    const cols = (db.exec(`SELECT name FROM pragma_table_info('${name}')`)[0]?.values ?? []).map((r) => String(r[0]));
    const pk = /PRIMARY KEY \(([^)]*)\)/.exec(def);
    if (!pk) throw new Error(`table ${name} is declared WITHOUT ROWID but has no PRIMARY KEY`);
    const key = pk[1].split(',').map((c) => `${c.trim()} IS NOT NULL`);
    db.exec(`BEGIN; ALTER TABLE ${name} RENAME TO ${name}_rowid; CREATE TABLE ${name} ${def};
      INSERT OR REPLACE INTO ${name} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${name}_rowid WHERE ${key.join(' AND ')};
      DROP TABLE ${name}_rowid; COMMIT;`);
  }
  // Indexes went with the renamed tables.
  db.exec(INDEXES);
}

const VALUE_LOG_META = 'value_log';
/** Set once the state's log carries checksums: a log without them is then a damaged one, not an old one. */
const VALUE_LOG_CHECKED_META = 'value_log_checked';
/** Below this a value log is never compacted (the rewrite would cost more than the space). */
const COMPACT_MIN_BYTES = 16 * 1024 * 1024;

/** `state.db.values.N`: a new N for each compaction. */
function nextLogPath(statePath: string, current: string): string {
  const n = Number(/\.values\.(\d+)$/.exec(current)?.[1] ?? 0);
  return join(dirname(statePath), `${basename(statePath)}.values.${n + 1}`);
}

/**
 * The value log a state file refers to. With the lock held it is opened for appending, logs a
 * crashed compaction left behind are removed, and every record the state points to is checked:
 * damaged ones (truncated, failing their checksum, or in a log that is gone) are dropped with
 * their streams' cursors, so the run re-reads them from the source (see dropDamagedValues), and
 * `notes` says so. Without the lock (history views while a sync runs) it is only read.
 */
function openValueLog(db: Database, statePath: string, locked: boolean, notes: string[]): ValueLog | undefined {
  const named = db.exec('SELECT value FROM meta WHERE key = ?', [VALUE_LOG_META])[0]?.values[0]?.[0] as
    string | undefined;
  const name = named ?? `${basename(statePath)}.values.1`;
  const path = join(dirname(statePath), name);
  const present = existsSync(path);
  if (!locked) return present ? ValueLog.open(path, false) : undefined;
  const prefix = `${basename(statePath)}.values.`;
  for (const f of readdirSync(dirname(statePath)))
    if (f.startsWith(prefix) && f !== name) rmSync(join(dirname(statePath), f), { force: true });
  if (!named) db.run('INSERT INTO meta (key, value) VALUES (?, ?)', [VALUE_LOG_META, name]);
  const log = ValueLog.open(path, true);
  const wasChecked = db.exec('SELECT 1 FROM meta WHERE key = ?', [VALUE_LOG_CHECKED_META]).length > 0;
  const damaged = !present
    ? findDamagedValues(db, undefined, 'the value log is missing')
    : wasChecked && !log.checked
      ? findDamagedValues(db, undefined, 'the value log lost its header')
      : findDamagedValues(db, log);
  if (damaged.length) notes.push(dropDamagedValues(db, path, damaged));
  return log;
}

/** Where mirrored records and kept payloads are stored in the value log (see mirror-check.ts). */
const MOVE_VALUE: Record<LoggedValue['tbl'], string> = {
  mirror: 'UPDATE mirror SET pos = ? WHERE connection = ? AND stream = ? AND key = ?',
  written: 'UPDATE written SET pos = ? WHERE mapping = ? AND flow = ? AND key = ?',
};

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
  private lastCostMs = 0;
  private inTransaction = false;
  // Staging and writing run the same few statements tens of thousands of times a run.
  private readonly statements = new Map<string, Statement>();
  /** What opening the state found and repaired (damaged records dropped, unfinished runs recorded), for the run summary */
  readonly notes: string[] = [];
  private readonly openedAt = new Date().toISOString();

  private constructor(
    readonly path: string | null,
    readonly db: Database,
    readonly secrets: SecretBox,
    private readonly release: () => void,
    /** Where mirrored records live (a state file's value log); without one they stay in the database */
    private readonly log?: { values: ValueLog; append: boolean; owned: boolean },
  ) {}

  /**
   * Opens (or creates) a state file and takes its lock. `path` null keeps everything in memory
   * (dry runs, tests).
   */
  static async open(
    path: string | null,
    opts: { secrets?: SecretBox; lock?: boolean; compactMinBytes?: number } = {},
  ): Promise<StateStore> {
    sqlJs ??= initSqlJs();
    const SQL = await sqlJs;
    let release = () => {};
    const locked = !!path && opts.lock !== false;
    if (path) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      if (locked) release = acquireLock(`${path}.lock`);
    }
    try {
      const leftovers = path ? removeLeftoverTemps(SQL, path, locked) : [];
      const db = path && existsSync(path) ? loadStateDatabase(SQL, path) : new SQL.Database();
      // The database lives in memory and reaches disk only through checkpoint(), which exports a
      // committed snapshot. A rollback journal on the in-memory file system would only add a
      // file create and delete to every statement outside a transaction.
      db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY');
      db.exec(SCHEMA);
      // State files from before the value log keep their records inline; both forms are read.
      if (!db.exec("SELECT 1 FROM pragma_table_info('mirror') WHERE name = 'pos'").length)
        db.exec('ALTER TABLE mirror ADD COLUMN pos INTEGER; ALTER TABLE mirror ADD COLUMN len INTEGER');
      upgradeTables(db);
      addColumns(db);
      moveWrittenPayloads(db);
      if (locked) recordLeftovers(db, leftovers);
      // A new key is made only while nothing is encrypted under the old one (a lost key file must not be replaced silently).
      const secretsExist = () =>
        db.exec(
          "SELECT 1 FROM credentials UNION ALL SELECT 1 FROM tokens UNION ALL SELECT 1 FROM meta WHERE key = 'master_key_check' LIMIT 1",
        ).length > 0;
      // A state in memory keeps nothing past the process, so a key of its own serves: no key file is read or made.
      const secrets =
        opts.secrets ??
        (path
          ? SecretBox.fromEnvOrFile(join(dirname(path), 'master.key'), process.env, { secretsExist })
          : SecretBox.fromKey(randomBytes(32).toString('hex')));
      const notes: string[] = [];
      const log = path ? openValueLog(db, path, locked, notes) : undefined;
      const store = new StateStore(
        path,
        db,
        secrets,
        release,
        log && { values: log, append: log.writable, owned: true },
      );
      store.notes.push(
        ...notes,
        ...leftovers.map(
          (l) =>
            `removed ${l.file}, an unfinished checkpoint of mlc process ${l.pid}; the run it belonged to is recorded as interrupted`,
        ),
      );
      if (leftovers.length || notes.length) store.dirty = true;
      if (log?.writable && store.log && path) {
        store.compactValues(store.log, path, opts.compactMinBytes ?? COMPACT_MIN_BYTES);
        // Compaction may have switched the store to a new log: the check is of the one it uses now.
        if (store.log.values.checked && store.getMeta(VALUE_LOG_CHECKED_META) === undefined)
          store.setMeta(VALUE_LOG_CHECKED_META, '1');
      }
      if (locked) restrictPermissions(path);
      // Writes a killed run sent without recording their outcome become "in doubt" (see write-journal.ts).
      absorbWriteJournal(store, locked);
      return store;
    } catch (e) {
      release();
      throw e;
    }
  }

  /** An in-memory copy that is never persisted (dry runs stage and diff in it). */
  async clone(): Promise<StateStore> {
    const SQL = await (sqlJs ??= initSqlJs());
    // It reads the records the log already has, and keeps what it stages itself in memory.
    return new StateStore(
      null,
      new SQL.Database(this.db.export()),
      this.secrets,
      () => {},
      this.log && { values: this.log.values, append: false, owned: false },
    );
  }

  private statement(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  // run/all/get/transaction: for engine/store (the sql.js repositories, open-time repairs) and
  // tests of the file format; the engine reaches the state through StateBackend (store/backend.ts).
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

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller's row shape, as in all<T>
  get<T = Row>(sql: string, params: BindParams = []): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  /** Runs fn in one transaction; nested calls join the outer one. fn must not await. */
  transaction<T>(fn: () => T): T {
    if (this.inTransaction) return fn();
    this.inTransaction = true;
    this.db.exec('BEGIN');
    try {
      const r = fn();
      this.db.exec('COMMIT');
      this.dirty = true;
      return r;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.inTransaction = false;
    }
  }

  /**
   * Opens a transaction that spans awaits; `end` closes it. The caller keeps every other
   * statement out meanwhile (see sqljs/gate.ts); `transaction` calls inside it join it.
   */
  begin(): void {
    if (this.inTransaction) throw new Error('a transaction is already open on this state');
    this.db.exec('BEGIN');
    this.inTransaction = true;
  }

  end(commit: boolean): void {
    try {
      if (commit) {
        this.db.exec('COMMIT');
        this.dirty = true;
      } else this.db.exec('ROLLBACK');
    } catch (e) {
      if (commit) this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.inTransaction = false;
    }
  }

  /** Persists now (atomically). */
  checkpoint(): void {
    // The database in memory holds a transaction's uncommitted work: it must never reach the file.
    if (this.inTransaction) throw new Error('a checkpoint cannot be taken while a transaction is open');
    if (!this.path || !this.dirty) return;
    // The values a checkpoint refers to must be on disk before it is.
    this.log?.values.sync();
    const started = Date.now();
    try {
      writeFileAtomic(this.path, this.db.export());
    } catch (e) {
      const reason = (e as Error).message;
      leaveCheckpointMarker(this.path, this.db, this.openedAt, reason);
      throw new StateFileError(
        `could not save the state file ${this.path} (${reason}); the last saved state is intact, and the next run redoes what was done since`,
      );
    }
    this.lastCostMs = Date.now() - started;
    this.dirty = false;
    this.lastPersist = Date.now();
  }

  /**
   * Persists when the last checkpoint is older than `minIntervalMs`, or than ten times what the
   * last one took: a checkpoint writes the whole database, so on a big state this keeps them
   * under a tenth of the run.
   */
  maybeCheckpoint(minIntervalMs: number): void {
    if (Date.now() - this.lastPersist >= Math.max(minIntervalMs, 10 * this.lastCostMs)) this.checkpoint();
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
    if (this.log?.owned) this.log.values.close();
    this.release();
  }

  /**
   * Stores mirrored records: appended to the value log when there is one (one write for all),
   * otherwise inline. Returns the columns (data, pos, len) of each; null stays null.
   */
  storeValues(values: (string | null)[]): [string | null, number | null, number | null][] {
    if (!this.log?.append) return values.map((v) => [v, null, null]);
    const refs = this.log.values.append(values.filter((v): v is string => v !== null));
    let i = 0;
    return values.map((v) => {
      if (v === null) return [null, null, null];
      const r = refs[i++];
      return [null, r.pos, r.len];
    });
  }

  /** A mirrored record stored by storeValues (inline or in the log). */
  loadValue(row: { data: string | null; pos: number | null; len: number | null }): string | null {
    if (row.data !== null) return row.data;
    if (row.pos === null || row.len === null) return null;
    if (!this.log)
      throw new StateFileError(`state file ${this.path ?? '(memory)'} refers to a value log that is not open`);
    return this.log.values.read({ pos: row.pos, len: row.len });
  }

  /**
   * Rewrites the value log without the space of replaced and deleted records once that is more
   * than half of it. The new log gets a new name and the state switches to it in one checkpoint,
   * so a crash at any point leaves the state with a complete log (the other one is removed at the
   * next open).
   */
  private compactValues(files: { values: ValueLog }, path: string, minBytes: number): void {
    const log = files.values;
    const live = this.get<{ n: number | null }>(`SELECT sum(len) AS n FROM (${LOGGED_VALUES})`)?.n ?? 0;
    // A log without checksums is rewritten into one with them at once.
    if (log.checked && (log.size < minBytes || log.size < 2 * live)) return;
    const next = ValueLog.open(nextLogPath(path, log.path), true);
    try {
      const rows = this.all<LoggedValue>(`${LOGGED_VALUES} ORDER BY pos`);
      this.transaction(() => {
        for (let i = 0; i < rows.length; i += 1000) {
          const group = rows.slice(i, i + 1000);
          const refs = next.append(group.map((r) => log.read(r)));
          group.forEach((r, j) => {
            this.run(MOVE_VALUE[r.tbl], [refs[j].pos, r.scope, r.part, r.key]);
          });
        }
        this.setMeta(VALUE_LOG_META, basename(next.path));
      });
      files.values = next;
      this.checkpoint();
    } catch (e) {
      next.close();
      throw e;
    }
    log.close();
    rmSync(log.path, { force: true });
  }

  getMeta(key: string): string | undefined {
    return this.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key])?.value;
  }

  setMeta(key: string, value: string): void {
    this.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [key, value]);
  }
}
