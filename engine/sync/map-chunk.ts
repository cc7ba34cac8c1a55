import type { DeletionEvidence, StoredTarget } from '../store/backend.js';
import type { MapWorker } from '../map/map-pool.js';
import { mapRecord, type MapInput, type MapOutput, type PayloadShape } from '../map/map-record.js';
import type { DeletedEnding, Ending } from './endings.js';
import { sourceStream, type FlowRun, type Mapped } from './flow-run.js';

/** The worker's share of a chunk when there is one (this thread also handles reads, writes and state). */
const WORKER_SHARE = 0.55;

/** Where a flow's records are mapped: on the map worker, or on this thread; and the payload's custom-field keys. */
export interface MapVia {
  worker?: MapWorker;
  shape: PayloadShape;
}

/** A record deleted at the source that its flow archives or deletes in the target (by its target id). */
export interface Removal {
  key: string;
  targetId: string;
  matchValue: string;
  evidence: DeletionEvidence;
  version: string | null;
  action: 'archive' | 'delete';
}

/** What mapping a chunk decided: records to write, records that end without a write, and records to remove. */
export interface MappedChunk {
  toWrite: Mapped[];
  endings: Ending[];
  removals: Removal[];
}

interface Loaded {
  key: string;
  /** The source record's JSON and version, or undefined when the mirror no longer has it */
  row?: { data: string; version: string };
  /** Per join: its related records' JSON, ordered by key */
  related: [string, string[]][];
  prev?: StoredTarget;
  /** The source record is deleted or deactivated (and the flow says what to do about it) */
  deletion?: DeletionEvidence;
}

/** A loaded key whose source record the mirror still has: the only ones that are mapped. */
type Present = Loaded & { row: NonNullable<Loaded['row']> };

/** Reads what a chunk of keys needs from the state, a few calls for the whole chunk. */
async function loadChunk(r: FlowRun, keys: string[]): Promise<Loaded[]> {
  const { store, ref, flow } = r;
  const joins = Object.entries(flow.join ?? {});
  // Deletions matter only to a flow that says what to do with them (without on_delete they are ignored).
  const noDeletions = Promise.resolve(new Map<string, DeletionEvidence>());
  const [rows, prevs, deletions, ...children] = await Promise.all([
    store.mirror.load(sourceStream(r), keys),
    store.targets.load(ref, keys),
    flow.on_delete ? store.deletions.load(sourceStream(r), keys) : noDeletions,
    ...joins.map(([rel, j]) =>
      store.mirror.loadChildren({ ...ref, rel }, { connection: r.source.name, stream: j.from }, keys),
    ),
  ]);
  return keys.map((key) => {
    const related = joins.map(([rel], i): [string, string[]] => [rel, children[i].get(key) ?? []]);
    return { key, row: rows.get(key), related, prev: prevs.get(key), deletion: deletions.get(key) };
  });
}

/** Lets timers and sockets run (the previous chunk's job polls) while a chunk is mapped on this thread. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function mapHere(r: FlowRun, shape: PayloadShape, inputs: MapInput[]): Promise<MapOutput[]> {
  const done: MapOutput[] = [];
  for (const input of inputs) {
    if (done.length % 50 === 49) await yieldToEventLoop();
    done.push(await mapRecord(r.mapper, shape, input));
  }
  return done;
}

/** With a worker, this thread maps its share too: it only waits for the writers meanwhile. */
async function mapInputs(r: FlowRun, via: MapVia, inputs: MapInput[]): Promise<MapOutput[]> {
  const { worker } = via;
  const split = worker ? Math.ceil(inputs.length * WORKER_SHARE) : 0;
  const there = worker && split ? worker.map(r.now().getTime(), inputs.slice(0, split)) : Promise.resolve([]);
  const outputs = await Promise.all([there, mapHere(r, via.shape, inputs.slice(split))]);
  return outputs.flat();
}

