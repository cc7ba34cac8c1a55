/**
 * The crash-recovery scenario (issue 11 section 2): an initial load into an empty Zendesk whose
 * sync child is SIGKILLed N times at seeded moments among its bulk writes, then a run to the end.
 * Counts what Zendesk received against what it needed, listings per run, failures and duplicates.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { journalPath } from '../../engine/store/write-journal.js';
import { failuresOf } from '../../engine/store/history.js';
import { StateStore } from '../../engine/store/state.js';
import type { SyncResult } from '../../engine/sync/events.js';
import { zendeskOf, type Sandbox } from '../../sandbox/index.js';
import type { Profile } from '../baseline.js';
import { runChild } from './child.js';
import type { ChildResult } from './protocol.js';
import { counts, compareDigests, freshZendesk, orgDigest, type RequestCounts } from './sims.js';
import { Prng } from '../../sandbox/framework/prng.js';

export const CRASH_KILLS = 5;
export const CRASH_BATCH = 100;

/**
 * Jobs run on Zendesk's clock, not on polls (as the real one's do), 2 s after queueing, with the
 * account's 30 job slots: a dead run's queued jobs still complete, and can still hold slots when
 * the next run starts writing.
 */
export const CRASH_KNOBS = {
  rateLimitEnabled: false,
  jobCompleteAfterMs: 2000,
  jobPollsToComplete: 1_000_000,
  maxActiveJobs: 30,
};

export interface CrashRun {
  run: number;
  /** Kill once this run has had this many bulk jobs accepted ... */
  killAtJobs?: number;
  /** ... and this many ms later */
  killAfterMs?: number;
  killed: boolean;
  exitCode: number | null;
  wallMs: number;
  /** Records received in bulk jobs, all runs up to the end of this one */
  receivedAfter: number;
  organizationsAfter: number;
  /** First pages of GET /organizations (a listing of the account) in this run */
  listings: number;
  listingPages: number;
  bulkRequests: number;
  tooManyJobs: number;
  /** Killed runs: bulk jobs Zendesk accepted in this run whose id the write journal did not hold at the kill */
  acceptedUnjournaled?: number;
  /** Killed runs: batches journaled as about to be sent with no job id (accepted, on the wire or not sent yet) */
  intentsWithoutJob?: number;
  zendeskRequests: number;
  status?: string;
  error?: string;
}

export interface CrashReport {
  killsWanted: number;
  kills: number;
  batch: number;
  organizationsNeeded: number;
  received: number;
  resent: number;
  bound: number;
  listingsPerRun: number[];
  /** Failed records of the final run plus failure rows left in the state */
  failedRecords: number;
  failuresInState: number;
  duplicates: number;
  finalOrganizations: number;
  /** Final organizations against another run's (field for field) */
  compare?: { with: string; onlyA: number; onlyB: number; differ: number; example?: unknown };
  knobs: Record<string, unknown>;
  runs: CrashRun[];
}

export interface CrashContext {
  visma: Sandbox;
  root: string;
  work: string;
  seed: number;
  timeoutMs: number;
  /** Organizations another run wrote, to check the final ones against */
  reference?: { id: string; digest: Map<string, string> };
  log: (msg: string) => void;
}

export interface CrashOutcome {
  report: CrashReport;
  /** The final (unkilled) run's child */
  final: ChildResult & { exitCode: number | null; spawnMs: number };
  zendesk: RequestCounts;
  visma: RequestCounts;
  sandbox: Sandbox;
}

/** The simulators' seeded PRNG, as the e2e tests pick kill moments: the same seed gives the same moments. */
function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

const BULK = /\/organizations\/(create|update)_many$/;

function recordsReceived(z: Sandbox): number {
  return zendeskOf(z)
    .jobStatuses()
    .filter((j) => j.job_type === 'bulk_create_organizations' || j.job_type === 'bulk_update_organizations')
    .reduce((n, j) => n + Number(j.total), 0);
}

function sum(into: RequestCounts, c: RequestCounts): void {
  into.total += c.total;
  for (const [k, v] of Object.entries(c.byRoute)) into.byRoute[k] = (into.byRoute[k] ?? 0) + v;
  for (const [k, v] of Object.entries(c.byStatus)) into.byStatus[k] = (into.byStatus[k] ?? 0) + v;
  for (const [k, v] of Object.entries(c.byKind)) into.byKind[k] = (into.byKind[k] ?? 0) + v;
}

function duplicates(z: Sandbox): number {
  const seen = new Map<string, number>();
  for (const o of zendeskOf(z).organizations()) {
    const k = (typeof o.external_id === 'string' ? o.external_id : '').toLowerCase();
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  let n = 0;
  for (const c of seen.values()) if (c > 1) n += c - 1;
  return n;
}

/**
 * What the engine's write journal (store/write-journal.ts) held when the run was killed: job ids,
 * and batches with no job id. A torn last line is skipped, as the engine does.
 */
function journalAfterKill(statePath: string): { jobs: Set<string>; intentsWithoutJob: number } {
  const file = journalPath(statePath);
  const jobs = new Set<string>();
  const intents = new Set<string>();
  const withJob = new Set<string>();
  if (!existsSync(file)) return { jobs, intentsWithoutJob: 0 };
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    let l: { t?: string; b?: string; job?: string };
    try {
      l = JSON.parse(text) as typeof l;
    } catch {
      continue;
    }
    if (l.t === 'w' && l.b) intents.add(l.b);
    if (l.t === 'j' && l.b && l.job) {
      withJob.add(l.b);
      jobs.add(l.job);
    }
  }
  return { jobs, intentsWithoutJob: [...intents].filter((b) => !withJob.has(b)).length };
}

