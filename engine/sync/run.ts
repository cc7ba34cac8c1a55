import { randomUUID } from 'node:crypto';
import type { Connections, Flow } from '../config/types.generated.js';
import { FlowMapper } from '../map/flow-mapper.js';
import type { Clock } from '../map/functions.js';
import type { Sleep } from '../http/rate-limiter.js';
import { Redactor } from '../http/redact.js';
import { authenticate, openConnection, type LiveConnection } from '../runtime/connection.js';
import type { StateBackend } from '../store/backend.js';
import { openState } from '../store/open.js';
import { connectionSecrets } from '../store/token-store.js';
import type { FlowSummary, RunWarning, SyncEvent, SyncResult } from './events.js';
import { mappingBindings } from '../map/bindings.js';
import { mappingCustomCode, prepareMapping, type MappingPlan } from './plan.js';
import { processFlow } from './process.js';
import { operationOf } from './flow-run.js';
import { provisionFields, type Provisioned } from './provision.js';
import { addReadFailures, stageStreams, type StageResult } from './stage.js';
import { reconcileStreams } from './reconcile.js';

export interface SyncOptions {
  root: string;
  mapping: string;
  connectionsFile?: string;
  connections?: Connections['connections'];
  /** State database file; null keeps state in memory */
  statePath: string | null;
  flow?: string;
  /** Ignore saved cursors and read everything */
  full?: boolean;
  /** Read and map, write nothing anywhere (the state is diffed against, not changed) */
  dryRun?: boolean;
  /** Run the key-set reconcile of every stream that declares one now, due or not */
  reconcile?: boolean;
  /** Re-process only these failed records (mlc replay), from freshly read source data */
  replay?: { runId?: string; keys?: string[]; all?: boolean };
  clock?: Clock;
  /** Waits of the HTTP layer; when given, they and rate-limit windows follow `clock` (virtual time) */
  sleep?: Sleep;
  onEvent?: (e: SyncEvent) => void;
}

/** One run as it goes: its options, its plan, the state it changes and the data it reads and diffs. */
interface Run {
  o: SyncOptions;
  plan: MappingPlan;
  runId: string;
  clock: Clock;
  dry: boolean;
  /** The state: tokens, and the run's record */
  state: StateBackend;
  /** Where the run stages, maps and diffs: the state, or a throwaway copy of it in a dry run */
  data: StateBackend;
  onEvent: (e: SyncEvent) => void;
  result: SyncResult;
  flows: [string, Flow][];
}

/** The connections of a run, signed in, and the custom fields it provisions in the target meanwhile. */
interface Connected {
  source: LiveConnection;
  target: LiveConnection;
  provisioning: Map<string, Promise<Provisioned>>;
}

function emptySummary(flow: string, dry: boolean): FlowSummary {
  return {
    flow,
    read: 0,
    affected: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    requests: { source: 0, target: 0 },
    durationMs: 0,
    mapWorkers: 0,
    failures: [],
    ...(dry ? { planned: [] } : {}),
  };
}

const runIdAt = (d: Date) => `${d.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 6)}`;

/**
 * One run of a mapping: read -> stage -> map -> diff -> write -> checkpoint (DESIGN "One sync
 * run"). Config errors throw ConfigError before anything runs; errors that stop the run (auth,
 * network, lock) come back as status "error" with what was done so far checkpointed.
 */
export async function runSync(o: SyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const clock = o.clock ?? (() => new Date());
  const plan = await prepareMapping({
    root: o.root,
    mapping: o.mapping,
    connectionsFile: o.connectionsFile,
    connections: o.connections,
  });
  const dry = !!o.dryRun;
  const state = await openState(o.statePath);
  const data = dry ? await state.clone() : state;
  const runId = runIdAt(clock());
  const notes = state.notes.length ? { stateNotes: [...state.notes] } : {};
  const result: SyncResult = {
    runId,
    mapping: plan.mapping.name,
    status: 'ok',
    flows: [],
    provisioned: [],
    durationMs: 0,
    ...notes,
  };
  const run: Run = {
    o,
    plan,
    runId,
    clock,
    dry,
    state,
    data,
    onEvent: o.onEvent ?? (() => {}),
    result,
    flows: plan.flows,
  };
  const conns: LiveConnection[] = [];
  // Work started beside the source read, settled before the run returns and the state closes.
  const background: Promise<unknown>[] = [];
  try {
    await startRun(run, started);
    run.flows = selectFlows(run);
    const connected = await connect(run, conns, background);
    await runFlows(run, connected);
    result.status = result.flows.some((f) => f.failed > 0) ? 'failed_records' : 'ok';
  } catch (e) {
    result.status = 'error';
    result.error = conns[0]?.client.redactor.redact((e as Error).message) ?? (e as Error).message;
  } finally {
    await Promise.all(background);
    for (const c of conns) await c.auth.close?.().catch(() => undefined);
    result.durationMs = Date.now() - started;
    await finishRun(run);
  }
  return result;
}

