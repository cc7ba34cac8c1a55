import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { alive } from './lock.js';

export class StateFileError extends Error {}

/** Why a state database cannot be used, or undefined when it passes SQLite's quick check. */
export function databaseDamage(SQL: SqlJsStatic, bytes: Uint8Array): { reason: string; db?: Database } {
  if (bytes.length === 0)
    return { reason: 'it is empty (0 bytes); an existing state file is never treated as a new one' };
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    const rows = (db.exec('PRAGMA quick_check')[0]?.values ?? []).map((r) => String(r[0]));
    if (rows.length === 1 && rows[0] === 'ok') return { reason: '', db };
    db.close();
    return { reason: `SQLite's integrity check fails: ${rows.slice(0, 3).join('; ').slice(0, 300)}` };
  } catch (e) {
    db?.close();
    return { reason: `it is not a readable SQLite database (${(e as Error).message})` };
  }
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z');

/**
 * Keeps a damaged state file's bytes beside it (once per distinct content), so whatever the user
 * does next (restore, delete) the evidence and anything recoverable in it remain.
 */
function keepDamagedCopy(path: string, bytes: Uint8Array): string {
  const prefix = `${basename(path)}.damaged-`;
  const dir = dirname(path);
  for (const f of readdirSync(dir).filter((n) => n.startsWith(prefix))) {
    const other = join(dir, f);
    if (statSync(other).size === bytes.length && readFileSync(other).equals(bytes)) return other;
  }
  const copy = join(dir, `${prefix}${stamp()}`);
  copyFileSync(path, copy);
  chmodSync(copy, 0o600);
  return copy;
}

/** Opens a state file's database, or refuses a damaged one with the file, a kept copy and what to do. */
export function loadStateDatabase(SQL: SqlJsStatic, path: string): Database {
  const bytes = readFileSync(path);
  const { reason, db } = databaseDamage(SQL, bytes);
  if (db) return db;
  const copy = keepDamagedCopy(path, bytes);
  throw new StateFileError(
    `state file ${path} is damaged: ${reason}. A copy is kept as ${copy}. ` +
      `Restore ${path} and its ${basename(path)}.values.* log from a backup, or delete ${path} to start a fresh state ` +
      `(run history, failure queue and stored credentials are then lost; target records are found again by their match key). ` +
      `\`mlc state check --state ${path}\` shows what is damaged.`,
  );
}

export interface Leftover {
  file: string;
  pid: number;
  bytes: number;
  at: Date;
  /** The database in it, when the checkpoint got far enough to be readable */
  runs: { id: string; mapping: string; started_at: string }[];
  /** Why the checkpoint failed, when the process lived to say so */
  error?: string;
}

/**
 * Removes checkpoint temp files (`state.db.tmp-<pid>`) that a killed process or a full disk
 * left. With the lock held no other process can be writing one; without it only those of dead
 * processes are removed. Returns what was removed, with the runs that were in progress in it.
 */
export function removeLeftoverTemps(SQL: SqlJsStatic, path: string, locked: boolean): Leftover[] {
  const prefix = `${basename(path)}.tmp-`;
  const dir = dirname(path);
  const out: Leftover[] = [];
  for (const f of readdirSync(dir)) {
    const pid = Number(f.slice(prefix.length));
    if (!f.startsWith(prefix) || !Number.isInteger(pid)) continue;
    // With the lock held no one else can be checkpointing this file, this process included.
    if (!locked && (pid === process.pid || alive(pid))) continue;
    const file = join(dir, f);
    let runs: Leftover['runs'] = [];
    let error: string | undefined;
    let st;
    try {
      st = statSync(file);
      const bytes = readFileSync(file);
      if (bytes[0] === 0x7b) {
        ({ runs, error } = JSON.parse(bytes.toString('utf8')) as CheckpointMarker);
        throw new Error('a marker, not a database');
      }
      const db = new SQL.Database(bytes);
      try {
        runs = (db.exec("SELECT id, mapping, started_at FROM runs WHERE status = 'running'")[0]?.values ?? []).map(
          ([id, mapping, started_at]) => ({ id: String(id), mapping: String(mapping), started_at: String(started_at) }),
        );
      } finally {
        db.close();
      }
    } catch {
      // A checkpoint cut short is rarely readable; the run is recorded without its name.
    }
    rmSync(file, { force: true });
    if (st) out.push({ file, pid, bytes: st.size, at: st.mtime, runs, error });
  }
  return out;
}

