import type { Flow, Operation, Write } from '../config/types.generated.js';
import { payloadHash } from '../map/canonical.js';
import type { FlowMapper } from '../map/flow-mapper.js';
import type { LiveConnection } from '../runtime/connection.js';
import type { StateStore } from '../store/state.js';
import { parseDuration } from '../util/duration.js';
import { lookupIds, normalizeKey, scanTarget, shouldScan, type LookupContext } from '../write/lookup.js';
import { WRITERS } from '../write/registry.js';
import type { WriteContext, WriteItem, WriteOutcome } from '../write/types.js';
import { forgetHash, journalPath, WriteJournal } from '../store/write-journal.js';
import { recoverWrites } from './recover.js';
import { MapWorker } from '../map/map-pool.js';
import { mapRecord, type MapInput, type MapOutput, type PayloadShape } from '../map/map-record.js';
import { Channel } from '../util/channel.js';
import type { FlowSummary, SyncEvent } from './events.js';
import { flowFingerprint } from './fingerprint.js';
import { hasTargets, markAllPending, saveFingerprint, storedFingerprint } from '../store/fingerprints.js';
import { keepWrittenPayloads, writtenPayloads } from '../store/written-payloads.js';

const CHUNK = 1000;
/** The first chunk is small, so the first bulk jobs go out (and start their wait) early. */
const FIRST_CHUNK = 200;
/** The worker's share of a chunk when there is one (this thread also handles reads, writes and state). */
const WORKER_SHARE = 0.55;

/** Where a flow's records are mapped: on the map worker, or on this thread; and the payload's custom-field keys. */
interface MapVia {
  worker?: MapWorker;
  shape: PayloadShape;
}

interface Mapped {
  item: WriteItem;
  hash: string;
  clockDependent: boolean;
  version: string | null;
  action: 'create' | 'update' | 'upsert';
  /** Dry runs: the payload last written for the record, where it is kept */
  before?: Record<string, unknown>;
}

export interface FlowRun {
  state: StateStore;
  mapping: string;
  runId: string;
  flowName: string;
  flow: Flow;
  op: Operation;
  mapper: FlowMapper;
  source: LiveConnection;
  target: LiveConnection;
  /** The mapping's custom field key -> the target's key */
  fieldKeys: Record<string, string>;
  dryRun: boolean;
  /** Replay: only these keys (from the failure queue) */
  only?: string[];
  /** Re-map every record of the flow (sync --full), not only the changed ones */
  full?: boolean;
  now: () => Date;
  summary: FlowSummary;
  onEvent: (e: SyncEvent) => void;
}

/**
 * Maps, diffs and writes every pending record of a flow. Each record ends as created, updated,
 * unchanged, skipped (gone from the source, or filtered out) or failed (in the failure queue
 * with its reason); its pending mark goes in the same step, so a crash redoes only unfinished work.
 */
