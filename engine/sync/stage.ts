import type { Flow } from '../config/types.generated.js';
import { getPath, holds } from '../map/expression.js';
import { canonicalJson, payloadHash } from '../map/canonical.js';
import { mappingFunctions, readsClock } from '../map/functions.js';
import { parseInstant } from '../read/datetime-format.js';
import { StreamReader } from '../read/reader.js';
import type { LiveConnection } from '../runtime/connection.js';
import { clearReadFailures, clearStaleReadFailures, hasReadFailures, recordReadFailures, type ReadFailure } from '../store/read-failures.js';
import type { StateStore } from '../store/state.js';
import type { FlowSummary, RunWarning, SyncEvent } from './events.js';
import { explainFilterError } from './filter-error.js';

type Consumer = { flow: string; role: 'parent' } | { flow: string; role: 'child'; rel: string; on: string; where?: string; sourceQuery?: Record<string, string> };

const bindings = Object.fromEntries(Object.entries(mappingFunctions(() => new Date())).map(([k, f]) => [k, f.fn]));

/**
 * A stream read only as related records, whose filters do not depend on the clock, keeps the
 * data of just the records some filter lets through (the open invoices): the others are kept as
 * key, version and link, enough to notice their changes. The returned signature changes with the
 * filters, and a changed signature makes the stream be read again in full.
 */
function mirrorFilter(cons: Consumer[]): { wheres: string[]; signature: string } | undefined {
  if (!cons.every((c) => c.role === 'child' && c.where && !readsClock(c.where))) return undefined;
  const wheres = [...new Set(cons.map((c) => (c as { where: string }).where))].sort();
  return { wheres, signature: canonicalJson(wheres) };
}

/**
 * The query that asks the source for only what the joins keep, when every reader of the stream
 * declares the same one; a flow reading the stream as its own records needs all of them.
 */
function sourceQuery(cons: Consumer[]): Record<string, string> | undefined {
  const queries = cons.map((c) => (c.role === 'child' ? c.sourceQuery : undefined));
  if (!queries[0] || !Object.keys(queries[0]).length) return undefined;
  const first = canonicalJson(queries[0]);
  return queries.every((q) => q && canonicalJson(q) === first) ? queries[0] : undefined;
}

interface Staged {
  key: string;
  version: string;
  /** JSON of the record, or null when only its key, version and links are kept */
  data: string | null;
  /** Per consumer: the parent keys this record names (the last one is current) */
  parents: (string | null)[][];
}

/**
 * Stages one page in one transaction, looking keys up a page at a time (the keys passed as one
 * JSON parameter: sql.js costs several µs per statement call). Returns how many records changed.
 */
function stagePage(state: StateStore, mapping: string, connection: string, stream: string, cons: Consumer[], page: Staged[]): number {
  if (!page.length) return 0;
  return state.transaction(() => {
    const before = new Map(
      state
        .all<{ key: string; version: string }>('SELECT m.key, m.version FROM json_each(?) j CROSS JOIN mirror m ON m.connection = ? AND m.stream = ? AND m.key = j.value', [JSON.stringify(page.map((r) => r.key)), connection, stream])
        .map((r) => [r.key, r.version]),
    );
    // A record whose key and version the mirror already has is a re-read and changes nothing.
    const changed = page.filter((r) => before.get(r.key) !== r.version);
    if (!changed.length) return 0;
    const keys = JSON.stringify(changed.map((r) => r.key));
    // One statement per row here: binding values is cheaper than SQLite parsing them out of a JSON array.
    const stored = state.storeValues(changed.map((r) => r.data));
    changed.forEach((r, i) => state.run('INSERT OR REPLACE INTO mirror (connection, stream, key, version, data, pos, len) VALUES (?, ?, ?, ?, ?, ?, ?)', [connection, stream, r.key, r.version, ...stored[i]]));
    cons.forEach((c, i) => {
      const pending = new Set<string>();
      if (c.role === 'parent') {
        for (const r of changed) pending.add(r.key);
      } else {
        // An invoice re-maps the customer it names now and the one it named before.
        const old = state.all<{ parent_key: string | null }>('SELECT l.parent_key FROM json_each(?) j CROSS JOIN links l ON l.mapping = ? AND l.flow = ? AND l.rel = ? AND l.child_key = j.value', [keys, mapping, c.flow, c.rel]);
        for (const r of old) if (r.parent_key !== null) pending.add(r.parent_key);
        for (const r of changed) for (const p of r.parents[i]) if (p !== null) pending.add(p);
        state.run('INSERT OR REPLACE INTO links (mapping, flow, rel, child_key, parent_key) SELECT ?, ?, ?, value ->> 0, value ->> 1 FROM json_each(?)', [
          mapping, c.flow, c.rel, JSON.stringify(changed.map((r) => [r.key, r.parents[i].at(-1)])),
        ]);
      }
      if (pending.size) state.run('INSERT OR IGNORE INTO pending (mapping, flow, key) SELECT ?, ?, value FROM json_each(?)', [mapping, c.flow, JSON.stringify([...pending])]);
    });
    return changed.length;
  });
}

