import type { Database } from 'sql.js';
import type { ValueLog } from './value-log.js';

/**
 * Every value the value log holds for the state: mirrored source records (scope = connection,
 * part = stream) and payloads kept from writes (scope = mapping, part = flow).
 */
export const LOGGED_VALUES = `SELECT 'mirror' AS tbl, connection AS scope, stream AS part, key, pos, len
  FROM mirror WHERE pos IS NOT NULL
  UNION ALL SELECT 'written', mapping, flow, key, pos, len FROM written WHERE pos IS NOT NULL`;

export interface LoggedValue {
  tbl: 'mirror' | 'written';
  scope: string;
  part: string;
  key: string;
  pos: number;
  len: number;
}

export interface DamagedValue {
  tbl: LoggedValue['tbl'];
  scope: string;
  part: string;
  key: string;
  reason: string;
}

/**
 * The stored values that cannot be trusted: cut off by a truncated log, failing their checksum,
 * or in a log that is gone (`missing` says why). Reads the log once, in order.
 */
export function findDamagedValues(db: Database, log: ValueLog | undefined, missing?: string): DamagedValue[] {
  const st = db.prepare(`${LOGGED_VALUES} ORDER BY pos`);
  const rows: LoggedValue[] = [];
  try {
    while (st.step()) rows.push(st.getAsObject() as unknown as LoggedValue);
  } finally {
    st.free();
  }
  const damaged = (r: LoggedValue, reason: string): DamagedValue => ({
    tbl: r.tbl,
    scope: r.scope,
    part: r.part,
    key: r.key,
    reason,
  });
  if (!log) return rows.map((r) => damaged(r, missing ?? 'its value log is missing'));
  return log.verify(rows).map(({ index, reason }) => damaged(rows[index], reason));
}

/**
 * Forgets the damaged values. A damaged source record takes its stream's cursor with it, so the
 * next read of the stream starts from the beginning and stages it again from the source (a record
 * the mirror does not have is a change, so what it affects is re-mapped; an unchanged payload is
 * still not re-sent). A damaged kept payload is only shown by dry runs: it is just forgotten.
 * Returns what to tell the user.
 */
export function dropDamagedValues(db: Database, logPath: string, damaged: DamagedValue[]): string {
  const records = damaged.filter((d) => d.tbl === 'mirror');
  const payloads = damaged.filter((d) => d.tbl === 'written');
  const byStream = new Map<string, DamagedValue[]>();
  for (const d of records) byStream.set(`${d.scope}/${d.part}`, [...(byStream.get(`${d.scope}/${d.part}`) ?? []), d]);
  db.exec('BEGIN');
  try {
    const del = db.prepare('DELETE FROM mirror WHERE connection = ? AND stream = ? AND key = ?');
    const forget = db.prepare('DELETE FROM written WHERE mapping = ? AND flow = ? AND key = ?');
    try {
      for (const d of damaged) (d.tbl === 'mirror' ? del : forget).run([d.scope, d.part, d.key]);
    } finally {
      del.free();
      forget.free();
    }
    const cursor = 'DELETE FROM cursors WHERE connection = ? AND stream = ?';
    for (const [d] of byStream.values()) db.run(cursor, [d.scope, d.part]);
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
  const reasons = (list: DamagedValue[]) => [...new Set(list.map((d) => d.reason))].join('; ');
  const notes: string[] = [];
  if (records.length) {
    const keys = (list: DamagedValue[]) =>
      `${list
        .slice(0, 5)
        .map((d) => d.key)
        .join(', ')}${list.length > 5 ? ', ...' : ''}`;
    const streams = [...byStream.entries()].map(([s, list]) => `${s}: ${list.length} (${keys(list)})`);
    notes.push(
      `${records.length} stored source record(s) in ${logPath} could not be trusted (${reasons(records)}); ` +
        `they were dropped and their streams are read again in full from the source: ${streams.join('; ')}`,
    );
  }
  if (payloads.length) {
    notes.push(
      `${payloads.length} kept payload(s) of earlier writes in ${logPath} could not be trusted ` +
        `(${reasons(payloads)}); they were dropped (dry runs show only the new values of those records; ` +
        'what is written does not depend on them)',
    );
  }
  return notes.join('; ');
}