export async function processFlow(r: FlowRun): Promise<void> {
  const { state, mapping, flowName, summary } = r;
  const fingerprint = flowFingerprint({ flow: r.flow, transformExpr: r.mapper.transformExpr, op: r.op, target: r.target.connector, fieldKeys: r.fieldKeys });
  if (r.only) {
    for (const k of r.only) state.run('INSERT OR IGNORE INTO pending (mapping, flow, key) VALUES (?, ?, ?)', [mapping, flowName, k]);
  } else {
    // Clock-dependent payloads (days overdue) are due again when their interval has passed.
    if (r.flow.recompute) {
      const due = new Date(r.now().getTime() - parseDuration(r.flow.recompute.every, 86_400_000)).toISOString();
      state.run('INSERT OR IGNORE INTO pending (mapping, flow, key) SELECT mapping, flow, key FROM targets WHERE mapping = ? AND flow = ? AND clock_dependent = 1 AND mapped_at <= ?', [mapping, flowName, due]);
    }
    // Records that failed before are retried on every run until they succeed.
    state.run("INSERT OR IGNORE INTO pending (mapping, flow, key) SELECT mapping, flow, key FROM failures WHERE mapping = ? AND flow = ? AND stage <> 'read'", [mapping, flowName]);
    // A changed mapping may make every payload the target holds stale, not just the changed records'.
    // The new fingerprint is stored with the pending marks, in the same state: a run stopped halfway
    // leaves exactly the records not yet re-mapped pending, and the next run finishes them (a
    // mapping changed again meanwhile differs again, and marks everything again).
    const stored = storedFingerprint(state, mapping, flowName);
    if (r.full || stored !== fingerprint) {
      const records = markAllPending(state, mapping, flowName, r.source.name, r.flow.from);
      if (!r.dryRun) saveFingerprint(state, mapping, flowName, fingerprint, r.now().toISOString());
      // A flow's first run (nothing written yet) maps everything anyway; a state from before
      // fingerprints has targets but none stored, and its mapping may have changed.
      const reason = r.full ? 'full run' : stored !== undefined || hasTargets(state, mapping, flowName) ? 'mapping changed' : undefined;
      if (reason) summary.remapped = { reason, records };
    }
  }
  // Writes an interrupted run left unconfirmed are settled before anything is decided about
  // their records (which ids are known, which payloads are unchanged).
  const journal = r.dryRun || !state.path ? undefined : new WriteJournal(journalPath(state.path));
  const ctxFor = (spec: Write, kind: WriteContext['kind']): WriteContext => ({ client: r.target.client, baseUrl: r.target.baseUrl, vars: r.target.vars, spec, kind, label: `operation ${r.flow.to}` });
  if (!r.dryRun) await recoverWrites(r, ctxFor);
  const keys = r.only ?? state.all<{ key: string }>('SELECT key FROM pending WHERE mapping = ? AND flow = ? ORDER BY key', [mapping, flowName]).map((x) => x.key);
  summary.affected = keys.length;
  r.onEvent({ type: 'flow:start', flow: flowName, affected: keys.length });
  const setKey = r.op.custom_fields ? r.target.connector.custom_fields?.[r.op.custom_fields]?.payload_path : undefined;
  const shape: PayloadShape = { setKey, renames: Object.entries(r.fieldKeys).filter(([a, b]) => a !== b) };
  const { mapper } = r;
  const worker = MapWorker.start({ mappingName: mapper.mappingName, flowName, flow: r.flow, op: r.op, mappingFile: mapper.mappingFile, shape }, { records: keys.length, interpreted: !mapper.compiled });
  summary.mapWorkers = worker ? 1 : 0;
  try {
    await processKeys(r, keys, { worker, shape }, ctxFor, journal);
    // Every outcome is recorded: once they are on disk, nothing in the journal is in doubt.
    if (journal) {
      state.checkpoint();
      await journal.clear();
    }
  } finally {
    await worker?.close();
    await journal?.close();
  }
}

