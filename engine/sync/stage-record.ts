import type { Stream } from '../config/types.generated.js';
import { payloadHash } from '../map/canonical.js';
import { getPath, holds } from '../map/expression.js';
import type { RecordNote } from '../read/cursors.js';
import { detectDeletion, type DetectedDeletion } from './deletion-detect.js';
import { explainFilterError } from './filter-error.js';
import { valueText } from '../util/text.js';

/** Where a record was read: its stream, its page and its place in the page. */
export interface RecordPlace {
  streamName: string;
  stream: Stream;
  /** What the join filters can call: the mapping's functions, custom ones included */
  bindings: Record<string, unknown>;
  /** Read failures are keyed "#<stream>:..." so they never meet a flow's own record keys */
  prefix: string;
  page: number;
  pos: number;
}

/** A record read, checked: one that cannot be keyed (a read failure), or its key and what staging needs. */
export type CheckedRecord =
  | { keyed: false; key: string; reason: string }
  | {
      keyed: true;
      key: string;
      version: string;
      record: Record<string, unknown>;
      /** What makes the record a read failure (it is staged all the same) */
      problems: string[];
      /** Whether its data is kept in the mirror (some join filter lets it through) */
      keep: boolean;
      /** The stream's deletion expressions say it is deactivated or a tombstone */
      deletion?: DetectedDeletion;
    };

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
const quote = (v: unknown) => {
  // JSON.stringify gives undefined for undefined (a missing record), whatever its declared type says.
  const text = (JSON.stringify(v) as string | undefined) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
};

/** The record's key, or why it has none that can be synced (and the key its read failure is kept under). */
function keyOf(record: unknown, p: RecordPlace): { key: string } | { failKey: string; reason: string } {
  const at = `stream ${p.streamName}, page ${p.page}, record ${p.pos + 1}`;
  // A record that cannot be keyed is kept by its place in the read (and a hash, so two of them never merge).
  const placed = `${p.prefix}p${p.page}:${p.pos + 1}:${payloadHash(record ?? null).slice(0, 8)}`;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return {
      failKey: placed,
      reason: `${at}: the record is ${typeOf(record)} (${quote(record)}), not an object; it cannot be synced`,
    };
  }
  const pk = p.stream.primary_key;
  const k = getPath(record, pk);
  if (k === undefined || k === null || k === '') {
    const what = k === undefined ? 'missing' : k === null ? 'null' : 'empty';
    return { failKey: placed, reason: `${at}: primary key ${pk} is ${what}; the record cannot be synced` };
  }
  if (typeof k === 'object') {
    const raw = JSON.stringify(k);
    const reason = `${at}: primary key ${pk} is ${typeOf(k)} (${quote(k)}), not a value; the record cannot be synced`;
    return { failKey: raw.length <= 200 ? `${p.prefix}${raw}` : placed, reason };
  }
  return { key: valueText(k) };
}

/** No usable version: the record's hash, so every change is still noticed. */
function versionOf(record: Record<string, unknown>, stream: Stream): string {
  const v = stream.version ? getPath(record, stream.version) : undefined;
  if (v === undefined || v === null || v === '') return payloadHash(record);
  return typeof v === 'object' ? payloadHash(v) : valueText(v);
}

/** Whether any join filter lets the record through; a filter that cannot judge it keeps it, with a problem. */
async function kept(record: Record<string, unknown>, p: RecordPlace, wheres: string[] | undefined, problems: string[]) {
  if (!wheres) return true;
  for (const w of wheres) {
    try {
      if (await holds(w, record, `stream ${p.streamName} join filter`, p.bindings)) return true;
    } catch (e) {
      // Kept in the mirror, so the record it belongs to fails in mapping too, rather than being written without it.
      problems.push(`join filter "${w}" cannot judge it: ${explainFilterError(w, record, e)}`);
      return true;
    }
  }
  return false;
}

/**
 * Checks one record of a page: its key, version, what the cursor noted about it (a warning is
 * passed to `warn`, a failure becomes a problem), and whether the mirror keeps its data.
 */
export async function checkRecord(
  record: unknown,
  p: RecordPlace,
  note: RecordNote | undefined,
  wheres: string[] | undefined,
  warn: (key: string, message: string) => void,
): Promise<CheckedRecord> {
  const k = keyOf(record, p);
  if ('failKey' in k) return { keyed: false, key: k.failKey, reason: k.reason };
  const obj = record as Record<string, unknown>;
  const problems: string[] = [];
  if (note?.level === 'warning') warn(k.key, note.message);
  else if (note) problems.push(note.message);
  const version = versionOf(obj, p.stream);
  const keep = await kept(obj, p, wheres, problems);
  let deletion: DetectedDeletion | undefined;
  try {
    deletion = await detectDeletion(p.stream.deletion, obj, `stream ${p.streamName}`, p.bindings);
  } catch (e) {
    problems.push(`its deletion expression cannot judge it: ${(e as Error).message}`);
  }
  return { keyed: true, key: k.key, version, record: obj, problems, keep, ...(deletion ? { deletion } : {}) };
}
