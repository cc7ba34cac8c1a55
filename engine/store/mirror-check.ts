import type { Database } from 'sql.js';
import type { ValueLog } from './value-log.js';

export interface DamagedValue {
  connection: string;
  stream: string;
  key: string;
  reason: string;
}

/**
 * The mirrored records whose stored value cannot be trusted: cut off by a truncated log, failing
 * their checksum, or in a log that is gone (`missing` says why). Reads the log once, in order.
 */
export function findDamagedValues(db: Database, log: ValueLog | undefined, missing?: string): DamagedValue[] {
  const st = db.prepare('SELECT connection, stream, key, pos, len FROM mirror WHERE pos IS NOT NULL ORDER BY pos');
  const rows: { connection: string; stream: string; key: string; pos: number; len: number }[] = [];
  try {
    while (st.step()) {
      const [connection, stream, key, pos, len] = st.get() as [string, string, string, number, number];
      rows.push({ connection, stream, key, pos, len });
    }
  } finally {
    st.free();
  }
  if (!log) return rows.map((r) => ({ connection: r.connection, stream: r.stream, key: r.key, reason: missing ?? 'its value log is missing' }));
  return log.verify(rows).map(({ index, reason }) => ({ connection: rows[index].connection, stream: rows[index].stream, key: rows[index].key, reason }));
}

/**
 * Forgets the damaged records and the cursors of their streams, so the next read of each stream
 * starts from the beginning and stages them again from the source (a record the mirror does not
 * have is a change, so what it affects is re-mapped; an unchanged payload is still not re-sent).
 * Returns what to tell the user.
 */
export function dropDamagedValues(db: Database, logPath: string, damaged: DamagedValue[]): string {
  const byStream = new Map<string, DamagedValue[]>();
  for (const d of damaged) byStream.set(`${d.connection}/${d.stream}`, [...(byStream.get(`${d.connection}/${d.stream}`) ?? []), d]);
  db.exec('BEGIN');
  try {
    const del = db.prepare('DELETE FROM mirror WHERE connection = ? AND stream = ? AND key = ?');
    try {
      for (const d of damaged) del.run([d.connection, d.stream, d.key]);
    } finally {
      del.free();
    }
    for (const list of byStream.values()) db.run('DELETE FROM cursors WHERE connection = ? AND stream = ?', [list[0].connection, list[0].stream]);
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
  const streams = [...byStream.entries()].map(([s, list]) => `${s}: ${list.length} (${list.slice(0, 5).map((d) => d.key).join(', ')}${list.length > 5 ? ', ...' : ''})`);
  const reasons = [...new Set(damaged.map((d) => d.reason))].join('; ');
  return `${damaged.length} stored source record(s) in ${logPath} could not be trusted (${reasons}); they were dropped and their streams are read again in full from the source: ${streams.join('; ')}`;
}