/** Records the run as running; we hold the lock, so a run of the mapping still marked running was killed. */
async function startRun(run: Run, started: number): Promise<void> {
  const { state, plan, runId } = run;
  if (!run.dry) {
    await state.runs.markInterrupted(plan.mapping.name);
    await state.runs.start({ id: runId, mapping: plan.mapping.name, startedAt: new Date(started).toISOString() });
    await state.checkpoint();
  }
  run.onEvent({ type: 'run:start', runId, mapping: plan.mapping.name });
}

async function finishRun(run: Run): Promise<void> {
  const { state, result } = run;
  if (!run.dry) {
    const flows = result.flows.map(({ planned: _p, ...f }) => f);
    const { error, warnings, reconciles } = result;
    const summary = JSON.stringify({ flows, error, warnings, reconciles });
    await state.runs.finish(run.runId, { status: result.status, summary, finishedAt: new Date().toISOString() });
  }
  if (run.dry) await run.data.abandon();
  await state.close();
}

function selectFlows({ o, plan }: Run): [string, Flow][] {
  const flows = plan.flows.filter(([name]) => !o.flow || name === o.flow);
  if (o.flow && flows.length === 0) {
    const names = plan.flows.map(([n]) => n).join(', ');
    throw new Error(`mapping ${plan.mapping.name} has no flow "${o.flow}" (flows: ${names})`);
  }
  return flows;
}

/**
 * Opens and signs in both connections, then starts provisioning the target's custom fields
 * (they do not depend on the source read, which runs meanwhile). A source that cannot sign in
 * stops the run before the target has been changed.
 */
async function connect(run: Run, conns: LiveConnection[], background: Promise<unknown>[]): Promise<Connected> {
  const { o, plan, state } = run;
  // The run clock is for what the mapping computes (days overdue). Waits, token lifetimes and
  // rate-limit windows run on real time, or a fixed clock would wait forever; only a caller that
  // also supplies the sleep that moves its clock gets them on that clock (virtual-time tests).
  const redactor = new Redactor();
  const now = o.sleep ? () => run.clock().getTime() : undefined;
  const open = (side: MappingPlan['source']) =>
    openConnection({ ...side, ...connectionSecrets(state, side.name), redactor, sleep: o.sleep, now });
  const source = open(plan.source);
  const target = open(plan.target);
  conns.push(source, target);
  await Promise.all(conns.map(authenticate));
  // An error of provisioning (a field of the wrong type) stops the run before any flow writes.
  const provisioning = new Map(
    run.flows.map(([name, flow]) => {
      const op = operationOf(target.connector, flow.to);
      const p = provisionFields({
        store: run.data,
        mapping: plan.mapping.name,
        flowName: name,
        flow,
        op,
        target,
        dryRun: run.dry,
      });
      background.push(p.catch(() => undefined));
      return [name, p] as const;
    }),
  );
  return { source, target, provisioning };
}

/** Stages the source streams, then runs each flow in turn. */
async function runFlows(run: Run, c: Connected): Promise<void> {
  const { data, plan, result } = run;
  const flows = run.flows.map(([name, flow]) => ({ name, flow, summary: emptySummary(name, run.dry) }));
  // The first flow counts the provisioning requests of every flow (made during staging).
  const targetBefore = c.target.client.stats.requests;
  // A replay reads the source too: the fix for a failed record is often made there.
  const sourceBefore = c.source.client.stats.requests;
  const fresh = await emptyMirrors(run, c.source.name);
  const staged = await stageStreams({
    store: data,
    mapping: plan.mapping.name,
    runId: run.runId,
    conn: c.source,
    flows: run.flows,
    full: !!run.o.full,
    persistCursors: !run.dry,
    onEvent: run.onEvent,
    // Join filters never depend on the clock where they keep records out of the mirror (stage.ts).
    bindings: mappingBindings(plan.mappingFile, () => new Date()),
  });
  if (staged.warnings.length) result.warnings = staged.warnings;
  await data.checkpoint();
  await Promise.all(c.provisioning.values());
  for (const { flow, summary } of flows) {
    summary.read = staged.read.get(flow.from) ?? 0;
    summary.requests.source = c.source.client.stats.requests - sourceBefore;
  }
  await reconcile(run, c, fresh);
  let before = targetBefore;
  for (const { name, flow, summary } of flows) {
    before = await runFlow(run, c, staged, name, flow, summary, before);
  }
}