/** What a mapped record comes to: a record to write, or an ending without a write. */
function decide(
  r: FlowRun,
  o: MapOutput,
  loaded: Present,
  before?: Map<string, Record<string, unknown>>,
): Mapped | Ending {
  const { key } = o;
  const { row, prev } = loaded;
  const version = row.version;
  if (o.kind === 'skip') return { kind: 'skipped', key, gone: false };
  if (o.kind === 'error') return { kind: 'failed', key, stage: 'map', reason: o.message, version };
  const { hash, payload, clockDependent, matchValue } = o;
  // Only a record the target holds is marked; one never written is created (with the mark payload).
  const deletion = loaded.deletion && prev ? { deletion: loaded.deletion } : {};
  if (prev && prev.hash === hash && prev.targetId) {
    return { kind: 'unchanged', key, targetId: prev.targetId, hash, version, clockDependent, payload };
  }
  const targetId = prev?.targetId && prev.matchValue === matchValue ? prev.targetId : undefined;
  return {
    item: { key, matchValue, payload, targetId },
    hash,
    clockDependent,
    version,
    action: r.op.upsert ? 'upsert' : targetId ? 'update' : 'create',
    before: before?.get(key),
    ...deletion,
  };
}

/**
 * Builds each record's input from the mirror, maps it (on the map worker when there is one), and
 * drops what is unchanged since the last write. Stores nothing: the caller ends the records.
 */
export async function mapChunk(r: FlowRun, keys: string[], via: MapVia): Promise<MappedChunk> {
  const present = new Map<string, Present>();
  const endings: Ending[] = [];
  const removals: Removal[] = [];
  const inputs: MapInput[] = [];
  for (const loaded of await loadChunk(r, keys)) {
    const { key, row, related } = loaded;
    const ends = loaded.deletion && endDeleted(r, loaded, removals);
    if (ends === 'queued') continue;
    if (ends) endings.push(ends);
    else if (row) {
      present.set(key, { ...loaded, row });
      const deletion = loaded.deletion && evidenceInput(loaded.deletion);
      inputs.push({ key, data: row.data, related, ...(deletion ? { deletion } : {}) });
    }
    // A child pointed at a parent the source no longer has (or never had).
    else endings.push({ kind: 'skipped', key, gone: true });
  }
  const outputs = await mapInputs(r, via, inputs);
  // Only a dry run shows what a write would change; a sync never reads them.
  const shown = outputs.filter((o) => o.kind === 'mapped' && present.get(o.key)?.prev).map((o) => o.key);
  const before = r.dryRun ? await r.store.writtenPayloads.load(r.ref, shown) : undefined;
  const toWrite: Mapped[] = [];
  for (const o of outputs) {
    const loaded = present.get(o.key);
    // Outputs come from the inputs above, one per key: a key without a record means the mapper broke.
    if (!loaded) throw new Error(`map output for key ${o.key}, which was not given to map`);
    const d = decide(r, o, loaded, before);
    if ('item' in d) toWrite.push(d);
    else endings.push(d);
  }
  return { toWrite, endings, removals };
}

/** The evidence as an on_delete transform sees it. */
const evidenceInput = (e: DeletionEvidence) => ({ kind: e.kind, detail: e.detail, run_id: e.runId, at: e.at });

/**
 * How a record deleted at the source ends without being mapped: skipped when the target never
 * had it, ignored, or (archive, delete) queued as a removal, which ends it later. Undefined: it
 * is mapped through the on_delete transform (a mark; a deactivated record is marked even when
 * never written, as it still exists at the source).
 */
function endDeleted(r: FlowRun, loaded: Loaded, removals: Removal[]): Ending | 'queued' | undefined {
  const { key, prev } = loaded;
  const evidence = loaded.deletion;
  const action = r.flow.on_delete?.action;
  if (!evidence || !action) return undefined;
  const version = loaded.row?.version ?? null;
  // A deactivated record still exists at the source: its mark is what the target should hold of
  // it, written or not before (the target's state follows the source's, whatever its history).
  if (action === 'mark' && evidence.kind === 'status' && loaded.row) return undefined;
  // Nothing in the target to mark, archive or delete.
  if (!prev?.targetId) return { kind: 'skipped', key, gone: false };
  if (action === 'mark') {
    if (loaded.row) return undefined;
    const reason = 'deleted at the source, and no copy of the record is kept to map its mark from';
    return { kind: 'failed', key, stage: 'map', reason, version };
  }
  const base = { key, targetId: prev.targetId, evidence, version };
  if (action === 'ignore') return { kind: 'deleted', action: 'delete_ignored', ...base } satisfies DeletedEnding;
  if (r.dryRun) {
    return { kind: 'deleted', action: action === 'archive' ? 'archived' : 'deleted', ...base, planned: true };
  }
  removals.push({ ...base, matchValue: prev.matchValue, action });
  return 'queued';
}