async function processKeys(r: FlowRun, keys: string[], via: MapVia, ctxFor: (spec: Write, kind: WriteContext['kind']) => WriteContext, journal: WriteJournal | undefined): Promise<void> {
  const { state, mapping, flowName, summary } = r;
  const nowIso = r.now().toISOString();

  const lctx: LookupContext = { client: r.target.client, baseUrl: r.target.baseUrl, vars: r.target.vars, connector: r.target.connector, label: `operation ${r.flow.to}` };
  const lookup = r.op.upsert ? undefined : r.op.lookup;
  const ci = lookup?.case_insensitive;
  let scanned: Map<string, string> | undefined;
  if (lookup && !r.dryRun) {
    const unknown = state.get<{ n: number }>(
      'SELECT count(*) AS n FROM pending p LEFT JOIN targets t ON t.mapping = p.mapping AND t.flow = p.flow AND t.key = p.key WHERE p.mapping = ? AND p.flow = ? AND t.target_id IS NULL',
      [mapping, flowName],
    )?.n ?? 0;
    if (shouldScan(unknown, lookup, r.target.connector)) scanned = await scanTarget(lookup, lctx);
  }

  const finish = (key: string) => state.run('DELETE FROM pending WHERE mapping = ? AND flow = ? AND key = ?', [mapping, flowName, key]);
  const audit = (key: string, action: string, targetId: string | null, hash: string | null, version: string | null, error: string | null) =>
    state.run('INSERT INTO audit (run_id, mapping, flow, key, action, target_id, payload_hash, source_version, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [r.runId, mapping, flowName, key, action, targetId, hash, version, error, nowIso]);
  const fail = (key: string, stage: string, reason: string, version: string | null) => {
    const msg = r.target.client.redactor.redact(reason);
    state.run(
      `INSERT INTO failures (mapping, flow, key, run_id, stage, reason, attempts, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
       ON CONFLICT (mapping, flow, key) DO UPDATE SET run_id = excluded.run_id, stage = excluded.stage, reason = excluded.reason, attempts = attempts + 1, last_at = excluded.last_at`,
      [mapping, flowName, key, r.runId, stage, msg, nowIso, nowIso],
    );
    audit(key, 'failed', null, null, version, msg);
    finish(key);
    summary.failed++;
    if (summary.failures.length < 20) summary.failures.push({ key, reason: msg });
    r.onEvent({ type: 'record:failed', flow: flowName, key, reason: msg });
  };
  const succeed = (m: Mapped, o: WriteOutcome) => {
    state.run('INSERT OR REPLACE INTO targets (mapping, flow, key, match_value, target_id, hash, mapped_at, clock_dependent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      mapping, flowName, m.item.key, m.item.matchValue, o.targetId ?? m.item.targetId ?? null, m.hash, nowIso, m.clockDependent ? 1 : 0,
    ]);
    state.run('DELETE FROM failures WHERE mapping = ? AND flow = ? AND key = ?', [mapping, flowName, m.item.key]);
    audit(m.item.key, o.action ?? 'updated', o.targetId ?? null, m.hash, m.version, null);
    finish(m.item.key);
    if (o.action === 'created') summary.created++;
    else summary.updated++;
  };
  const progress = () =>
    r.onEvent({
      type: 'progress', flow: flowName, done: summary.created + summary.updated + summary.unchanged + summary.skipped + summary.failed, total: keys.length,
      created: summary.created, updated: summary.updated, unchanged: summary.unchanged, failed: summary.failed,
    });

  // Records handed to a writer, until their outcome is stored.
  const writing = new Map<string, Mapped>();
  const conflicts: Mapped[] = [];
  const record = (outcomes: WriteOutcome[]) => {
    state.transaction(() => {
      const written: Mapped[] = [];
      for (const o of outcomes) {
        const m = writing.get(o.key);
        if (!m) continue;
        writing.delete(o.key);
        if (o.conflict) conflicts.push(m);
        else if (o.ok) {
          succeed(m, o);
          written.push(m);
        }
        else {
          // The target may have applied it: the stored hash no longer says what the target holds.
          if (o.unknown) forgetHash(state, mapping, flowName, o.key);
          fail(o.key, 'write', o.error ?? 'rejected by the target', m.version);
        }
      }
      keepWrittenPayloads(state, mapping, flowName, written.map((m) => ({ key: m.item.key, hash: m.hash, payload: m.item.payload })));
    });
    state.maybeCheckpoint(5000);
    progress();
  };
  const jobSlots = { running: 0 };
  // Each batch is journaled before it is sent, a job's id as soon as it is known (see store/write-journal.ts).
  const intend = journal
    ? (kind: WriteContext['kind']) => (batches: WriteItem[][]) =>
        journal.intend(
          batches.map((b) => ({
            mapping, flow: flowName, kind,
            items: b.map((i) => {
              const m = writing.get(i.key);
              return { key: i.key, match: i.matchValue, target: i.targetId, hash: m?.hash ?? '', cd: m?.clockDependent };
            }),
          })),
        )
    : undefined;
  const jobStarted = journal ? (token: string, id: string) => journal.jobStarted(token, id) : undefined;
  const write = (spec: Write, kind: 'create' | 'update' | 'upsert', items: WriteItem[] | Channel<WriteItem>) =>
    WRITERS[spec.writer](items, { ...ctxFor(spec, kind), onOutcomes: record, jobSlots, intend: intend?.(kind), jobStarted });

  // One writer per kind runs for the whole flow, fed as chunks are mapped: the next records are
  // mapped while earlier ones are written (bulk jobs spend most of their time waiting), and
  // jobs from several chunks share each poll.
  const channels = new Map<string, Channel<WriteItem>>();
  const writers: Promise<unknown>[] = [];
  let writeError: { error: unknown } | undefined;
  const channelFor = (kind: 'create' | 'update' | 'upsert') => {
    let ch = channels.get(kind);
    if (!ch) {
      const c = (ch = new Channel<WriteItem>(2 * CHUNK));
      channels.set(kind, c);
      writers.push(
        write((kind === 'upsert' ? r.op.upsert : r.op[kind]) as Write, kind, c).catch((error: unknown) => {
          // A run-stopping error (auth, network): stop feeding every writer.
          writeError ??= { error };
          for (const x of channels.values()) x.close();
        }),
      );
    }
    return ch;
  };

  for (let start = 0, end = FIRST_CHUNK; start < keys.length && !writeError; start = end, end += CHUNK) {
    const toWrite = await mapChunk(r, keys.slice(start, end), via, fail, audit, finish);
    if (r.dryRun) {
      for (const m of toWrite) {
        const action = m.action === 'upsert' ? (m.item.targetId ? 'update' : 'create') : m.action;
        if (action === 'create') summary.created++;
        else summary.updated++;
        summary.planned?.push({ key: m.item.key, action, payload: m.item.payload, ...(m.before ? { before: m.before } : {}) });
        finish(m.item.key);
      }
      progress();
      continue;
    }
    // Ids for match keys this state has never written: from the scan, or looked up in batches.
    if (lookup) {
      const unknown = toWrite.filter((m) => !m.item.targetId);
      const ids = scanned ?? (unknown.length ? await lookupIds([...new Set(unknown.map((m) => m.item.matchValue))], lookup, lctx) : new Map<string, string>());
      for (const m of unknown) {
        const id = ids.get(normalizeKey(m.item.matchValue, ci));
        if (id) {
          m.item.targetId = id;
          m.action = 'update';
        }
      }
    }
    for (const m of toWrite) writing.set(m.item.key, m);
    for (const kind of ['create', 'update', 'upsert'] as const) {
      const group = toWrite.filter((m) => m.action === kind);
      if (group.length) await channelFor(kind).push(group.map((m) => m.item));
    }
    progress();
  }
  for (const ch of channels.values()) ch.close();
  await Promise.all(writers);
  if (writeError) throw writeError.error;

  // A create that met an existing record (created since the lookup, or by an interrupted run) becomes an update.
  if (conflicts.length && lookup && r.op.update) {
    const ids = await lookupIds(conflicts.map((m) => m.item.matchValue), { ...lookup, batch_size: lookup.batch_size ?? 1 }, lctx);
    const retry = state.transaction(() =>
      conflicts.filter((m) => {
        const id = ids.get(normalizeKey(m.item.matchValue, ci));
        if (!id) fail(m.item.key, 'write', 'the target reports the record exists, but no record with its match key was found', m.version);
        m.item.targetId = id;
        return !!id;
      }),
    );
    for (const m of retry) writing.set(m.item.key, m);
    if (retry.length) await write(r.op.update, 'update', retry.map((m) => m.item));
  } else {
    state.transaction(() => {
      for (const m of conflicts) fail(m.item.key, 'write', 'the target reports the record already exists', m.version);
    });
  }
  progress();
}

