import type { Flow } from '../config/types.generated.js';
import { getPath } from '../map/expression.js';
import { canonicalJson, payloadHash } from '../map/canonical.js';
import { evaluate } from '../map/expression.js';
import { mappingFunctions } from '../map/functions.js';
import { StreamReader } from '../read/reader.js';
import type { LiveConnection } from '../runtime/connection.js';
import type { StateStore } from '../store/state.js';
import type { SyncEvent } from './events.js';

type Consumer = { flow: string; role: 'parent' } | { flow: string; role: 'child'; rel: string; on: string; where?: string };

const CLOCK_FUNCTIONS = /\$(now|millis|today|daysOverdue)\s*\(/;
const bindings = Object.fromEntries(Object.entries(mappingFunctions(() => new Date())).map(([k, f]) => [k, f.fn]));

/**
 * A stream read only as related records, whose filters do not depend on the clock, keeps the
 * data of just the records some filter lets through (the open invoices): the others are kept as
 * key, version and link, enough to notice their changes. The returned signature changes with the
 * filters, and a changed signature makes the stream be read again in full.
 */
function mirrorFilter(cons: Consumer[]): { wheres: string[]; signature: string } | undefined {
  if (!cons.every((c) => c.role === 'child' && c.where && !CLOCK_FUNCTIONS.test(c.where))) return undefined;
  const wheres = [...new Set(cons.map((c) => (c as { where: string }).where))].sort();
  return { wheres, signature: canonicalJson(wheres) };
}

export interface StageResult {
  /** Records read per stream */
  read: Map<string, number>;
}

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
    for (const [rel, j] of Object.entries(flow.join ?? {})) add(j.from, { flow: name, role: 'child', rel, on: j.on, where: j.where });
  }
  const read = new Map<string, number>();
  for (const [streamName, cons] of consumers) {
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
    const reader = new StreamReader({ client: conn.client, baseUrl: conn.baseUrl, vars: conn.vars, name: streamName, stream, saved, full });
    let count = 0;
    let changed = 0;
    for await (const page of reader.pages()) {
        const keep = new Set<unknown>();
        if (filter) {
          for (const record of page) {
            for (const w of filter.wheres) {
              if ((await evaluate(w, record, `stream ${streamName} join filter`, bindings)) === true) {
                keep.add(record);
                break;
              }
            }
          }
        }
        state.transaction(() => {
          for (const record of page) {
            count++;
            const k = getPath(record, stream.primary_key);
            if (k === undefined || k === null || k === '') continue;
            const key = String(k);
            const version = stream.version && getPath(record, stream.version) !== undefined ? String(getPath(record, stream.version)) : payloadHash(record);
            const before = state.get<{ version: string }>('SELECT version FROM mirror WHERE connection = ? AND stream = ? AND key = ?', [conn.name, streamName, key])?.version;
            if (before === version) continue;
            changed++;
            const data = !filter || keep.has(record) ? canonicalJson(record) : null;
            state.run('INSERT OR REPLACE INTO mirror (connection, stream, key, version, data) VALUES (?, ?, ?, ?, ?)', [conn.name, streamName, key, version, data]);
            for (const c of cons) {
              if (c.role === 'parent') {
                state.run('INSERT OR IGNORE INTO pending (mapping, flow, key) VALUES (?, ?, ?)', [o.mapping, c.flow, key]);
                continue;
              }
              const p = getPath(record, c.on);
              const parent = p === undefined || p === null ? null : String(p);
              const old = state.get<{ parent_key: string | null }>('SELECT parent_key FROM links WHERE mapping = ? AND flow = ? AND rel = ? AND child_key = ?', [o.mapping, c.flow, c.rel, key])?.parent_key ?? null;
              state.run('INSERT OR REPLACE INTO links (mapping, flow, rel, child_key, parent_key) VALUES (?, ?, ?, ?, ?)', [o.mapping, c.flow, c.rel, key, parent]);
              for (const pk of new Set([parent, old])) if (pk !== null) state.run('INSERT OR IGNORE INTO pending (mapping, flow, key) VALUES (?, ?, ?)', [o.mapping, c.flow, pk]);
            }
          }
        });
    }
    const cursor = reader.cursor();
    if (o.persistCursors && cursor !== undefined) {
      state.run('INSERT OR REPLACE INTO cursors (connection, stream, value, updated_at) VALUES (?, ?, ?, ?)', [conn.name, streamName, cursor, new Date().toISOString()]);
    }
    read.set(streamName, count);
    o.onEvent({ type: 'stage', connection: conn.name, stream: streamName, read: count, changed });
  }
  return { read };
}
