import type { Flow, Stream } from '../config/types.generated.js';
import { canonicalJson } from '../map/canonical.js';
import { getPath } from '../map/expression.js';
import { readsClock } from '../map/functions.js';
import { cursorTimeField } from '../read/cursors.js';
import { parseInstant } from '../read/datetime-format.js';
import { StreamReader, type PageInfo } from '../read/reader.js';
import type { LiveConnection } from '../runtime/connection.js';
import { READ_STAGE, type StateBackend, type StreamRef } from '../store/backend.js';
import type { FlowSummary, RunWarning, SyncEvent } from './events.js';
import { stagePage, type Consumer, type Staged } from './stage-page.js';
import { checkRecord, type CheckedRecord, type RecordPlace } from './stage-record.js';
import { valueText } from '../util/text.js';

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

export interface StageOptions {
  store: StateBackend;
  mapping: string;
  /** Read failures are recorded under it */
  runId: string;
  conn: LiveConnection;
  flows: [string, Flow][];
  full: boolean;
  persistCursors: boolean;
  onEvent: (e: SyncEvent) => void;
  /** What join filters can call (mappingBindings): the built-in and the mapping's custom functions */
  bindings: Record<string, unknown>;
}

/** What the streams of one staging share: where they report. */
interface StageRun extends StageOptions, StageResult {
  nowIso: string;
}

/** A source record that failed at reading, for one flow that reads it. */
interface ReadFailure {
  flow: string;
  key: string;
  reason: string;
}

/**
 * Reads every source stream the flows use, from its saved cursor, and stages what changed in the
 * source mirror. A record whose key and version the mirror already has is a re-read (lookback,
 * inclusive boundary) and changes nothing. Each change marks the target records it affects as
 * pending: its own (a customer), or its parent's, old and new (an invoice re-maps its customer).
 * Pending marks and the new cursors are persisted together, so no change is lost between runs.
 */
export async function stageStreams(o: StageOptions): Promise<StageResult> {
  const consumers = new Map<string, Consumer[]>();
  const add = (stream: string, c: Consumer) => consumers.set(stream, [...(consumers.get(stream) ?? []), c]);
  for (const [name, flow] of o.flows) {
    add(flow.from, { flow: name, role: 'parent' });
    for (const [rel, j] of Object.entries(flow.join ?? {})) {
      add(j.from, { flow: name, role: 'child', rel, on: j.on, where: j.where, sourceQuery: j.source_query });
    }
  }
  const run: StageRun = { ...o, read: new Map(), failed: new Map(), warnings: [], nowIso: new Date().toISOString() };
  // The streams are read side by side: the source prepares one's next page while another's is staged.
  await Promise.all([...consumers].map(([name, cons]) => new StreamStage(run, name, cons).run()));
  return { read: run.read, failed: run.failed, warnings: run.warnings };
}

/** One stream's read: its pages staged one by one, then its cursor saved. */
class StreamStage {
  private readonly ref: StreamRef;
  /** Read failures are keyed "#<stream>:..." so they never meet a flow's own record keys */
  private readonly prefix: string;
  /** The copy of each key staged in this read: a later, lower copy is dropped */
  private readonly seen = new Map<string, Copy>();
  private readonly flowNames: string[];
  private count = 0;
  private changed = 0;

  constructor(
    private readonly o: StageRun,
    private readonly name: string,
    private readonly cons: Consumer[],
  ) {
    this.ref = { connection: o.conn.name, stream: name };
    this.prefix = `#${name}:`;
    this.flowNames = [...new Set(cons.map((c) => c.flow))];
  }

  /** The stream's spec (a flow reads only streams its source connector declares: lint checks it). */
  private get stream(): Stream {
    const stream: Stream | undefined = this.o.conn.connector.streams?.[this.name];
    if (!stream) throw new Error(`connector ${this.o.conn.connector.name} has no stream ${this.name}`);
    return stream;
  }

  async run(): Promise<void> {
    const { store, mapping } = this.o;
    const { reader, full, wheres } = await this.open();
    const clearing = await store.failures.hasRead(mapping, this.prefix);
    for (const message of reader.warnings) this.warn({ stream: this.name, message });
    for await (const page of reader.pages()) await this.stage(page, reader.page, wheres, clearing);
    // A full read saw every record: a read failure it did not report again is gone from the source.
    if (full && clearing) await store.failures.clearStaleRead(mapping, this.prefix, this.o.runId);
    const cursor = reader.cursor();
    if (this.o.persistCursors && cursor !== undefined)
      await store.cursors.set(this.ref, cursor, new Date().toISOString());
    this.o.read.set(this.name, this.count);
    this.o.onEvent({
      type: 'stage',
      connection: this.ref.connection,
      stream: this.name,
      read: this.count,
      changed: this.changed,
    });
  }