interface Loaded {
  /** The source record's JSON and version, or undefined when the mirror no longer has it */
  row?: { data: string; version: string };
  /** Per join: its related records' JSON, ordered by key */
  related: Map<string, string[]>;
  prev?: { target_id: string | null; hash: string; match_value: string };
}

/** Reads what a chunk of keys needs from the state in a few statements (sql.js costs several µs per statement call). */
function loadChunk(r: FlowRun, keys: string[]): Map<string, Loaded> {
  const { state, mapping, flowName, flow } = r;
  const json = JSON.stringify(keys);
  const out = new Map<string, Loaded>(keys.map((k) => [k, { related: new Map() }]));
  type Stored = { data: string | null; pos: number | null; len: number | null };
  for (const x of state.all<{ key: string; version: string } & Stored>(
    'SELECT m.key, m.version, m.data, m.pos, m.len FROM json_each(?) j CROSS JOIN mirror m ON m.connection = ? AND m.stream = ? AND m.key = j.value',
    [json, r.source.name, flow.from],
  )) {
    const data = state.loadValue(x);
    if (data !== null) out.get(x.key)!.row = { data, version: x.version };
  }
  for (const [rel, j] of Object.entries(flow.join ?? {})) {
    for (const l of out.values()) l.related.set(rel, []);
    // The index on (…, parent_key, child_key) serves both the join and the order.
    for (const x of state.all<{ parent_key: string } & Stored>(
      'SELECT l.parent_key, m.data, m.pos, m.len FROM json_each(?) j CROSS JOIN links l INDEXED BY links_by_parent CROSS JOIN mirror m ON m.connection = ? AND m.stream = ? AND m.key = l.child_key WHERE l.mapping = ? AND l.flow = ? AND l.rel = ? AND l.parent_key = j.value AND (m.data IS NOT NULL OR m.pos IS NOT NULL) ORDER BY j.key, l.child_key',
      [json, r.source.name, j.from, mapping, flowName, rel],
    )) {
      out.get(x.parent_key)!.related.get(rel)!.push(state.loadValue(x)!);
    }
  }
  for (const x of state.all<{ key: string; target_id: string | null; hash: string; match_value: string }>(
    'SELECT t.key, t.target_id, t.hash, t.match_value FROM json_each(?) j CROSS JOIN targets t ON t.mapping = ? AND t.flow = ? AND t.key = j.value',
    [json, mapping, flowName],
  )) {
    out.get(x.key)!.prev = x;
  }
  return out;
}

