import type { Flow, Stream } from '../config/types.generated.js';
import { listKeys, type KeyListing } from '../read/key-listing.js';
import type { LiveConnection } from '../runtime/connection.js';
import type { DeletionEvidence, Repositories, StateBackend, StreamRef } from '../store/backend.js';
import { parseDuration } from '../util/duration.js';
import type { ReconcileSummary, RunWarning } from './events.js';

export type { ReconcileSummary };

/** A stream's reconcile interval when neither the stream nor a flow names one. */
export const DEFAULT_RECONCILE_EVERY = '7d';

/** What one stream's key-set reconcile did (or, in a dry run, would do). */
/** A flow that reads a stream: as its own records, or through one of its joins. */
interface Reader {
  flow: string;
  rel?: string;
}

export interface ReconcileOptions {
  /** Where marks go: the state, or a dry run's throwaway copy */
  store: StateBackend;
  mapping: string;
  runId: string;
  conn: LiveConnection;
  /** The flows of this run: the streams they read are reconciled */
  flows: [string, Flow][];
  /** Every flow of the mapping: a deletion is pending for each that reads the stream, run now or not */
  allFlows: [string, Flow][];
  /** Reconcile every declaring stream now, whether due or not (mlc sync --reconcile) */
  force: boolean;
  dryRun: boolean;
  now: Date;
  /** Streams this run read into an empty mirror: their reconcile clock starts now, nothing to list */
  freshStreams: Set<string>;
  warn: (w: RunWarning) => void;
}

/** The stream's reconcile declaration, with the interval the flows reading it ask for (the shortest). */
function reconcilePlan(
  stream: Stream | undefined,
  readers: Reader[],
  flows: Map<string, Flow>,
): { everyMs: number; query?: Record<string, string>; pageSize?: number } | undefined {
  const spec = stream?.deletion?.reconcile;
  if (!spec) return undefined;
  const fallback = parseDuration(spec.every ?? DEFAULT_RECONCILE_EVERY, 0);
  const overrides = readers.flatMap((r) => {
    const every = r.rel === undefined ? flows.get(r.flow)?.reconcile?.every : undefined;
    return every ? [parseDuration(every, fallback)] : [];
  });
  const everyMs = overrides.length ? Math.min(...overrides) : fallback;
  return { everyMs, query: spec.query, pageSize: spec.page_size };
}

/** Per source stream, the flows that read it (as their records, or through a join). */
function readersByStream(flows: [string, Flow][]): Map<string, Reader[]> {
  const out = new Map<string, Reader[]>();
  const add = (stream: string, r: Reader) => out.set(stream, [...(out.get(stream) ?? []), r]);
  for (const [name, flow] of flows) {
    add(flow.from, { flow: name });
    for (const [rel, j] of Object.entries(flow.join ?? {})) add(j.from, { flow: name, rel });
  }
  return out;
}

/**
 * Runs the key-set reconcile of every source stream that declares one and is due (its last
 * complete reconcile older than its interval), or of all of them when forced. Sources that
 * hard-delete without telling (no tombstone, no status) show a deletion only as a key that a
 * complete listing no longer has (DESIGN "Records deleted or deactivated at the source").
 */
export async function reconcileStreams(o: ReconcileOptions): Promise<ReconcileSummary[]> {
  const flows = new Map(o.flows);
  const everyReader = readersByStream(o.allFlows);
  const out: ReconcileSummary[] = [];
  for (const [name, readers] of readersByStream(o.flows)) {
    const stream = o.conn.connector.streams?.[name];
    const plan = reconcilePlan(stream, readers, flows);
    if (!stream || !plan) continue;
    const ref = { connection: o.conn.name, stream: name };
    const last = await o.store.reconciles.last(ref);
    if (!o.force && !last && o.freshStreams.has(name)) {
      // The mirror was just filled by a full read: it holds nothing the source had already deleted.
      if (!o.dryRun) await o.store.reconciles.record(ref, o.now.toISOString(), o.runId);
      continue;
    }
    const due = !last || o.now.getTime() - Date.parse(last.at) >= plan.everyMs;
    if (!o.force && !due) continue;
    out.push(await reconcileStream(o, ref, stream, everyReader.get(name) ?? readers, plan));
  }
  if (o.force && !out.length)
    o.warn({ stream: '*', message: 'reconcile asked for, but no source stream of these flows declares one' });
  return out;
}

async function reconcileStream(
  o: ReconcileOptions,
  ref: StreamRef,
  stream: Stream,
  readers: Reader[],
  plan: { query?: Record<string, string>; pageSize?: number },
): Promise<ReconcileSummary> {
  const { client, baseUrl, vars } = o.conn;
  const before = client.stats.requests;
  const listing = await listKeys({ client, baseUrl, vars, name: ref.stream, stream, ...plan });
  const requests = client.stats.requests - before;
  if (!listing.complete) {
    const message = `reconcile found no deletions: the listing of its keys is incomplete (${listing.reason})`;
    o.warn({ stream: ref.stream, message });
    const { reason, listed } = listing;
    return { stream: ref.stream, complete: false, reason, listed, requests, deleted: 0, restored: 0, sample: [] };
  }
  const { deleted, restored } = await applyListing(o, ref, readers, listing);
  if (!o.dryRun) await o.store.reconciles.record(ref, o.now.toISOString(), o.runId);
  const summary = { stream: ref.stream, complete: true, listed: listing.keys.length, requests };
  return { ...summary, deleted: deleted.length, restored: restored.length, sample: deleted.slice(0, 20) };
}

/**
 * Marks the keys the mirror has and a complete listing does not; clears the reconcile marks of
 * keys listed again. Both make the target records they affect pending, in one transaction.
 */
async function applyListing(
  o: ReconcileOptions,
  ref: StreamRef,
  readers: Reader[],
  listing: KeyListing & { complete: true },
): Promise<{ deleted: string[]; restored: string[] }> {
  const { store } = o;
  const missing = await store.mirror.missingFrom(ref, listing.keys);
  const known = await store.deletions.load(ref, missing);
  // Already known deleted (a tombstone, a webhook, an earlier reconcile): the evidence stays as it is.
  // A deactivated record that is now gone altogether is deleted: its evidence is replaced.
  const deleted = missing.filter((k) => {
    const e = known.get(k);
    return !e || e.kind === 'status';
  });
  const marked = await store.deletions.load(ref, listing.keys);
  const restored = [...marked].filter(([, e]) => e.kind === 'reconcile').map(([k]) => k);
  if (!deleted.length && !restored.length) return { deleted, restored };
  const evidence: DeletionEvidence = {
    kind: 'reconcile',
    detail: `absent from a complete listing of ${listing.keys.length} keys`,
    runId: o.runId,
    at: o.now.toISOString(),
  };
  await store.transaction(async (tx) => {
    if (deleted.length)
      await tx.deletions.mark(
        ref,
        deleted.map((key) => ({ key, evidence })),
      );
    if (restored.length) await tx.deletions.clear(ref, restored);
    await markReaders(tx, o.mapping, readers, [...deleted, ...restored]);
  });
  return { deleted, restored };
}

/** The target records these source keys affect: a flow's own, or the parents its joins link them to. */
async function markReaders(tx: Repositories, mapping: string, readers: Reader[], keys: string[]): Promise<void> {
  for (const r of readers) {
    const f = { mapping, flow: r.flow };
    const pending = r.rel === undefined ? keys : await tx.links.parentsOf({ ...f, rel: r.rel }, keys);
    if (pending.length) await tx.pending.mark(f, [...new Set(pending)]);
  }
}
