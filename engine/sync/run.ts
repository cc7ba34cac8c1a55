import { randomUUID } from 'node:crypto';
import type { Connections } from '../config/types.generated.js';
import { FlowMapper } from '../map/flow-mapper.js';
import type { Clock } from '../map/functions.js';
import type { Sleep } from '../http/rate-limiter.js';
import { Redactor } from '../http/redact.js';
import { authenticate, openConnection, type LiveConnection } from '../runtime/connection.js';
import { StateStore } from '../store/state.js';
import type { FlowSummary, SyncEvent, SyncResult } from './events.js';
import { planMapping } from './plan.js';
import { processFlow } from './process.js';
import { provisionFields } from './provision.js';
import { addReadFailures, stageStreams } from './stage.js';

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
  /** Re-process only these failed records (mlc replay), from freshly read source data */
  replay?: { runId?: string; keys?: string[]; all?: boolean };
  clock?: Clock;
  /** Waits of the HTTP layer; when given, they and rate-limit windows follow `clock` (virtual time) */
  sleep?: Sleep;
  onEvent?: (e: SyncEvent) => void;
}

function emptySummary(flow: string, dry: boolean): FlowSummary {
  return { flow, read: 0, affected: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, requests: { source: 0, target: 0 }, durationMs: 0, mapWorkers: 0, failures: [], ...(dry ? { planned: [] } : {}) };
}

/**
 * One run of a mapping: read -> stage -> map -> diff -> write -> checkpoint (DESIGN "One sync
 * run"). Config errors throw ConfigError before anything runs; errors that stop the run (auth,
 * network, lock) come back as status "error" with what was done so far checkpointed.
 */
export async function runSync(o: SyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const clock = o.clock ?? (() => new Date());
  const onEvent = o.onEvent ?? (() => {});
  const plan = planMapping({ root: o.root, mapping: o.mapping, connectionsFile: o.connectionsFile, connections: o.connections });
  const dry = !!o.dryRun;
  const state = await StateStore.open(o.statePath);
  const data = dry ? await state.clone() : state;
  const runId = `${clock().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 6)}`;
  const result: SyncResult = { runId, mapping: plan.mapping.name, status: 'ok', flows: [], provisioned: [], durationMs: 0, ...(state.notes.length ? { stateNotes: [...state.notes] } : {}) };
  const conns: LiveConnection[] = [];
  // Work started beside the source read, settled before the run returns and the state closes.
  const background: Promise<unknown>[] = [];
  try {
    if (!dry) {
      // We hold the lock: a run still marked running was killed.
      state.run("UPDATE runs SET status = 'interrupted' WHERE mapping = ? AND status = 'running'", [plan.mapping.name]);
      state.run('INSERT INTO runs (id, mapping, started_at, status) VALUES (?, ?, ?, ?)', [runId, plan.mapping.name, new Date(started).toISOString(), 'running']);
      state.checkpoint();
    }
    onEvent({ type: 'run:start', runId, mapping: plan.mapping.name });
    // The run clock is for what the mapping computes (days overdue). Waits, token lifetimes and
    // rate-limit windows run on real time, or a fixed clock would wait forever; only a caller that
    // also supplies the sleep that moves its clock gets them on that clock (virtual-time tests).
    const redactor = new Redactor();
    const now = o.sleep ? () => clock().getTime() : undefined;
    const source = openConnection({ ...plan.source, state, redactor, sleep: o.sleep, now });
    const target = openConnection({ ...plan.target, state, redactor, sleep: o.sleep, now });
    conns.push(source, target);
    // Custom fields are written while the source is read: a source that cannot sign in must stop
    // the run before that, not after the target has been changed.
    await Promise.all(conns.map(authenticate));
    const flows = plan.flows.filter(([name]) => !o.flow || name === o.flow);
    if (o.flow && flows.length === 0) throw new Error(`mapping ${plan.mapping.name} has no flow "${o.flow}" (flows: ${plan.flows.map(([n]) => n).join(', ')})`);

    const summaries = new Map(flows.map(([name]) => [name, emptySummary(name, dry)]));
    // Custom fields are provisioned in the target while the source is read (they do not depend on
    // it); an error of theirs (a field of the wrong type) stops the run before any flow writes.
    const targetBefore = target.client.stats.requests;
    const provisioning = new Map(
      flows.map(([name, flow]) => {
        const p = provisionFields({ state: data, mapping: plan.mapping.name, flowName: name, flow, op: target.connector.operations![flow.to], target, dryRun: dry });
        background.push(p.catch(() => undefined));
        return [name, p] as const;
      }),
    );
    // A replay reads the source too: the fix for a failed record is often made there.
    const sourceBefore = source.client.stats.requests;
    const staged = await stageStreams({ state: data, mapping: plan.mapping.name, runId, conn: source, flows, full: !!o.full, persistCursors: !dry, onEvent });
    if (staged.warnings.length) result.warnings = staged.warnings;
    data.checkpoint();
    await Promise.all(provisioning.values());
    for (const [name, flow] of flows) {
      const s = summaries.get(name)!;
      s.read = staged.read.get(flow.from) ?? 0;
      s.requests.source = source.client.stats.requests - sourceBefore;
    }
    // The first flow counts the provisioning requests of every flow (made during staging).
    let before = targetBefore;
    for (const [name, flow] of flows) {
      const flowStart = Date.now();
      const summary = summaries.get(name)!;
      const op = target.connector.operations![flow.to];
      const prov = await provisioning.get(name)!;
      if (prov.created.length || prov.updated.length) result.provisioned.push({ flow: name, created: prov.created, updated: prov.updated });
      if (flow.custom_fields?.length) onEvent({ type: 'provision', flow: name, created: prov.created, updated: prov.updated, existing: prov.existing });
      const mapper = new FlowMapper(plan.mapping.name, name, flow, op, plan.mappingFile, clock);
      let only: string[] | undefined;
      if (o.replay) {
        const rows = data.all<{ key: string; run_id: string }>("SELECT key, run_id FROM failures WHERE mapping = ? AND flow = ? AND stage <> 'read'", [plan.mapping.name, name]);
        only = rows.filter((f) => o.replay!.all || (o.replay!.runId && f.run_id === o.replay!.runId) || o.replay!.keys?.includes(f.key)).map((f) => f.key);
      }
      try {
        await processFlow({ state: data, mapping: plan.mapping.name, runId, flowName: name, flow, op, mapper, source, target, fieldKeys: prov.keys, dryRun: dry, only, full: !!o.full, now: clock, summary, onEvent });
      } finally {
        summary.requests.target = target.client.stats.requests - before;
        before = target.client.stats.requests;
        summary.durationMs = Date.now() - flowStart;
        addReadFailures(summary, staged.failed.get(name));
        result.flows.push(summary);
        data.checkpoint();
      }
      onEvent({ type: 'flow:end', flow: name, summary });
    }
    result.status = result.flows.some((f) => f.failed > 0) ? 'failed_records' : 'ok';
  } catch (e) {
    result.status = 'error';
    result.error = conns[0]?.client.redactor.redact((e as Error).message) ?? (e as Error).message;
  } finally {
    await Promise.all(background);
    for (const c of conns) await c.auth.close?.().catch(() => undefined);
    result.durationMs = Date.now() - started;
    if (!dry) {
      state.run('UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?', [new Date().toISOString(), result.status, JSON.stringify({ flows: result.flows.map(({ planned: _p, ...f }) => f), error: result.error, warnings: result.warnings }), runId]);
    }
    if (dry) data.abandon();
    state.close();
  }
  return result;
}