interface CheckpointMarker {
  pid: number;
  error: string;
  runs: Leftover['runs'];
}

/**
 * After a failed checkpoint (a full disk, typically) the half-written copy is gone; this leaves in
 * its place a few bytes naming the runs the state on disk may not have, so the next open records
 * them. Best effort: if even this cannot be written, nothing more can be done.
 */
export function leaveCheckpointMarker(path: string, db: Database, since: string, error: string): void {
  try {
    const runs = (
      db.exec(
        "SELECT id, mapping, started_at FROM runs WHERE status = 'running' OR started_at >= ? OR finished_at >= ?",
        [since, since],
      )[0]?.values ?? []
    ).map(([id, mapping, started_at]) => ({
      id: String(id),
      mapping: String(mapping),
      started_at: String(started_at),
    }));
    const marker: CheckpointMarker = { pid: process.pid, error, runs };
    writeFileSync(`${path}.tmp-${process.pid}`, JSON.stringify(marker), { mode: 0o600 });
  } catch {
    /* the disk is still full */
  }
}

/** Records in `runs` the runs whose checkpoint was cut short, so `mlc runs` shows they failed. */
export function recordLeftovers(db: Database, leftovers: Leftover[]): void {
  for (const l of leftovers) {
    const why = l.error
      ? `could not save the state (${l.error})`
      : 'stopped while saving the state (killed, or the disk was full)';
    const error = `mlc process ${l.pid} ${why}: its unfinished checkpoint ${basename(l.file)} (${l.bytes} bytes, ${l.at.toISOString()}) was removed; work after its last saved checkpoint is done again by the next run`;
    const summary = JSON.stringify({ flows: [], error });
    const runs = l.runs.length
      ? l.runs
      : [
          {
            id: `${stamp()}-pid${l.pid}`,
            mapping: '(unknown: its checkpoint was unreadable)',
            started_at: l.at.toISOString(),
          },
        ];
    for (const r of runs) {
      // No row: the run was never recorded (the result has no first row, whatever its type says).
      const known = db.exec('SELECT status FROM runs WHERE id = ?', [r.id])[0]?.values[0]?.[0] as SqlValue | undefined;
      if (known !== undefined && known !== 'running') continue;
      db.run(
        'INSERT OR REPLACE INTO runs (id, mapping, started_at, finished_at, status, summary) VALUES (?, ?, ?, ?, ?, ?)',
        [r.id, r.mapping, r.started_at, l.at.toISOString(), 'interrupted', summary],
      );
    }
  }
}

/** State files and folders hold customer data and secrets: owner only. */
export function restrictPermissions(path: string): void {
  if (process.platform === 'win32') return;
  const dir = dirname(path);
  // Only mlc's own folders are tightened; a folder the user chose for --state is theirs.
  for (const d of [dir, dirname(dir)]) if (basename(d) === '.mlc' || basename(dirname(d)) === '.mlc') tighten(d, 0o700);
  const prefix = basename(path);
  for (const f of readdirSync(dir)) if (f === prefix || f.startsWith(`${prefix}.`)) tighten(join(dir, f), 0o600);
}

function tighten(file: string, mode: number): void {
  try {
    const st = statSync(file);
    if ((st.mode & 0o777 & ~mode) !== 0 && (process.getuid?.() ?? st.uid) === st.uid) chmodSync(file, mode);
  } catch {
    /* gone meanwhile, or not ours to change */
  }
}
