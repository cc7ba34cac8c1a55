import { MapWorker } from '../map/map-pool.js';
import type { PayloadShape } from '../map/map-record.js';
import type { IntentJournal, JournalItem } from '../store/backend.js';
import type { Channel } from '../util/channel.js';
import { WRITERS } from '../write/registry.js';
import type { WriteItem } from '../write/types.js';
import type { Ending } from './endings.js';
import {
  contextFor,
  specOf,
  WRITE_KINDS,
  type ContextFor,
  type FlowRun,
  type Mapped,
  type WriteKind,
} from './flow-run.js';
import { removeInTarget } from './deletion-writes.js';
import { mapChunk, type MapVia } from './map-chunk.js';
import { markPending } from './pending-marks.js';
import { recoverWrites } from './recover.js';
import { TargetIds } from './target-ids.js';
import { WriterFeed } from './writer-feed.js';
import { WriteSession } from './write-session.js';

export type { FlowRun } from './flow-run.js';

const CHUNK = 1000;
/** The first chunk is small, so the first bulk jobs go out (and start their wait) early. */
const FIRST_CHUNK = 200;

/** Starts the writer of a kind (the operation's spec for it) on some items. */
type StartWriter = (kind: WriteKind, items: WriteItem[] | Channel<WriteItem>) => Promise<unknown>;

/** How the flow's writers are set up: their context, and the write-intent journal (none in a dry run). */
interface WriteSetup {
  ctxFor: ContextFor;
  journal?: IntentJournal;
}

/**
 * Maps, diffs and writes every pending record of a flow. Each record ends as created, updated,
 * unchanged, skipped (gone from the source, or filtered out) or failed (in the failure queue
 * with its reason); its pending mark goes in the same step, so a crash redoes only unfinished work.
 */
export async function processFlow(r: FlowRun): Promise<void> {
  await markPending(r);
  // Writes an interrupted run left unconfirmed are settled before anything is decided about
  // their records (which ids are known, which payloads are unchanged).
  const journal = r.dryRun ? undefined : r.store.writeIntents.journal();
  const ctxFor = contextFor(r);
  if (!r.dryRun) await recoverWrites(r, ctxFor);
  const keys = r.only ?? (await r.store.pending.keys(r.ref));
  r.summary.affected = keys.length;
  r.onEvent({ type: 'flow:start', flow: r.ref.flow, affected: keys.length });
  const setKey = r.op.custom_fields ? r.target.connector.custom_fields?.[r.op.custom_fields]?.payload_path : undefined;
  const shape: PayloadShape = { setKey, renames: Object.entries(r.fieldKeys).filter(([a, b]) => a !== b) };
  const { mapper } = r;
  const worker = MapWorker.start(
    {
      mappingName: mapper.mappingName,
      flowName: r.ref.flow,
      flow: r.flow,
      op: r.op,
      mappingFile: mapper.mappingFile,
      shape,
    },
    { records: keys.length, interpreted: !mapper.compiled },
  );
  r.summary.mapWorkers = worker ? 1 : 0;
  try {
    await processKeys(r, keys, { worker, shape }, { ctxFor, journal });
    // Every outcome is recorded: once they are on disk, nothing in the journal is in doubt.
    if (journal) {
      await r.store.checkpoint();
      await journal.clear();
    }
  } finally {
    await worker?.close();
    await journal?.close();
  }
}

/** Writers report to the session; each batch is journaled before it is sent (see store/write-journal.ts). */
function writerStarter(r: FlowRun, { ctxFor, journal }: WriteSetup, session: WriteSession): StartWriter {
  // The account limits queued bulk jobs: the flow's writers share its slots.
  const jobSlots = { running: 0 };
  const intend = (j: IntentJournal, kind: WriteKind) => (batches: WriteItem[][]) =>
    j.intend(batches.map((b) => ({ ...r.ref, kind, items: b.map((i) => journalItem(session, i)) })));
  const jobStarted = journal && ((token: string, id: string) => journal.jobStarted(token, id));
  return (kind, items) => {
    const spec = specOf(r.op, kind);
    return WRITERS[spec.writer](items, {
      ...ctxFor(spec, kind),
      onOutcomes: session.record,
      jobSlots,
      intend: journal && intend(journal, kind),
      jobStarted,
    });
  };
}

/** What the journal notes of a record about to be sent: enough to confirm or redo it after a kill. */
function journalItem(session: WriteSession, i: WriteItem): JournalItem {
  const m = session.inFlight(i.key);
  return { key: i.key, match: i.matchValue, target: i.targetId, hash: m?.hash ?? '', cd: m?.clockDependent };
}

async function processKeys(r: FlowRun, keys: string[], via: MapVia, setup: WriteSetup): Promise<void> {
  const session = new WriteSession(r, keys.length);
  const startWriter = writerStarter(r, setup, session);
  const ids = r.dryRun ? undefined : await TargetIds.prepare(r);
  const feed = new WriterFeed(startWriter, 2 * CHUNK);
  for (let start = 0, end = FIRST_CHUNK; start < keys.length && !feed.stopped; start = end, end += CHUNK) {
    const { toWrite, endings, removals } = await mapChunk(r, keys.slice(start, end), via);
    if (removals.length) await session.end(await removeInTarget(r, setup.ctxFor, removals));
    if (r.dryRun) {
      await session.end([...endings, ...toWrite.map((record): Ending => ({ kind: 'planned', record }))]);
    } else {
      await session.end(endings);
      await ids?.resolve(toWrite);
      await sendOut(session, feed, toWrite);
    }
    session.progress();
  }
  try {
    await feed.finish();
  } finally {
    await session.drained();
  }
  await retryConflicts(r, session, ids, startWriter);
  session.progress();
}

/** Hands records to the writer of their kind (they end when their outcome comes back). */
async function sendOut(session: WriteSession, feed: WriterFeed, records: Mapped[]): Promise<void> {
  session.handOver(records);
  for (const kind of WRITE_KINDS) {
    await feed.push(
      kind,
      records.filter((m) => m.action === kind).map((m) => m.item),
    );
  }
}

/** A create that met an existing record (created since the lookup, or by an interrupted run) becomes an update. */
async function retryConflicts(r: FlowRun, session: WriteSession, ids: TargetIds | undefined, startWriter: StartWriter) {
  const { conflicts } = session;
  if (!conflicts.length) return;
  const fail = (m: Mapped, reason: string): Ending => ({
    kind: 'failed',
    key: m.item.key,
    stage: 'write',
    reason,
    version: m.version,
  });
  if (!ids || !r.op.update) {
    await session.end(conflicts.map((m) => fail(m, 'the target reports the record already exists')));
    return;
  }
  const found = await ids.ofExisting(conflicts);
  const retry = conflicts.filter((m) => found.has(m.item.key));
  const missing = 'the target reports the record exists, but no record with its match key was found';
  await session.end(conflicts.filter((m) => !found.has(m.item.key)).map((m) => fail(m, missing)));
  for (const m of retry) m.item.targetId = found.get(m.item.key);
  session.handOver(retry);
  if (retry.length)
    await startWriter(
      'update',
      retry.map((m) => m.item),
    );
  await session.drained();
}
