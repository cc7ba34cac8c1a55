/**
 * Benchmark of the flagship sync visma-zendesk (npm run bench).
 *
 *   node dist/bench/run.js                      10,000 customers (~40,000 invoices), every scenario, then
 *                                               100,000 (~400,000 invoices): baseline, initial load, re-run,
 *                                               each run capped at 20 minutes
 *   node dist/bench/run.js --size 10000         only 10,000
 *   node dist/bench/run.js --size 100000        only 100,000 (no cap beyond --timeout-min)
 *   options: --seed N; --profile (adds a --cpu-prof run of the engine at 10,000 and summarises it);
 *            --rl-limit N (per-minute limit of the rate-limit variant, default 30);
 *            --only a,b (scenario ids, see ALL_SCENARIOS); --timeout-min N (per child, default 240);
 *            --render-only (rewrite latest.md from latest.json, no measuring);
 *            --ratio-pairs N (baseline + initial pairs behind the wall and CPU ratios; default 3 at
 *            10,000, 1 at 100,000: one pair on a shared machine is too noisy to judge 1.2x by)
 *
 * The simulators run in this process; every measured sync runs in its own child process
 * (dist/bench/sync-child.js) so its peak RSS is its own. Scenarios run one after another (the
 * machine the issue targets has two shared cores: one serves, one syncs). Results are printed
 * and written to bench/results/latest.md and bench/results/latest.json; sizes a run does not
 * measure keep their section from the previous latest.json.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, vismaOf, type Sandbox } from '../sandbox/index.js';
import type { Profile } from './baseline.js';
import { runChild } from './lib/child.js';
import { runCrash } from './lib/crash.js';
import { summarizeProfile } from './lib/profile.js';
import type { ChildResult } from './lib/protocol.js';
import {
  render,
  type CodeVersion,
  type Dataset,
  type ReconcileBench,
  type Repeat,
  type Report,
  type Scenario,
} from './lib/report.js';
import type { SyncResult } from '../engine/sync/events.js';
import { compareDigests, counts, freshZendesk, orgDigest, rateAnalysis } from './lib/sims.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');

/** In run order. */
export const ALL_SCENARIOS = [
  'baseline',
  'mapper',
  'initial',
  'rerun',
  'instrumented',
  'profile',
  'crash',
  'rl-enterprise',
  'rl-variant',
  // Last: it hard-deletes customers in the size's Visma.
  'reconcile',
] as const;
type ScenarioId = (typeof ALL_SCENARIOS)[number];

/** The default run's cap per child at 100,000: the issue wants the default bench to stay near 10 minutes a size. */
const DEFAULT_LARGE_CAP_MIN = 20;

interface Options {
  sizes: number[];
  /** No --size given: 10,000 and 100,000, the large one capped */
  defaultSizes: boolean;
  seed: number;
  profile: boolean;
  rlLimit: number;
  only?: Set<string>;
  timeoutMin?: number;
  /** Rewrite latest.md from latest.json without measuring */
  renderOnly?: boolean;
  /** baseline + initial pairs behind the wall and CPU ratios (default 3 up to 20,000 customers, else 1) */
  ratioPairs?: number;
  argv: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizes: [10_000, 100_000], defaultSizes: true, seed: 1, profile: false, rlLimit: 30, argv };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv.at(++i);
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--size') {
      o.sizes = next()
        .split(',')
        .map((s) => Number(s.replace(/_/g, '')));
      o.defaultSizes = false;
    } else if (a === '--seed') o.seed = Number(next());
    else if (a === '--profile') o.profile = true;
    else if (a === '--rl-limit') o.rlLimit = Number(next());
    else if (a === '--only') o.only = new Set(next().split(','));
    else if (a === '--timeout-min') o.timeoutMin = Number(next());
    else if (a === '--render-only') o.renderOnly = true;
    else if (a === '--ratio-pairs') o.ratioPairs = Number(next());
    else throw new Error(`unknown option ${a} (see the comment at the top of bench/run.ts)`);
  }
  if (o.ratioPairs !== undefined && (!Number.isInteger(o.ratioPairs) || o.ratioPairs < 1))
    throw new Error('--ratio-pairs takes a positive integer');
  if (o.sizes.some((s) => !Number.isInteger(s) || s < 1))
    throw new Error('--size takes positive integers, e.g. --size 100000');
  const unknown = [...(o.only ?? [])].filter((s) => !(ALL_SCENARIOS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')} (have: ${ALL_SCENARIOS.join(', ')})`);
  return o;
}

const SMALL = 20_000;

/** Everything at 10,000; at large sizes the scenarios the issue asks for (and the baseline, for the ratio). */
function scenariosFor(size: number, o: Options): ScenarioId[] {
  if (o.only) return ALL_SCENARIOS.filter((s) => o.only!.has(s));
  const ids: ScenarioId[] =
    size <= SMALL
      ? ['baseline', 'mapper', 'initial', 'rerun', 'instrumented', 'crash', 'rl-enterprise', 'rl-variant', 'reconcile']
      : ['baseline', 'initial', 'rerun'];
  if (o.profile && size <= SMALL) ids.push('profile');
  return ALL_SCENARIOS.filter((s) => ids.includes(s));
}

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function sh(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Hash of what is measured: compiled engine and simulators, mappings, connectors. */
function fingerprint(): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(js|ya?ml|jsonata)$/.test(name)) h.update(p).update(readFileSync(p));
    }
  };
  for (const d of ['dist/engine', 'dist/sandbox', 'mappings', 'connectors']) walk(join(ROOT, d));
  return h.digest('hex').slice(0, 12);
}