/** Source records that failed at reading: all counted, the first few kept */
export interface ReadFailures {
  count: number;
  sample: { key: string; reason: string }[];
}

export interface StageResult {
  /** Records read per stream */
  read: Map<string, number>;
  /** Per flow: source records that failed at reading */
  failed: Map<string, ReadFailures>;
  warnings: RunWarning[];
}

/** A copy of a record in one read: its version, and its time (the cursor field) for versions that have no order */
interface Copy {
  version: string;
  time: number;
}

/**
 * Two copies of one key in one read: the higher version wins; equal ones, the later copy.
 * Versions compare as numbers or instants; opaque ones (a row-version token, a hash) by the
 * record's last-modified time; with neither, the later copy wins.
 */
export function compareCopies(a: Copy, b: Copy): number {
  const num = /^-?\d+(\.\d+)?$/;
  if (num.test(a.version) && num.test(b.version)) return Number(a.version) - Number(b.version);
  const va = parseInstant(a.version);
  const vb = parseInstant(b.version);
  if (Number.isFinite(va) && Number.isFinite(vb)) return va - vb;
  return Number.isFinite(a.time) && Number.isFinite(b.time) ? a.time - b.time : 0;
}

/** Source records that failed at reading count as failed records of the flows that read them. */
export function addReadFailures(summary: FlowSummary, failed: ReadFailures | undefined): void {
  if (!failed) return;
  summary.failed += failed.count;
  summary.failures.unshift(...failed.sample);
  summary.failures.splice(20);
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
const quote = (v: unknown) => {
  const t = JSON.stringify(v) ?? String(v);
  return t.length > 80 ? `${t.slice(0, 80)}…` : t;
};

/**
 * Reads every source stream the flows use, from its saved cursor, and stages what changed in the
 * source mirror. A record whose key and version the mirror already has is a re-read (lookback,
 * inclusive boundary) and changes nothing. Each change marks the target records it affects as
 * pending: its own (a customer), or its parent's, old and new (an invoice re-maps its customer).
 * Pending marks and the new cursors are persisted together, so no change is lost between runs.
 */
export async function stageStreams(o: {
  state: StateStore;
  mapping: string;
  /** Read failures are recorded under it */
  runId: string;
  conn: LiveConnection;
  flows: [string, Flow][];
  full: boolean;
  persistCursors: boolean;
  onEvent: (e: SyncEvent) => void;
}): Promise<StageResult> {
  const { state, conn } = o;
  const consumers = new Map<string, Consumer[]>();
  const add = (stream: string, c: Consumer) => consumers.set(stream, [...(consumers.get(stream) ?? []), c]);
  for (const [name, flow] of o.flows) {
    add(flow.from, { flow: name, role: 'parent' });
    for (const [rel, j] of Object.entries(flow.join ?? {})) add(j.from, { flow: name, role: 'child', rel, on: j.on, where: j.where, sourceQuery: j.source_query });
  }
  const read = new Map<string, number>();
  const failedBy = new Map<string, ReadFailures>();
  const warnings: RunWarning[] = [];
  const nowIso = new Date().toISOString();
  // The streams are read side by side: the source prepares one's next page while another's is staged.
  const stageStream = async (streamName: string, cons: Consumer[]) => {
    const stream = conn.connector.streams![streamName];
    const filter = mirrorFilter(cons);
    const filterKey = `mirror_filter:${conn.name}:${streamName}`;
    const signature = filter?.signature ?? 'all';
    let full = o.full;
    if ((state.getMeta(filterKey) ?? 'all') !== signature) {
      // What the mirror kept was chosen by other filters: read the stream again from scratch.
      state.run('DELETE FROM mirror WHERE connection = ? AND stream = ?', [conn.name, streamName]);
      full = true;
    }
    if (o.persistCursors) state.setMeta(filterKey, signature);
    const saved = state.get<{ value: string }>('SELECT value FROM cursors WHERE connection = ? AND stream = ?', [conn.name, streamName])?.value;
    // Filtered at the source only into an empty mirror: a record the filter now leaves out
    // (an invoice paid since) would otherwise stay in the mirror as it was.
    const filtered = sourceQuery(cons);
    const initial = filtered && (full || saved === undefined) && !state.get('SELECT 1 AS x FROM mirror WHERE connection = ? AND stream = ? LIMIT 1', [conn.name, streamName]);
    const reader = new StreamReader({ client: conn.client, baseUrl: conn.baseUrl, vars: conn.vars, name: streamName, stream, saved, full, query: initial ? filtered : undefined });
    let count = 0;
    let changed = 0;
    // Read failures are keyed "#<stream>:..." so they never meet a flow's own record keys.
    const prefix = `#${streamName}:`;
    const flowNames = [...new Set(cons.map((c) => c.flow))];
    const clearing = hasReadFailures(state, o.mapping, prefix);
    const warn = (w: RunWarning) => {
      warnings.push(w);
      o.onEvent({ type: 'warning', ...w });
    };
    for (const message of reader.warnings) warn({ stream: streamName, message });
    /** The copy of each key staged in this read: a later, lower copy is dropped */
    const seen = new Map<string, Copy>();
    const timeField = stream.incremental?.field;
    for await (const page of reader.pages()) {
      count += page.length;
      const { number, notes } = reader.page;
      const staged = new Map<string, Staged>();
      const failed: ReadFailure[] = [];
      const fine: string[] = [];
      const fail = (key: string, reason: string) => {
        for (const flow of flowNames) {
          failed.push({ flow, key, reason });
          const f = failedBy.get(flow) ?? { count: 0, sample: [] };
          failedBy.set(flow, f);
          f.count++;
          if (f.sample.length < 20) f.sample.push({ key, reason });
          o.onEvent({ type: 'record:failed', flow, key, reason });
        }
      };
      for (let pos = 0; pos < page.length; pos++) {
        const record: unknown = page[pos];
        const at = `stream ${streamName}, page ${number}, record ${pos + 1}`;
        // A record that cannot be keyed is kept by its place in the read (and a hash, so two of them never merge).
        const placed = () => `${prefix}p${number}:${pos + 1}:${payloadHash(record ?? null).slice(0, 8)}`;
        if (record === null || typeof record !== 'object' || Array.isArray(record)) {
          fail(placed(), `${at}: the record is ${typeOf(record)} (${quote(record)}), not an object; it cannot be synced`);
          continue;
        }
        const k = getPath(record, stream.primary_key);
        if (k === undefined || k === null || k === '') {
          fail(placed(), `${at}: primary key ${stream.primary_key} is ${k === undefined ? 'missing' : k === null ? 'null' : 'empty'}; the record cannot be synced`);
          continue;
        }
        if (typeof k === 'object') {
          const raw = JSON.stringify(k);
          fail(raw.length <= 200 ? `${prefix}${raw}` : placed(), `${at}: primary key ${stream.primary_key} is ${typeOf(k)} (${quote(k)}), not a value; the record cannot be synced`);
          continue;
        }
        const key = String(k);
        const problems: string[] = [];
        const note = notes.get(pos);
        if (note?.level === 'warning') warn({ stream: streamName, key, message: note.message });
        else if (note) problems.push(note.message);
        const v = stream.version ? getPath(record, stream.version) : undefined;
        // No usable version: the record's hash, so every change is still noticed.
        const version = v === undefined || v === null || v === '' ? payloadHash(record) : typeof v === 'object' ? payloadHash(v) : String(v);
        let keep = !filter;
        for (const w of filter?.wheres ?? []) {
          try {
            if ((keep = await holds(w, record, `stream ${streamName} join filter`, bindings))) break;
          } catch (e) {
            // Kept in the mirror, so the record it belongs to fails in mapping too, rather than being written without it.
            problems.push(`join filter "${w}" cannot judge it: ${explainFilterError(w, record, e)}`);
            keep = true;
            break;
          }
        }
        const copy = { version, time: timeField ? parseInstant(getPath(record, timeField), stream.incremental?.timezone ?? 'UTC') : NaN };
        const before = seen.get(key);
        if (before !== undefined && compareCopies(copy, before) < 0) continue;
        seen.set(key, copy);
        if (problems.length) fail(`${prefix}${key}`, `stream ${streamName}, record ${key} (page ${number}, record ${pos + 1}): ${problems.join('; ')}`);
        else if (clearing) fine.push(`${prefix}${key}`);
        // A key twice in one page: every parent it named is re-mapped.
        const parents = cons.map((c, i) => {
          if (c.role === 'parent') return [];
          const p = getPath(record, c.on);
          return [...(staged.get(key)?.parents[i] ?? []), p === undefined || p === null ? null : String(p)];
        });
        staged.set(key, { key, version, data: keep ? JSON.stringify(record) : null, parents });
      }
      changed += stagePage(state, o.mapping, conn.name, streamName, cons, [...staged.values()]);
      recordReadFailures(state, o.mapping, o.runId, nowIso, failed);
      clearReadFailures(state, o.mapping, fine);
      o.onEvent({ type: 'page', connection: conn.name, stream: streamName, page: number, read: count, changed });
    }
    // A full read saw every record: a read failure it did not report again is gone from the source.
    if (full && clearing) clearStaleReadFailures(state, o.mapping, prefix, o.runId);
    const cursor = reader.cursor();
    if (o.persistCursors && cursor !== undefined) {
      state.run('INSERT OR REPLACE INTO cursors (connection, stream, value, updated_at) VALUES (?, ?, ?, ?)', [conn.name, streamName, cursor, new Date().toISOString()]);
    }
    read.set(streamName, count);
    o.onEvent({ type: 'stage', connection: conn.name, stream: streamName, read: count, changed });
  };
  await Promise.all([...consumers].map(([name, cons]) => stageStream(name, cons)));
  return { read, failed: failedBy, warnings };
}