function failuresLeft(statePath: string): Promise<number> {
  return StateStore.open(statePath, { lock: false }).then((s) => {
    try {
      return failuresOf(s).length;
    } finally {
      s.abandon();
    }
  });
}

export async function runCrash(ctx: CrashContext, organizationsNeeded: number): Promise<CrashOutcome> {
  const z = await freshZendesk(CRASH_KNOBS, ctx.seed);
  const sim = zendeskOf(z);
  const statePath = join(ctx.work, 'crash', 'state.db');
  const connections: Record<string, Profile> = { visma: ctx.visma.connections.visma, zendesk: z.connections.zendesk };
  const rnd = prng(20261203 + ctx.seed);
  const zTotal: RequestCounts = { total: 0, byRoute: {}, byStatus: {}, byKind: {} };
  const vTotal: RequestCounts = { total: 0, byRoute: {}, byStatus: {}, byKind: {} };
  const runs: CrashRun[] = [];
  let kills = 0;
  let final: CrashOutcome['final'] | undefined;
  // A kill lands after the run's k-th accepted bulk job (k seeded in 1..10), then up to 60 ms
  // later: inside a burst of submits (the writers send up to max_in_flight jobs at once), some
  // accepted, some on the wire. Counting the run's own jobs, and a short delay, keep each killed
  // run to a fraction of the load, so the N kills all land among writes and the last run has work.
  while (!final) {
    const attempt = kills < CRASH_KILLS;
    const killAtJobs = attempt ? 1 + Math.floor(rnd() * 10) : undefined;
    const killAfterMs = attempt ? Math.round(rnd() * 60) : undefined;
    z.simulators.zendesk!.resetStats();
    ctx.visma.simulators.visma!.resetStats();
    const jobsOf = () => (sim.state() as { jobs: number }).jobs;
    const jobsAtStart = jobsOf();
    const idsBefore = new Set(sim.jobStatuses().map((j) => String(j.id)));
    const reached = () => jobsOf() - jobsAtStart >= killAtJobs!;
    const label = `crash-${runs.length + 1}`;
    ctx.log(
      `crash: run ${runs.length + 1}${attempt ? `, kill ${killAfterMs} ms after its bulk job #${killAtJobs}` : ', to the end'}`,
    );
    const r = await runChild(
      { mode: 'engine', root: ctx.root, connections, statePath },
      {
        workDir: ctx.work,
        label,
        timeoutMs: ctx.timeoutMs,
        kill: attempt ? { when: reached, afterMs: killAfterMs! } : undefined,
      },
    );
    const zc = counts(z, 'zendesk');
    const log = zc.log ?? [];
    delete zc.log;
    const vc = counts(ctx.visma, 'visma');
    delete vc.log;
    sum(zTotal, zc);
    sum(vTotal, vc);
    const listing = log.filter((l) => l.method === 'GET' && l.path === '/api/v2/organizations');
    const bulk = log.filter((l) => l.method !== 'GET' && BULK.test(l.path));
    const run: CrashRun = {
      run: runs.length + 1,
      killAtJobs,
      killAfterMs,
      killed: r.killed === true,
      exitCode: r.exitCode,
      wallMs: r.spawnMs,
      receivedAfter: recordsReceived(z),
      organizationsAfter: sim.organizationCount(),
      listings: listing.filter((l) => !/page(%5B|\[)after(%5D|\])/.test(l.query)).length,
      listingPages: listing.length,
      bulkRequests: bulk.length,
      tooManyJobs: bulk.filter((l) => l.status === 429).length,
      zendeskRequests: zc.total,
      status: (r.result as SyncResult | undefined)?.status,
      error: r.killed ? undefined : r.error,
    };
    if (run.killed) {
      const j = journalAfterKill(statePath);
      const accepted = sim.jobStatuses().filter((x) => !idsBefore.has(String(x.id)));
      run.acceptedUnjournaled = accepted.filter((x) => !j.jobs.has(String(x.id))).length;
      run.intentsWithoutJob = j.intentsWithoutJob;
    }
    runs.push(run);
    ctx.log(
      `crash: run ${run.run} ${run.killed ? 'killed' : `exited ${String(r.exitCode)} (${run.status ?? r.error ?? ''})`} after ${(r.spawnMs / 1000).toFixed(1)} s; ${run.receivedAfter} records received, ${run.organizationsAfter} organizations, ${run.listings} listing(s), ${run.tooManyJobs} × 429`,
    );
    if (run.killed) kills++;
    // A run that ends before its kill (nothing left to write, or an error) ends the scenario.
    else final = r;
  }
  const received = recordsReceived(z);
  const result = final.result as SyncResult | undefined;
  const finalFailed = (result?.flows ?? []).reduce((n, f) => n + f.failed, 0);
  const failuresInState = await failuresLeft(statePath);
  const digest = orgDigest(z);
  const report: CrashReport = {
    killsWanted: CRASH_KILLS,
    kills,
    batch: CRASH_BATCH,
    organizationsNeeded,
    received,
    resent: received - organizationsNeeded,
    bound: kills * CRASH_BATCH,
    listingsPerRun: runs.map((x) => x.listings),
    failedRecords: finalFailed + failuresInState,
    failuresInState,
    duplicates: duplicates(z),
    finalOrganizations: sim.organizationCount(),
    compare: ctx.reference ? { with: ctx.reference.id, ...compareDigests(digest, ctx.reference.digest) } : undefined,
    knobs: CRASH_KNOBS,
    runs,
  };
  return { report, final: final, zendesk: zTotal, visma: vTotal, sandbox: z };
}