/** The source streams of the run's flows whose mirror is empty (read in full by this run). */
async function emptyMirrors(run: Run, connection: string): Promise<Set<string>> {
  const streams = run.flows.flatMap(([, f]) => [f.from, ...Object.values(f.join ?? {}).map((j) => j.from)]);
  const empty = new Set<string>();
  for (const stream of new Set(streams)) if (await run.data.mirror.isEmpty({ connection, stream })) empty.add(stream);
  return empty;
}

/**
 * The key-set reconciles that are due (or forced), after staging: the deletions they find are
 * pending marks the flows of this run then end by their on_delete. Their requests are their own,
 * not the flows' reads.
 */
async function reconcile(run: Run, c: Connected, fresh: Set<string>): Promise<void> {
  const { result } = run;
  const warn = (w: RunWarning) => {
    result.warnings = [...(result.warnings ?? []), w];
    run.onEvent({ type: 'warning', ...w });
  };
  const reconciles = await reconcileStreams({
    store: run.data,
    mapping: run.plan.mapping.name,
    runId: run.runId,
    conn: c.source,
    flows: run.flows,
    allFlows: run.plan.flows,
    force: !!run.o.reconcile,
    dryRun: run.dry,
    now: run.clock(),
    freshStreams: fresh,
    warn,
  });
  if (reconciles.length) result.reconciles = reconciles;
  await run.data.checkpoint();
}

/** Runs one flow; returns the target's request count at its end (the next flow counts from there). */
async function runFlow(
  run: Run,
  c: Connected,
  staged: StageResult,
  name: string,
  flow: Flow,
  summary: FlowSummary,
  targetBefore: number,
): Promise<number> {
  const { data, plan, result, onEvent } = run;
  const flowStart = Date.now();
  const op = operationOf(c.target.connector, flow.to);
  const provisioning = c.provisioning.get(name);
  // connect() starts provisioning for every flow of the run, this one included.
  if (!provisioning) throw new Error(`flow ${name} was not provisioned`);
  const prov = await provisioning;
  if (prov.created.length || prov.updated.length)
    result.provisioned.push({ flow: name, created: prov.created, updated: prov.updated });
  if (flow.custom_fields?.length) {
    onEvent({ type: 'provision', flow: name, created: prov.created, updated: prov.updated, existing: prov.existing });
  }
  const mapper = new FlowMapper(plan.mapping.name, name, flow, op, plan.mappingFile, run.clock);
  const only = await replayKeys(run, name);
  try {
    await processFlow({
      store: data,
      ref: { mapping: plan.mapping.name, flow: name },
      runId: run.runId,
      flow,
      op,
      mapper,
      source: c.source,
      target: c.target,
      fieldKeys: prov.keys,
      customCode: mappingCustomCode(plan),
      dryRun: run.dry,
      only,
      full: !!run.o.full,
      now: run.clock,
      summary,
      onEvent,
    });
  } finally {
    summary.requests.target = c.target.client.stats.requests - targetBefore;
    summary.durationMs = Date.now() - flowStart;
    addReadFailures(summary, staged.failed.get(name));
    result.flows.push(summary);
    await data.checkpoint();
  }
  onEvent({ type: 'flow:end', flow: name, summary });
  return c.target.client.stats.requests;
}

/** A replay's keys: the flow's queued failures it selects (by run, by key, or all). */
async function replayKeys(run: Run, flow: string): Promise<string[] | undefined> {
  const { replay } = run.o;
  if (!replay) return undefined;
  const queued = await run.data.failures.forReplay({ mapping: run.plan.mapping.name, flow });
  const chosen = (f: { key: string; runId: string }) =>
    replay.all || (replay.runId && f.runId === replay.runId) || replay.keys?.includes(f.key);
  return queued.filter(chosen).map((f) => f.key);
}