  /** The reader of this run: from the saved cursor, or from scratch when the mirror's filter changed. */
  private async open(): Promise<{ reader: StreamReader; full: boolean; wheres?: string[] }> {
    const { store, conn } = this.o;
    const { stream } = this;
    const filter = mirrorFilter(this.cons);
    const filterKey = `mirror_filter:${conn.name}:${this.name}`;
    const signature = filter?.signature ?? 'all';
    let full = this.o.full;
    if (((await store.meta.get(filterKey)) ?? 'all') !== signature) {
      // What the mirror kept was chosen by other filters: read the stream again from scratch.
      await store.mirror.clear(this.ref);
      full = true;
    }
    if (this.o.persistCursors) await store.meta.set(filterKey, signature);
    const saved = await store.cursors.get(this.ref);
    // Filtered at the source only into an empty mirror: a record the filter now leaves out
    // (an invoice paid since) would otherwise stay in the mirror as it was.
    const filtered = sourceQuery(this.cons);
    const initial = filtered && (full || saved === undefined) && (await store.mirror.isEmpty(this.ref));
    const query = initial ? filtered : undefined;
    const { client, baseUrl, vars } = conn;
    const reader = new StreamReader({ client, baseUrl, vars, name: this.name, stream, saved, full, query });
    return { reader, full, wheres: filter?.wheres };
  }

  private async stage(page: unknown[], info: PageInfo, wheres: string[] | undefined, clearing: boolean): Promise<void> {
    this.count += page.length;
    const staged = new Map<string, Staged>();
    const failed: ReadFailure[] = [];
    const fine: string[] = [];
    const { stream } = this;
    for (let pos = 0; pos < page.length; pos++) {
      const place: RecordPlace = {
        streamName: this.name,
        stream,
        bindings: this.o.bindings,
        prefix: this.prefix,
        page: info.number,
        pos,
      };
      const warn = (key: string, message: string) => {
        this.warn({ stream: this.name, key, message });
      };
      const c = await checkRecord(page[pos], place, info.notes.get(pos), wheres, warn);
      if (!c.keyed) {
        this.fail(failed, c.key, c.reason);
        continue;
      }
      if (!this.isLatestCopy(c)) continue;
      const { key, problems } = c;
      const where = `stream ${this.name}, record ${key} (page ${info.number}, record ${pos + 1})`;
      if (problems.length) this.fail(failed, `${this.prefix}${key}`, `${where}: ${problems.join('; ')}`);
      else if (clearing) fine.push(`${this.prefix}${key}`);
      staged.set(key, {
        key,
        version: c.version,
        data: c.keep ? JSON.stringify(c.record) : null,
        parents: this.parentsOf(c.record, staged.get(key)),
        deletion: c.deletion,
      });
    }
    const { runId, nowIso: at } = this.o;
    const deletions = stream.deletion ? { runId, at } : undefined;
    const into = { s: this.ref, cons: this.cons, deletions };
    this.changed += await stagePage(this.o.store, this.o.mapping, into, [...staged.values()]);
    await this.recordReadFailures(failed);
    if (fine.length) await this.o.store.failures.clearRead(this.o.mapping, fine);
    const { connection } = this.ref;
    this.o.onEvent({
      type: 'page',
      connection,
      stream: this.name,
      page: info.number,
      read: this.count,
      changed: this.changed,
    });
  }

  /** Whether this copy of a key is the latest one of the read so far (a later, lower copy is dropped). */
  private isLatestCopy(c: CheckedRecord & { keyed: true }): boolean {
    // Only cursors on a record field give a copy a time (a response token says nothing of one record).
    const byField = cursorTimeField(this.stream.incremental);
    const time = byField ? parseInstant(getPath(c.record, byField.field), byField.timezone) : NaN;
    const copy = { version: c.version, time };
    const before = this.seen.get(c.key);
    if (before !== undefined && compareCopies(copy, before) < 0) return false;
    this.seen.set(c.key, copy);
    return true;
  }

  /** Per consumer, the parent keys the record names; a key twice in one page: every parent it named is re-mapped. */
  private parentsOf(record: Record<string, unknown>, earlier: Staged | undefined): (string | null)[][] {
    return this.cons.map((c, i) => {
      if (c.role === 'parent') return [];
      const p = getPath(record, c.on);
      return [...(earlier?.parents[i] ?? []), p === undefined || p === null ? null : valueText(p)];
    });
  }

  private fail(failed: ReadFailure[], key: string, reason: string): void {
    for (const flow of this.flowNames) {
      failed.push({ flow, key, reason });
      const f = this.o.failed.get(flow) ?? { count: 0, sample: [] };
      this.o.failed.set(flow, f);
      f.count++;
      if (f.sample.length < 20) f.sample.push({ key, reason });
      this.o.onEvent({ type: 'record:failed', flow, key, reason });
    }
  }

  private warn(w: RunWarning): void {
    this.o.warnings.push(w);
    this.o.onEvent({ type: 'warning', ...w });
  }

  /**
   * Source records the reader could not key, or could not fully trust (an unreadable cursor
   * field, a join filter that cannot judge them), go to the failure queue with stage "read";
   * only reading the record again clears one.
   */
  private async recordReadFailures(list: ReadFailure[]): Promise<void> {
    if (!list.length) return;
    const { mapping, runId, nowIso: at } = this.o;
    await this.o.store.transaction(async (tx) => {
      await tx.failures.record(
        { mapping, runId, at },
        list.map((f) => ({ ...f, stage: READ_STAGE })),
      );
      await tx.audit.add(
        list.map((f) => ({
          runId,
          mapping,
          flow: f.flow,
          key: f.key,
          action: 'failed',
          targetId: null,
          payloadHash: null,
          sourceVersion: null,
          error: f.reason,
          at,
        })),
      );
    });
  }
}