/** Lets timers and sockets run (the previous chunk's job polls) while a chunk is mapped on this thread. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Builds each record's input from the mirror, maps it (on the map worker when there is one), and
 * drops what is unchanged since the last write. What it decides for records that need no write
 * (skipped, unchanged, failed) is stored in one transaction at the end.
 */
async function mapChunk(
  r: FlowRun,
  keys: string[],
  via: MapVia,
  fail: (key: string, stage: string, reason: string, version: string | null) => void,
  audit: (key: string, action: string, targetId: string | null, hash: string | null, version: string | null, error: string | null) => void,
  finish: (key: string) => void,
): Promise<Mapped[]> {
  const { state, mapping, flowName, summary } = r;
  const out: Mapped[] = [];
  const settled: (() => void)[] = [];
  const nowIso = r.now().toISOString();
  const loaded = loadChunk(r, keys);
  const inputs: MapInput[] = [];
  for (const key of keys) {
    const { row, related } = loaded.get(key)!;
    if (row) {
      inputs.push({ key, data: row.data, related: [...related] });
      continue;
    }
    // A child pointed at a parent the source no longer has (or never had).
    settled.push(() => {
      state.run('DELETE FROM failures WHERE mapping = ? AND flow = ? AND key = ?', [mapping, flowName, key]);
      finish(key);
      summary.skipped++;
    });
  }
  const here = async (list: MapInput[]) => {
    const done: MapOutput[] = [];
    for (const input of list) {
      if (done.length % 50 === 49) await yieldToEventLoop();
      done.push(await mapRecord(r.mapper, via.shape, input));
    }
    return done;
  };
  // With a worker, this thread maps its share too: it only waits for the writers meanwhile.
  const split = via.worker ? Math.ceil(inputs.length * WORKER_SHARE) : 0;
  const outputs = (await Promise.all([split ? via.worker!.map(r.now().getTime(), inputs.slice(0, split)) : [], here(inputs.slice(split))])).flat();
  // Only a dry run shows what a write would change; a sync never reads them.
  const before = r.dryRun ? writtenPayloads(state, mapping, flowName, outputs.filter((o) => o.kind === 'mapped' && loaded.get(o.key)!.prev).map((o) => o.key)) : undefined;
  for (const o of outputs) {
    const { key } = o;
    const { row, prev } = loaded.get(key)!;
    const version = row!.version;
    if (o.kind === 'skip') {
      settled.push(() => {
        finish(key);
        summary.skipped++;
      });
      continue;
    }
    if (o.kind === 'error') {
      settled.push(() => fail(key, 'map', o.message, version));
      continue;
    }
    const { hash, payload, clockDependent, matchValue } = o;
    if (prev && prev.hash === hash && prev.target_id) {
      settled.push(() => {
        state.run('UPDATE targets SET mapped_at = ?, clock_dependent = ? WHERE mapping = ? AND flow = ? AND key = ?', [nowIso, clockDependent ? 1 : 0, mapping, flowName, key]);
        state.run('DELETE FROM failures WHERE mapping = ? AND flow = ? AND key = ?', [mapping, flowName, key]);
        if (!r.dryRun) audit(key, 'unchanged', prev.target_id, hash, version, null);
        finish(key);
        summary.unchanged++;
        if (r.dryRun) summary.planned?.push({ key, action: 'unchanged', payload });
      });
      continue;
    }
    const targetId = prev?.target_id && prev.match_value === matchValue ? prev.target_id : undefined;
    out.push({
      item: { key, matchValue, payload, targetId },
      hash,
      clockDependent,
      version,
      action: r.op.upsert ? 'upsert' : targetId ? 'update' : 'create',
      before: before?.get(key),
    });
  }
  state.transaction(() => {
    for (const f of settled) f();
  });
  return out;
}