function codeVersion(): CodeVersion {
  const dirty = sh('git', ['status', '--porcelain', '--', 'engine', 'sandbox', 'mappings', 'connectors']);
  return {
    commit: sh('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown',
    dirty: dirty ? dirty.split('\n').map((l) => l.trim()) : [],
    fingerprint: fingerprint(),
  };
}

/** Trims what the report does not need (progress events beyond a summary). */
function slim(r: ChildResult & { exitCode: number | null; spawnMs: number }): Scenario['child'] {
  const { events, ...rest } = r;
  const progress = (events ?? []).filter((e) => e.type === 'progress');
  return {
    ...rest,
    events: (events ?? []).filter((e) => e.type !== 'progress'),
    progress: progress.map((e) => ({ t: e.t, done: e.done as number })),
  };
}

function partialOf(workDir: string, label: string): unknown {
  const f = join(workDir, `${label}.result.json.partial`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as unknown) : undefined;
}

/** The next minute boundary at least `marginMs` away, plus `offsetMs` (aligns a rate-limited run to a window). */
function alignedStart(marginMs = 4000, offsetMs = 200): number {
  return Math.ceil((Date.now() + marginMs) / 60_000) * 60_000 + offsetMs;
}

async function runSize(size: number, o: Options, report: Report, machine: Report['machine']): Promise<void> {
  const ids = scenariosFor(size, o);
  const work = join(tmpdir(), 'mlc-bench', String(size));
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const capMin = o.timeoutMin ?? (o.defaultSizes && size > SMALL ? DEFAULT_LARGE_CAP_MIN : 240);
  log(`size ${size}: scenarios ${ids.join(', ')} (each run capped at ${capMin} min)`);
  const t = performance.now();
  const visma = await startSandbox({
    systems: ['visma'],
    size,
    seed: o.seed,
    knobs: { visma: { rateLimitEnabled: false } },
  });
  const vstate = vismaOf(visma).state() as { customers: number; invoices: number; openInvoices: number };
  log(
    `visma simulator: ${vstate.customers} customers, ${vstate.invoices} invoices (${vstate.openInvoices} open), seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  report.datasets = report.datasets.filter((d) => d.size !== size);
  report.scenarios = report.scenarios.filter((s) => s.size !== size);
  const dataset: Dataset = {
    size,
    customers: vstate.customers,
    invoices: vstate.invoices,
    openInvoices: vstate.openInvoices,
    seed: o.seed,
    measuredAt: new Date().toISOString(),
    command: report.command,
    machine,
    capMin,
    code: codeVersion(),
    loadAvg: { start: loadavg() },
  };
  report.datasets.push(dataset);
  report.datasets.sort((a, b) => a.size - b.size);
  const timeoutMs = capMin * 60_000;
  const noLimit = { rateLimitEnabled: false };
  let initialZendesk: Sandbox | undefined;
  const digests = new Map<string, Map<string, string>>();
  const statePath = (name: string) => join(work, name, 'state.db');

  const engineRun = async (
    id: ScenarioId,
    title: string,
    zknobs: Record<string, unknown>,
    extra: {
      instrument?: boolean;
      nodeArgs?: string[];
      align?: boolean;
      state?: string;
      zendesk?: Sandbox;
      reconcile?: boolean;
    } = {},
  ): Promise<{ s: Scenario; z: Sandbox }> => {
    const z = extra.zendesk ?? (await freshZendesk(zknobs, o.seed));
    z.simulators.zendesk!.resetStats();
    visma.simulators.visma!.resetStats();
    const connections: Record<string, Profile> = { visma: visma.connections.visma, zendesk: z.connections.zendesk };
    const startAt = extra.align ? alignedStart() : undefined;
    if (startAt)
      log(`${id}: starts at the next rate-limit window (in ${((startAt - Date.now()) / 1000).toFixed(0)} s)`);
    log(`${id}: ${title}`);
    const r = await runChild(
      {
        mode: 'engine',
        root: ROOT,
        connections,
        statePath: extra.state ?? statePath(id),
        instrument: extra.instrument,
        startAtEpochMs: startAt,
        reconcile: extra.reconcile,
      },
      { workDir: work, label: id, timeoutMs, nodeArgs: extra.nodeArgs },
    );
    const s: Scenario = {
      id,
      size,
      title,
      child: slim(r),
      zendesk: counts(z, 'zendesk'),
      visma: counts(visma, 'visma'),
    };
    if (!r.ok) s.partial = partialOf(work, id);
    log(
      `${id}: ${r.ok ? 'ok' : `FAILED: ${r.error}`} — ${(r.wallMs / 1000).toFixed(1)} s, Zendesk ${s.zendesk!.total} requests, peak RSS ${r.memory.maxRssMB.toFixed(0)} MB`,
    );
    return { s, z };
  };

  /** One more baseline run for the ratios: fresh Zendesk, the same Visma. */
  const repeatBaseline = async (k: number): Promise<Repeat> => {
    const z = await freshZendesk(noLimit, o.seed);
    visma.simulators.visma!.resetStats();
    const r = await runChild(
      {
        mode: 'baseline',
        root: ROOT,
        connections: { visma: visma.connections.visma, zendesk: z.connections.zendesk },
        statePath: join(work, `baseline-${k}-state.json`),
      },
      { workDir: work, label: `baseline-${k}`, timeoutMs },
    );
    const rep: Repeat = {
      ok: r.ok,
      wallMs: r.wallMs,
      cpuMs: r.cpu.userMs + r.cpu.systemMs,
      vismaRequests: counts(visma, 'visma').total,
    };
    await z.stop();
    log(
      `baseline, pair ${k}: ${r.ok ? 'ok' : `FAILED: ${r.error}`} — ${(r.wallMs / 1000).toFixed(1)} s, CPU ${(rep.cpuMs / 1000).toFixed(1)} s`,
    );
    return rep;
  };
  /** One more engine initial load for the ratios: fresh Zendesk and state. */
  const repeatEngine = async (k: number): Promise<Repeat> => {
    const z = await freshZendesk(noLimit, o.seed);
    visma.simulators.visma!.resetStats();
    const connections: Record<string, Profile> = { visma: visma.connections.visma, zendesk: z.connections.zendesk };
    const r = await runChild(
      { mode: 'engine', root: ROOT, connections, statePath: statePath(`initial-${k}`) },
      { workDir: work, label: `initial-${k}`, timeoutMs },
    );
    const rep: Repeat = {
      ok: r.ok,
      wallMs: r.wallMs,
      cpuMs: r.cpu.userMs + r.cpu.systemMs,
      vismaRequests: counts(visma, 'visma').total,
    };
    await z.stop();
    log(
      `initial, pair ${k}: ${r.ok ? 'ok' : `FAILED: ${r.error}`} — ${(r.wallMs / 1000).toFixed(1)} s, CPU ${(rep.cpuMs / 1000).toFixed(1)} s`,
    );
    return rep;
  };

  for (const id of ids) {
    let z: Sandbox | undefined;
    if (id === 'initial') {
      // At large sizes there is no separate instrumented run: the initial load carries the (light) instrumentation.
      const large = size > SMALL;
      const run = await engineRun(
        id,
        `engine: initial load into an empty Zendesk (zero latency, no rate limit)${large ? ', instrumented' : ''}`,
        noLimit,
        { instrument: large },
      );
      initialZendesk = run.z;
      digests.set(id, orgDigest(run.z));
      report.scenarios.push(run.s);
      const base = report.scenarios.find((x) => x.size === size && x.id === 'baseline');
      const pairs = o.ratioPairs ?? (size <= SMALL ? 3 : 1);
      if (base) {
        base.repeats = [];
        run.s.repeats = [];
        for (let k = 2; k <= pairs; k++) {
          base.repeats.push(await repeatBaseline(k));
          run.s.repeats.push(await repeatEngine(k));
        }
      }
    } else if (id === 'rerun') {
      if (!initialZendesk) {
        log('rerun: needs the initial scenario; skipped');
        continue;
      }
      const run = await engineRun(id, 'engine: immediate re-run, nothing changed (same state, same Zendesk)', noLimit, {
        zendesk: initialZendesk,
        state: statePath('initial'),
      });
      report.scenarios.push(run.s);
    } else if (id === 'baseline') {
      z = await freshZendesk(noLimit, o.seed);
      visma.simulators.visma!.resetStats();
      log('baseline: hand-written sync, initial load into an empty Zendesk');
      const r = await runChild(
        {
          mode: 'baseline',
          root: ROOT,
          connections: { visma: visma.connections.visma, zendesk: z.connections.zendesk },
          statePath: join(work, 'baseline-state.json'),
        },
        { workDir: work, label: id, timeoutMs },
      );
      report.scenarios.push({
        id,
        size,
        title: 'baseline: hand-written TypeScript sync (bench/baseline.ts), initial load into an empty Zendesk',
        child: slim(r),
        zendesk: counts(z, 'zendesk'),
        visma: counts(visma, 'visma'),
      });
      digests.set(id, orgDigest(z));
      log(
        `baseline: ${r.ok ? 'ok' : `FAILED: ${r.error}`} — ${(r.wallMs / 1000).toFixed(1)} s, Zendesk ${report.scenarios[report.scenarios.length - 1].zendesk!.total} requests`,
      );
    } else if (id === 'mapper') {
      log('mapper: FlowMapper (JSONata) vs the hand-written payload on every customer');
      const r = await runChild(
        { mode: 'mapper', root: ROOT, connections: { visma: visma.connections.visma }, statePath: '', passes: 2 },
        { workDir: work, label: id, timeoutMs },
      );
      report.scenarios.push({
        id,
        size,
        title: 'mapping alone: FlowMapper (organization.jsonata) vs hand-written payload, same inputs',
        child: slim(r),
      });
    } else if (id === 'instrumented') {
      const run = await engineRun(
        id,
        'engine: initial load, instrumented (time per SQL statement, mapper, HTTP, checkpoints)',
        noLimit,
        { instrument: true },
      );
      z = run.z;
      report.scenarios.push(run.s);
    } else if (id === 'profile') {
      const dir = join(work, 'cpuprofile');
      rmSync(dir, { recursive: true, force: true });
      const run = await engineRun(id, 'engine: initial load under --cpu-prof', noLimit, {
        nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
      });
      z = run.z;
      // One file per thread, named CPU.<date>.<time>.<pid>.<thread>.<seq>: thread 0 is the main one, the others map.
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
      const file = files.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
      run.s.workerProfiles = files
        .filter((f) => f !== file)
        .map((f) => summarizeProfile(join(dir, f), ['mapRecord', 'evaluate@jsonata', 'payloadHash']));
      if (file) {
        run.s.profile = summarizeProfile(join(dir, file), [
          'runSync',
          'stageStreams',
          'stagePage',
          'processFlow',
          'mapChunk',
          'loadChunk',
          'mapRecord',
          'provisionFields',
          'asyncJobWriter',
          'scanTarget',
          'checkpoint@store/state.js',
          'all@store/state.js',
          'run@store/state.js',
          'transaction@store/state.js',
          'map@map/flow-mapper.js',
          'keepRelated@map/flow-mapper.js',
          'evaluate@jsonata',
          'payloadHash',
          'canonicalJson',
          'request@http/client.js',
          'writeFileAtomic',
        ]);
      }
      report.scenarios.push(run.s);
    } else if (id === 'crash') {
      const refId = digests.has('initial') ? 'initial' : digests.has('baseline') ? 'baseline' : undefined;
      const c = await runCrash(
        {
          visma,
          root: ROOT,
          work,
          seed: o.seed,
          timeoutMs,
          reference: refId ? { id: refId, digest: digests.get(refId)! } : undefined,
          log,
        },
        vstate.customers,
      );
      z = c.sandbox;
      report.scenarios.push({
        id,
        size,
        title: `engine: initial load into an empty Zendesk, SIGKILLed ${c.report.kills} times among its bulk writes, then run to the end (this row: the last run; requests: all runs)`,
        child: slim(c.final),
        zendesk: c.zendesk,
        visma: c.visma,
        crash: c.report,
      });
      log(
        `crash: ${c.report.kills} kills, ${c.report.resent} re-sent writes (bound ${c.report.bound}), listings per run ${c.report.listingsPerRun.join(',')}, ${c.report.failedRecords} failed, ${c.report.duplicates} duplicates, ${c.report.finalOrganizations} organizations`,
      );
    } else if (id === 'rl-enterprise') {
      const run = await engineRun(
        id,
        'engine: initial load, Zendesk at the Enterprise limit (700 requests/minute, rate limiting on)',
        { rateLimitEnabled: true, plan: 'enterprise' },
      );
      z = run.z;
      run.s.rate = rateAnalysis(run.s.zendesk!.log ?? [], run.s.child.startEpochMs, 700);
      report.scenarios.push(run.s);
    } else if (id === 'reconcile') {
      const load = await engineRun(
        id,
        'engine: initial load (the full re-read a reconcile is weighed against)',
        noLimit,
        {
          state: statePath('reconcile'),
        },
      );
      // Visma refuses to delete a customer with documents: these have none.
      const gone = vismaOf(visma).mutate({ deleteCustomers: RECONCILE_DELETES }).deletedCustomers;
      // The same sync without the reconcile (not due a week after the load): what the listing adds to a run.
      const plain = await engineRun(id, 'engine: sync after the deletes, no reconcile (not due)', noLimit, {
        zendesk: load.z,
        state: statePath('reconcile'),
      });
      const run = await engineRun(
        id,
        `engine: mlc sync --reconcile after ${gone.length} customers were hard-deleted in Visma ` +
          '(same state, same Zendesk)',
        noLimit,
        { zendesk: load.z, state: statePath('reconcile'), reconcile: true },
      );
      await load.z.stop();
      run.s.reconcile = reconcileBench({ load: load.s, plain: plain.s, run: run.s }, gone);
      report.scenarios.push(run.s);
      const x = run.s.reconcile;
      log(
        `reconcile: listing ${x.listingRequests} requests for ${x.listed} keys vs ${x.fullReadRequests} ` +
          `for the load; marked ${x.found.length} of ${gone.length} deleted`,
      );
    } else {
      // The last kind of scenario: a new kind does not compile here until it has its own branch.
      const _last: 'rl-variant' = id;
      const run = await engineRun(
        id,
        `engine: initial load, Zendesk limited to ${o.rlLimit} requests/minute (so the rate-limit bound spans several windows)`,
        { rateLimitEnabled: true, rateLimitPerMinute: o.rlLimit },
        { align: true },
      );
      z = run.z;
      run.s.rate = rateAnalysis(run.s.zendesk!.log ?? [], run.s.child.startEpochMs, o.rlLimit);
      report.scenarios.push(run.s);
    }
    await z?.stop();
    // The raw request logs were only needed for the rate analysis; keep the JSON small.
    const last = report.scenarios.at(-1);
    if (last?.zendesk) delete last.zendesk.log;
    if (last?.visma) delete last.visma.log;
    writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(report, null, 1));
  }
  // What the baseline wrote must equal what the engine wrote.
  const engineOrgs = digests.get('initial');
  const baseOrgs = digests.get('baseline');
  const base = report.scenarios.find((x) => x.size === size && x.id === 'baseline');
  if (engineOrgs && baseOrgs && base) base.compare = compareDigests(engineOrgs, baseOrgs);
  await initialZendesk?.stop();
  await visma.stop();
  if (!process.env.MLC_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  dataset.durationSec = (performance.now() - t) / 1000;
  dataset.loadAvg!.end = loadavg();
  const after = fingerprint();
  if (after !== dataset.code.fingerprint) dataset.code.changedDuringRun = after;
}

/** Customers the reconcile scenario hard-deletes in Visma before it reconciles. */
const RECONCILE_DELETES = 10;

/** What the reconcile run reported, beside the load it is weighed against. */
function reconcileBench(
  { load, plain, run }: { load: Scenario; plain: Scenario; run: Scenario },
  gone: string[],
): ReconcileBench {
  const customers = (s: Scenario) =>
    (s.child.result as SyncResult | undefined)?.reconciles?.find((x) => x.stream === 'customers');
  const x = customers(run);
  const cpu = (s: Scenario) => s.child.cpu.userMs + s.child.cpu.systemMs;
  return {
    deletedAtSource: gone,
    complete: x?.complete ?? false,
    listed: x?.listed ?? 0,
    listingRequests: x?.requests ?? 0,
    // The summary keeps up to 20 of the keys it marked: more than the scenario deletes.
    found: x?.sample ?? [],
    fullReadRequests: load.visma?.total ?? 0,
    runVismaRequests: run.visma?.total ?? 0,
    loadCpuMs: cpu(load),
    runCpuMs: cpu(run),
    runWallMs: run.child.wallMs,
    plainCpuMs: cpu(plain),
    plainWallMs: plain.child.wallMs,
    plainVismaRequests: plain.visma?.total ?? 0,
    plainReconciled: customers(plain) !== undefined,
  };
}

/** The previous latest.json (its other sizes are kept). */
function previous(): Pick<Report, 'datasets' | 'scenarios'> {
  try {
    // Written by an earlier version of the bench: a section may be missing.
    const prev = JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) as Partial<Report>;
    const datasets = (prev.datasets ?? []).filter((d) => d.measuredAt && d.code);
    const sizes = new Set(datasets.map((d) => d.size));
    return { datasets, scenarios: (prev.scenarios ?? []).filter((s) => sizes.has(s.size)) };
  } catch {
    return { datasets: [], scenarios: [] };
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(RESULTS, { recursive: true });
  if (o.renderOnly) {
    const saved = JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) as Report;
    writeFileSync(join(RESULTS, 'latest.md'), render(saved));
    log(`re-rendered ${join(RESULTS, 'latest.md')} from latest.json`);
    return;
  }
  const cpu = cpus();
  const machine = {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    totalMemoryGB: totalmem() / 1024 ** 3,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
  const report: Report = {
    generatedAt: new Date().toISOString(),
    command: `node dist/bench/run.js ${o.argv.join(' ')}`.trim(),
    machine,
    options: {
      sizes: o.sizes,
      defaultSizes: o.defaultSizes,
      seed: o.seed,
      rlLimit: o.rlLimit,
      profile: o.profile,
      defaultLargeCapMin: DEFAULT_LARGE_CAP_MIN,
    },
    ...previous(),
  };
  const started = performance.now();
  for (const size of o.sizes) await runSize(size, o, report, machine);
  report.totalSec = (performance.now() - started) / 1000;
  const md = render(report);
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(report, null, 1));
  writeFileSync(join(RESULTS, 'latest.md'), md);
  process.stdout.write(`${md}\n`);
  log(`wrote ${join(RESULTS, 'latest.md')} and latest.json in ${report.totalSec.toFixed(0)} s`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
