import initSqlJs from 'sql.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { findDamagedValues, LOGGED_VALUES } from './mirror-check.js';
import { TABLES } from './state.js';
import { databaseDamage } from './state-file.js';
import { ValueLog } from './value-log.js';

export interface StateCheck {
  /** Damage found, each with what to do about it */
  problems: string[];
  /** What was checked */
  checked: string[];
}

/**
 * Checks a state file without changing anything (no lock, no repair): SQLite's integrity check
 * of the database, every stored record of the value log against its checksum, leftovers of
 * unfinished checkpoints and file permissions.
 */
export async function checkStateFile(path: string): Promise<StateCheck> {
  const problems: string[] = [];
  const checked: string[] = [];
  if (!existsSync(path)) return { problems: [`${path} does not exist (a sync creates it)`], checked };
  const SQL = await initSqlJs();
  const bytes = readFileSync(path);
  const { reason, db } = databaseDamage(SQL, bytes);
  if (!db) {
    problems.push(
      `${path} is damaged: ${reason}. Restore it (with its value log) from a backup, or delete it to start a fresh state; the next sync keeps a copy of it beside it.`,
    );
    return { problems, checked };
  }
  try {
    const integrity = (db.exec('PRAGMA integrity_check')[0]?.values ?? []).map((r) => String(r[0]));
    if (integrity.join() !== 'ok')
      problems.push(`${path} fails SQLite's integrity check: ${integrity.slice(0, 3).join('; ')}`);
    else checked.push(`${path}: database ok (${bytes.length} bytes)`);
    const meta = (key: string) =>
      db.exec('SELECT value FROM meta WHERE key = ?', [key])[0]?.values[0]?.[0] as string | undefined;
    const hasMirror =
      db.exec("SELECT 1 FROM sqlite_master WHERE name = 'mirror'").length > 0 &&
      db.exec("SELECT 1 FROM pragma_table_info('mirror') WHERE name = 'pos'").length > 0;
    const logPath = join(dirname(path), meta('value_log') ?? `${basename(path)}.values.1`);
    if (hasMirror) {
      const present = existsSync(logPath);
      const log = present ? ValueLog.open(logPath, false) : undefined;
      try {
        // A state from before kept payloads had their own table has none to check.
        db.exec(`CREATE TABLE IF NOT EXISTS written ${TABLES.written}`);
        const damaged = !log
          ? findDamagedValues(db, undefined, 'the value log is missing')
          : meta('value_log_checked') && !log.checked
            ? findDamagedValues(db, undefined, 'the value log lost its header')
            : findDamagedValues(db, log);
        const total = Number(db.exec(`SELECT count(*) FROM (${LOGGED_VALUES})`)[0]?.values[0]?.[0] ?? 0);
        if (damaged.length) {
          const reasons = [...new Set(damaged.map((d) => d.reason))].join('; ');
          const keys = damaged
            .slice(0, 5)
            .map((d) => `${d.scope}/${d.part}/${d.key}`)
            .join(', ');
          problems.push(
            `${logPath}: ${damaged.length} of ${total} stored source records are damaged (${reasons}): ${keys}${damaged.length > 5 ? ', ...' : ''}. The next sync drops them and reads their streams again from the source; nothing damaged is written to a target.`,
          );
        } else if (total || present) {
          checked.push(
            `${logPath}: ${total} stored records ok${log && !log.checked ? ' (a log from before checksums: checked for truncation only; the next sync rewrites it with checksums)' : ''}`,
          );
        }
      } finally {
        log?.close();
      }
    }
  } finally {
    db.close();
  }
  for (const f of readdirSync(dirname(path))) {
    if (f.startsWith(`${basename(path)}.tmp-`))
      problems.push(
        `${join(dirname(path), f)} is left from an unfinished checkpoint; the next sync removes it and records the run it belonged to`,
      );
  }
  if (process.platform !== 'win32') {
    for (const f of readdirSync(dirname(path))) {
      if (f !== basename(path) && !f.startsWith(`${basename(path)}.`)) continue;
      const file = join(dirname(path), f);
      const mode = statSync(file).mode & 0o777;
      if (mode & 0o077)
        problems.push(
          `${file} can be read by other users (mode ${mode.toString(8)}); run chmod 600 ${file} (the next sync does it too)`,
        );
    }
  }
  return { problems, checked };
}
