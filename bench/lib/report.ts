/**
 * Turns the bench's measurements into bench/results/latest.md: the targets table, the runs,
 * requests by route, where the engine's time goes, and findings derived from the numbers only.
 */
import type { SyncResult } from '../../engine/sync/events.js';
import type { BaselineResult } from '../baseline.js';
import type { CrashReport } from './crash.js';
import type { ProfileSummary } from './profile.js';
import type { ChildResult, TimedEvent } from './protocol.js';
import { ZENDESK_KINDS, zendeskKind, type RateAnalysis, type RequestCounts } from './sims.js';

export interface Scenario {
  id: string;
  size: number;
  title: string;
  child: Omit<ChildResult, 'events'> & {
    exitCode: number | null;
    spawnMs: number;
    events: TimedEvent[];
    progress: { t: number; done: number }[];
  };
  zendesk?: RequestCounts;
  visma?: RequestCounts;
  rate?: RateAnalysis;
  compare?: { onlyA: number; onlyB: number; differ: number; example?: unknown };
  profile?: ProfileSummary;
  /** The map worker threads' profiles (same run) */
  workerProfiles?: ProfileSummary[];
  /** What a killed child had done (timeouts) */
  partial?: unknown;
  /** The crash scenario: kills, what Zendesk received, listings per run (child is the final run's) */
  crash?: CrashReport;
  /** The reconcile scenario: what a key-set reconcile cost against a full re-read, and what it found */
  reconcile?: ReconcileBench;
  /** baseline and initial: further runs of the same, alternating baseline / engine, for the ratios' spread */
  repeats?: Repeat[];
}

export interface ReconcileBench {
  /** Customers hard-deleted in Visma between the load and the reconcile */
  deletedAtSource: string[];
  /** From the run's reconcile summary: whether the listing counted, keys listed, its requests, what it marked */
  complete: boolean;
  listed: number;
  listingRequests: number;
  found: string[];
  /** Visma requests of the initial load (customers + open invoices): the full re-read a reconcile avoids */
  fullReadRequests: number;
  /** Visma requests of the whole reconcile run (its delta read included) */
  runVismaRequests: number;
  loadCpuMs: number;
  runCpuMs: number;
  runWallMs: number;
  /** The same sync just before, without the reconcile (not due): what the listing adds */
  plainCpuMs: number;
  plainWallMs: number;
  plainVismaRequests: number;
  /** Whether that run reconciled (it must not: the last reconcile is the load's) */
  plainReconciled: boolean;
}

export interface Repeat {
  ok: boolean;
  wallMs: number;
  cpuMs: number;
  vismaRequests: number;
}

export interface Machine {
  cpu: string;
  cores: number;
  totalMemoryGB: number;
  node: string;
  os: string;
}

export interface CodeVersion {
  commit: string;
  /** `git status --porcelain` of engine, sandbox, mappings, connectors */
  dirty: string[];
  /** Hash of dist/engine, dist/sandbox, mappings, connectors when the size started */
  fingerprint: string;
  /** Set when the fingerprint differed when the size ended: the runs mix code versions */
  changedDuringRun?: string;
}

export interface Dataset {
  size: number;
  customers: number;
  invoices: number;
  openInvoices: number;
  seed: number;
  /** When and how this size was measured (sizes not re-run are kept from the previous latest.json) */
  measuredAt: string;
  command: string;
  machine: Machine;
  code: CodeVersion;
  capMin: number;
  durationSec?: number;
  /** os.loadavg() when the size started and ended: above the core count, other work competed for the CPU */
  loadAvg?: { start: number[]; end?: number[] };
}

export interface Report {
  generatedAt: string;
  command: string;
  machine: Machine;
  options: Record<string, unknown>;
  datasets: Dataset[];
  scenarios: Scenario[];
  totalSec?: number;
}

interface MapperRun {
  pass: number;
  records: number;
  invoices: number;
  openInvoices: number;
  joinMs: number;
  mapMs: number;
  /** The transform alone on the JSONata interpreter */
  interpretedMs?: number;
  handMs: number;
  handJoinMs: number;
}

const SMALL = 20_000;
/** Issue 11 section 5: the engine's wall time and CPU against the hand-written sync's */
const WALL_RATIO = 1.2;
const CPU_RATIO = 2.0;
const n = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const sec = (ms: number) => n(ms / 1000, 1);
const ratio = (x: number) => (x >= 10 ? n(x, 1) : n(x, 2));
const pct = (part: number, whole: number) => `${n((100 * part) / Math.max(1e-9, whole), 1)}%`;
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const head = (cells: string[]) => [row(cells), row(cells.map(() => '---'))];

/** The cap of a large run, in minutes, as the report's options recorded it (20 when they did not). */
function largeCapMin(r: Report): number {
  const cap = r.options.defaultLargeCapMin;
  return typeof cap === 'number' ? cap : 20;
}

function machine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${n(m.totalMemoryGB, 1)} GB RAM, ${m.os}; Node ${m.node}`;
}

function syncResult(s: Scenario | undefined): SyncResult | undefined {
  const r = s?.child.result as SyncResult | undefined;
  return r && Array.isArray(r.flows) ? r : undefined;
}

/** Runs with measuring aids in the process (their memory is not the engine's alone). */
const MEASURING = new Set(['profile', 'instrumented']);
/** Engine runs that are not a whole initial load (a no-op re-run; the crash scenario's last run finishes a load) */
const NOT_A_LOAD = new Set(['rerun', 'crash']);

function flowTotals(s: Scenario | undefined): {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  skipped: number;
  target: number;
} {
  const z = { created: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0, target: 0 };
  if (s?.id === 'baseline') {
    const b = s.child.result as BaselineResult | undefined;
    if (b)
      return {
        created: b.created,
        updated: b.updated,
        unchanged: 0,
        failed: b.failed,
        skipped: 0,
        target: b.requests.zendesk,
      };
  }
  for (const f of syncResult(s)?.flows ?? []) {
    z.created += f.created;
    z.updated += f.updated;
    z.unchanged += f.unchanged;
    z.failed += f.failed;
    z.skipped += f.skipped;
    z.target += f.requests.target;
  }
  return z;
}

function verdict(ok: boolean | undefined, missedBy?: string): string {
  if (ok === undefined) return 'n/a';
  return ok ? 'met' : `**MISSED**${missedBy ? ` (${missedBy})` : ''}`;
}

/** The reconcile's cost against a full re-read, and whether it found exactly the deleted customers. */
function reconcileRow(x: ReconcileBench, ok: boolean): string {
  const same =
    x.complete &&
    x.found.length === x.deletedAtSource.length &&
    [...x.found].sort().join() === [...x.deletedAtSource].sort().join();
  const cheaper = x.listingRequests < x.fullReadRequests;
  return row([
    'R',
    'Key-set reconcile: ids listing of every customer (largest page) vs a full re-read (customers + open invoices)',
    'fewer requests; marks exactly the deleted customers',
    `listing ${n(x.listingRequests)} requests for ${n(x.listed)} keys (the run: ${n(x.runVismaRequests)} Visma ` +
      `requests, CPU ${sec(x.runCpuMs)} s, wall ${sec(x.runWallMs)} s; the same sync without it: ` +
      `${n(x.plainVismaRequests)} requests, CPU ${sec(x.plainCpuMs)} s, wall ${sec(x.plainWallMs)} s) vs ` +
      `${n(x.fullReadRequests)} Visma requests of the initial load (CPU ${sec(x.loadCpuMs)} s); marked ` +
      `${n(x.found.length)} of ${n(x.deletedAtSource.length)} deleted${x.complete ? '' : ' (listing incomplete)'}` +
      (x.plainReconciled ? '; **the sync before it reconciled too (not due)**' : ''),
    ok
      ? verdict(
          cheaper && same && !x.plainReconciled,
          cheaper ? 'not exactly the deleted ones, or a reconcile before it was due' : 'no cheaper than a re-read',
        )
      : '**FAILED**',
  ]);
}

function eventAt(s: Scenario, type: string): number | undefined {
  return s.child.events.find((e) => e.type === type)?.t;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The first engine/baseline pair and the repeats, matched by position; verdicts take the median ratio. */
function pairs(initial: Scenario, base: Scenario): { e: Repeat; b: Repeat }[] {
  const one = (s: Scenario): Repeat => ({
    ok: s.child.ok,
    wallMs: s.child.wallMs,
    cpuMs: cpuWait(s).cpuMs,
    vismaRequests: s.visma?.total ?? 0,
  });
  const out = [{ e: one(initial), b: one(base) }];
  const k = Math.min(initial.repeats?.length ?? 0, base.repeats?.length ?? 0);
  for (let i = 0; i < k; i++) out.push({ e: initial.repeats![i], b: base.repeats![i] });
  return out;
}

/** CPU seconds of the child and the rest of its life spent waiting (sleeps, the simulators, I/O). */
function cpuWait(s: Scenario): { cpuMs: number; waitMs: number } {
  const cpuMs = s.child.cpu.userMs + s.child.cpu.systemMs;
  return { cpuMs, waitMs: Math.max(0, s.child.wallMs + s.child.bootMs - cpuMs) };
}

/** Phases of an engine run from its events. */
function phases(s: Scenario): { name: string; ms: number }[] {
  const start = eventAt(s, 'run:start');
  const stages = s.child.events.filter((e) => e.type === 'stage');
  const prov = eventAt(s, 'provision');
  const flowEnd = eventAt(s, 'flow:end');
  const out: { name: string; ms: number }[] = [
    { name: 'node boot + imports (before runSync; not in the wall time)', ms: s.child.bootMs },
  ];
  if (start === undefined) return out;
  out.push({ name: 'plan (load + lint the project) + open state', ms: start });
  let prev = start;
  for (const st of stages) {
    out.push({
      name: `stage ${String(st.stream)} (${n(Number(st.read))} records: read, mirror, links, pending)`,
      ms: st.t - prev,
    });
    prev = st.t;
  }
  if (prov !== undefined) {
    out.push({ name: 'checkpoint after staging + provision custom fields', ms: prov - prev });
    prev = prov;
  }
  if (flowEnd !== undefined) {
    out.push({
      name: 'process flow (lookup scan, map, diff, write, job polls, audit, checkpoints)',
      ms: flowEnd - prev,
    });
    prev = flowEnd;
  }
  out.push({ name: 'finish (run row, final checkpoint, close)', ms: s.child.wallMs - prev });
  return out;
}

/** Issue 11 section 2's figure: re-sent writes after N kills, listings per run, and a correct end state. */
function crashTargets(L: string[], c: CrashReport, s: Scenario): void {
  const done = s.child.ok && c.kills === c.killsWanted;
  const why = done
    ? undefined
    : `${c.kills} of ${c.killsWanted} kills landed; final run ${
        s.child.ok ? 'ok' : `failed: ${(s.child.error ?? '').split('\n')[0].slice(0, 160)}`
      }`;
  // Fewer kills than asked, or a final run that failed, measured something else than the target's.
  const ok = (x: boolean) => (done ? verdict(x) : `**NOT MEASURED** (${why})`);
  L.push(
    row([
      '6a',
      `Re-sent writes after ${c.killsWanted} SIGKILLs during a ${n(c.organizationsNeeded)}-organization initial load (records Zendesk received in create_many/update_many jobs beyond one per organization)`,
      `≤ ${c.killsWanted} × ${c.batch} = ${n(c.killsWanted * c.batch)}`,
      `${n(c.resent)} (${n(c.received)} received for ${n(c.organizationsNeeded)} organizations)`,
      ok(c.resent <= c.bound),
    ]),
  );
  const most = Math.max(0, ...c.listingsPerRun);
  L.push(
    row([
      '6b',
      'Organizations listings (`GET /organizations`, first pages) per run, same scenario',
      '≤ 1 per run',
      `${c.listingsPerRun.join(', ')} over ${c.listingsPerRun.length} runs (${n(c.runs.reduce((a, x) => a + x.listingPages, 0))} listing pages in all)`,
      ok(most <= 1),
    ]),
  );
  const cmp = c.compare;
  const correct =
    c.finalOrganizations === c.organizationsNeeded &&
    c.duplicates === 0 &&
    c.failedRecords === 0 &&
    (!cmp || cmp.onlyA + cmp.onlyB + cmp.differ === 0);
  L.push(
    row([
      '6c',
      'Same scenario, at the end: failed records, duplicate organizations, organizations as they should be',
      '0, 0, count = customers, all equal',
      `${n(c.failedRecords)} failed (${n(c.failuresInState)} failure rows in the state), ${n(c.duplicates)} duplicates, ${n(c.finalOrganizations)} organizations for ${n(c.organizationsNeeded)} customers${cmp ? `; against the ${cmp.with} run's: ${cmp.differ} differ, ${cmp.onlyA} only here, ${cmp.onlyB} missing` : '; not compared (no initial or baseline run)'}`,
      ok(correct),
    ]),
  );
}

function crashSection(L: string[], c: CrashReport): void {
  L.push(`### Crash recovery (${c.kills} SIGKILLs, then a run to the end)`);
  L.push('');
  L.push(
    `Zendesk knobs: ${Object.entries(c.knobs)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(
        ', ',
      )} (jobs complete on Zendesk's clock, polled or not). Each killed run is killed a seeded 0–60 ms after Zendesk accepted its k-th bulk job (k seeded in 1–10): inside a burst of submits (the writers send up to max_in_flight jobs at once), with some jobs accepted and some on the wire.`,
  );
  L.push('');
  L.push(
    ...head([
      'Run',
      'kill after bulk job # (+ms)',
      'outcome',
      's',
      'records received (cumulative)',
      'organizations (applied so far)',
      'listings (pages)',
      'bulk requests (429)',
      'jobs accepted, not journaled',
      'batches journaled without a job id',
      'Zendesk req',
    ]),
  );
  for (const x of c.runs) {
    L.push(
      row([
        x.run,
        x.killAtJobs === undefined ? '—' : `${x.killAtJobs} (+${x.killAfterMs})`,
        x.killed
          ? 'killed'
          : (x.status ?? `exit ${String(x.exitCode)}: ${(x.error ?? '').split('\n')[0].slice(0, 120)}`),
        sec(x.wallMs),
        n(x.receivedAfter),
        n(x.organizationsAfter),
        `${x.listings} (${x.listingPages})`,
        `${x.bulkRequests} (${x.tooManyJobs})`,
        x.acceptedUnjournaled ?? '—',
        x.intentsWithoutJob ?? '—',
        n(x.zendeskRequests),
      ]),
    );
  }
  L.push('');
  L.push(
    'A job Zendesk accepted whose id the write journal did not hold at the kill cannot be read back: its records are in doubt and the next run writes them again (re-sent writes). Batches journaled without a job id that Zendesk never received are in doubt too, but writing them later is not a re-send. Organizations count what the simulator has applied when the run ended (time-based jobs complete when it is next asked).',
  );
  L.push('');
}

export function render(r: Report): string {
  const L: string[] = [];
  L.push('# mlc benchmark: visma-zendesk');
  L.push('');
  L.push(`- Generated: ${r.generatedAt} by \`${r.command}\`${r.totalSec ? ` (${n(r.totalSec / 60, 1)} min)` : ''}`);
  L.push(`- Machine: ${machine(r.machine)}`);
  L.push(
    `- Data sets: ${r.datasets.map((d) => `${n(d.customers)} customers / ${n(d.invoices)} invoices (${n(d.openInvoices)} open), seed ${d.seed}`).join('; ')}`,
  );
  L.push(
    "- Simulators run in the bench process, every measured sync in its own child process (peak RSS is the sync's own); scenarios run one at a time. Zero latency; rate limits off unless a scenario says otherwise.",
  );
  const big = r.datasets.find((d) => d.size > SMALL);
  const bigInitial = big ? r.scenarios.find((s) => s.size === big.size && s.id === 'initial') : undefined;
  L.push(
    `- \`npm run bench\` (no \`--size\`) runs 10,000 customers, then 100,000 with each run capped at ${largeCapMin(r)} minutes${bigInitial?.child.ok ? `: the 100,000-customer initial load took ${n(bigInitial.child.wallMs / 60_000, 1)} min here, so it stays in the default run` : ''}. \`--size 10000\` or \`--size 100000\` runs one size. A run replaces the sections of the sizes it measured and keeps the others from the previous latest.json; each section says when and on which code it was measured.`,
  );
  L.push('');
  for (const d of r.datasets) renderSize(L, r, d);
  return `${L.join('\n')}\n`;
}

function renderSize(L: string[], r: Report, ds: Dataset): void {
  const size = ds.size;
  const S = (id: string) => r.scenarios.find((s) => s.size === size && s.id === id);
  const initial = S('initial');
  const rerun = S('rerun');
  const base = S('baseline');
  const mapper = S('mapper');
  const inst = S('instrumented') ?? (initial?.child.sql ? initial : undefined);
  const prof = S('profile');
  const rl = S('rl-enterprise');
  const rlv = S('rl-variant');
  const orgs = ds.customers;

  L.push(`## ${n(size)} customers`);
  L.push('');
  L.push(
    `Measured ${ds.measuredAt} with \`${ds.command}\`${ds.durationSec ? ` (this size took ${n(ds.durationSec / 60, 1)} min; runs capped at ${ds.capMin} min)` : ''}${machine(ds.machine) !== machine(r.machine) ? `, on ${machine(ds.machine)}` : ''}. Code: commit ${ds.code.commit}${ds.code.dirty.length ? ` plus uncommitted changes in ${ds.code.dirty.map((x) => `\`${x}\``).join(', ')}` : ''}; fingerprint ${ds.code.fingerprint} (compiled engine and simulators, mappings, connectors).`,
  );
  if (ds.loadAvg)
    L.push(
      `Load average (1, 5, 15 min) when this size started: ${ds.loadAvg.start.map((x) => n(x, 2)).join(', ')}${ds.loadAvg.end ? `; when it ended: ${ds.loadAvg.end.map((x) => n(x, 2)).join(', ')}` : ''} on ${ds.machine.cores} cores. Above the core count, other processes competed with the bench for the CPU and wall times (and their ratios) are noisy.`,
    );
  if (ds.code.changedDuringRun)
    L.push(
      `**Warning: the code changed while this size ran (fingerprint ${ds.code.fingerprint} → ${ds.code.changedDuringRun}); its runs may mix versions.**`,
    );
  L.push('');

  // --- targets
  L.push('### Targets');
  L.push('');
  L.push(...head(['#', 'What', 'Target', 'Measured', 'Verdict']));
  if (initial) {
    const z = initial.zendesk!.total;
    const per = z / orgs;
    L.push(
      row([
        '1a',
        'Zendesk requests per organization, initial load (all kinds: token, fields, listing, writes, job polls)',
        '≤ 1 per 50 (0.0200)',
        initial.child.ok
          ? `${n(z)} / ${n(orgs)} = ${n(per, 4)} (1 per ${n(orgs / Math.max(1, z), 1)})`
          : `run failed: ${initial.child.error ?? ''}`,
        initial.child.ok ? verdict(per <= 1 / 50, `${ratio(per * 50)}× the budget`) : '**FAILED**',
      ]),
    );
  }
  if (rerun) {
    const z = rerun.zendesk!.total;
    L.push(
      row([
        '1b',
        'Zendesk requests, immediate re-run with no changes',
        '0',
        `${n(z)} (Visma: ${n(rerun.visma!.total)} delta reads)`,
        rerun.child.ok ? verdict(z === 0, `${z} requests`) : '**FAILED**',
      ]),
    );
  }
  if (rl) {
    const t = flowTotals(rl);
    L.push(
      row([
        '2a',
        'Failed records, Zendesk at 700 req/min (Enterprise, limiter on)',
        '0',
        rl.child.ok
          ? `${n(t.failed)} (${n(rl.rate!.limited429)} responses were 429)`
          : `run failed: ${rl.child.error ?? ''}`,
        rl.child.ok ? verdict(t.failed === 0) : '**FAILED**',
      ]),
    );
    const a = rl.rate!;
    if (a.windowsNeeded <= 1) {
      L.push(
        row([
          '2b',
          'Wall time / rate-limit bound at 700 req/min',
          '≤ 1.25',
          `not meaningful: ${n(a.served)} requests ≤ 700 fit in one window, so the bound is 0 s (wall ${sec(rl.child.wallMs)} s${initial ? `, ${ratio(rl.child.wallMs / initial.child.wallMs)}× the unlimited run` : ''}); see 2c`,
          'n/a',
        ]),
      );
    } else {
      const x = rl.child.wallMs / 1000 / a.preciseBoundSec;
      L.push(
        row([
          '2b',
          'Wall time / rate-limit bound at 700 req/min',
          '≤ 1.25',
          `${sec(rl.child.wallMs)} s / ${n(a.preciseBoundSec, 1)} s = ${ratio(x)}`,
          verdict(x <= 1.25, `${ratio(x / 1.25)}× the target`),
        ]),
      );
    }
  }
  if (rlv) {
    const a = rlv.rate!;
    const t = flowTotals(rlv);
    if (a.windowsNeeded <= 1) {
      L.push(
        row([
          '2c',
          `Wall time / rate-limit bound at ${a.limitPerMinute} req/min (variant)`,
          '≤ 1.25',
          `still one window (${a.served} requests)`,
          'n/a',
        ]),
      );
    } else {
      const x = rlv.child.wallMs / 1000 / a.preciseBoundSec;
      L.push(
        row([
          '2c',
          `Wall time / rate-limit bound at ${a.limitPerMinute} req/min (variant: ${n(a.served)} requests need ${a.windowsNeeded} windows)`,
          '≤ 1.25',
          `${sec(rlv.child.wallMs)} s / ${n(a.preciseBoundSec, 1)} s = ${ratio(x)}; failed records ${t.failed}, 429s ${a.limited429}`,
          verdict(x <= 1.25 && t.failed === 0, `${ratio(x / 1.25)}× the target`),
        ]),
      );
    }
  }
  const rec = S('reconcile');
  if (rec?.reconcile) L.push(reconcileRow(rec.reconcile, rec.child.ok));
  if (initial && base) {
    const p = pairs(initial, base);
    const both = p.every((x) => x.e.ok && x.b.ok);
    const spread = (f: (x: (typeof p)[number]) => number, fmt: (x: (typeof p)[number]) => string) =>
      p.length > 1
        ? `; median of ${p.length} alternating pairs ${ratio(median(p.map(f)))} (${p.map(fmt).join(', ')})`
        : '';
    const wr = (x: (typeof p)[number]) => x.e.wallMs / x.b.wallMs;
    const w = median(p.map(wr));
    L.push(
      row([
        '3a',
        'Engine wall time / hand-written baseline wall time (initial load, zero latency, no rate limit)',
        `≤ ${WALL_RATIO}`,
        `${sec(initial.child.wallMs)} s / ${sec(base.child.wallMs)} s = ${ratio(wr(p[0]))}${spread(wr, (x) => `${sec(x.e.wallMs)}/${sec(x.b.wallMs)}`)}`,
        both ? verdict(w <= WALL_RATIO, `${ratio(w / WALL_RATIO)}× the target`) : '**FAILED**',
      ]),
    );
    const cr = (x: (typeof p)[number]) => x.e.cpuMs / Math.max(1, x.b.cpuMs);
    const c = median(p.map(cr));
    L.push(
      row([
        '3b',
        'Engine CPU seconds / baseline CPU seconds (initial load; child process, all threads, boot included)',
        `≤ ${CPU_RATIO}`,
        `${sec(p[0].e.cpuMs)} s / ${sec(p[0].b.cpuMs)} s = ${ratio(cr(p[0]))}${spread(cr, (x) => `${sec(x.e.cpuMs)}/${sec(x.b.cpuMs)}`)}`,
        both ? verdict(c <= CPU_RATIO, `${ratio(c / CPU_RATIO)}× the target`) : '**FAILED**',
      ]),
    );
    const ev = initial.visma?.total ?? 0;
    const bv = base.visma?.total ?? 0;
    const inv = (s: Scenario) => s.visma?.byRoute['GET /v1/customerinvoice'] ?? 0;
    L.push(
      row([
        '3c',
        'Visma requests, engine initial load vs hand-written baseline (all kinds)',
        '≤ baseline',
        `${n(ev)} vs ${n(bv)} (invoice pages ${n(inv(initial))} vs ${n(inv(base))})`,
        both ? verdict(ev <= bv, `${n(ev - bv)} more`) : '**FAILED**',
      ]),
    );
  }
  {
    const parts: string[] = [];
    const mt = inst?.child.timers;
    const map = mt?.['mapper.map (transform + payload_schema + recompute.when)'];
    const join = mt?.['mapper.keepRelated (join where, per invoice)'];
    const t = flowTotals(inst);
    const onWorker = t.created + t.updated + t.unchanged + t.failed + t.skipped - (map?.calls ?? 0);
    if (map && join)
      parts.push(
        `in the sync (${inst!.id} run), main thread: ${n(map.calls)} records, ${sec(map.ms + join.ms)} s mapping (transform ${sec(map.ms)} s + join filter ${sec(join.ms)} s) = ${n(map.calls / ((map.ms + join.ms) / 1000))} records/s${onWorker > 0 ? `; the other ${n(onWorker)} records were mapped on the map worker at the same time` : ''}`,
      );
    const mr = (mapper?.child.result as { runs?: MapperRun[] } | undefined)?.runs?.[0];
    if (mr)
      parts.push(
        `FlowMapper alone: ${n(mr.records / ((mr.mapMs + mr.joinMs) / 1000))} records/s (transform only ${n(mr.records / (mr.mapMs / 1000))}/s${mr.interpretedMs ? `; on the JSONata interpreter ${n(mr.records / (mr.interpretedMs / 1000))}/s` : ''}); hand-written: ${n(mr.records / ((mr.handMs + mr.handJoinMs) / 1000))} records/s`,
      );
    if (parts.length) L.push(row(['3d', 'Mapping throughput', '(reported)', parts.join('; '), '—']));
  }
  if (initial) {
    const mem = initial.child.memory;
    // Every engine initial load at this size shows the spread; the verdict takes the ones without
    // measuring aids (the profiler keeps its samples in the process, the instrumented run wraps methods).
    const all = r.scenarios.filter((x) => x.size === size && x.child.ok && syncResult(x) && !NOT_A_LOAD.has(x.id));
    const loads = all.filter((x) => !MEASURING.has(x.id)).map((x) => x.child.memory.maxRssMB);
    const aided = all.filter((x) => MEASURING.has(x.id)).map((x) => `${x.id} ${n(x.child.memory.maxRssMB)} MB`);
    const spread =
      loads.length > 1
        ? `; ${n(Math.min(...loads))}–${n(Math.max(...loads))} MB over the ${loads.length} plain engine initial loads of this size${aided.length ? ` (with measuring aids: ${aided.join(', ')})` : ''}`
        : '';
    L.push(
      row([
        '4',
        'Peak RSS of the engine run (child process maxRSS)',
        size <= SMALL ? '≤ 300 MB' : '(reported; the target is for 10,000)',
        `${n(mem.maxRssMB)} MB${spread} (JS heap peak ${n(mem.sampledPeakMB.heapUsed)} MB, external ${n(mem.sampledPeakMB.external)} MB of which ArrayBuffers ${n(mem.sampledPeakMB.arrayBuffers)} MB; state file ${n((initial.child.stateBytes ?? 0) / 1e6, 1)} MB + value log ${n((initial.child.valueLogBytes ?? 0) / 1e6, 1)} MB on disk)`,
        size <= SMALL
          ? verdict(Math.max(mem.maxRssMB, ...loads) <= 300, `up to +${n(Math.max(mem.maxRssMB, ...loads) - 300)} MB`)
          : '—',
      ]),
    );
  }
  const crash = S('crash')?.crash;
  if (crash) crashTargets(L, crash, S('crash')!);
  if (size > SMALL && initial) {
    L.push(
      row([
        '5',
        `${n(size)} customers: initial load, zero latency, no rate limit`,
        '(reported)',
        initial.child.ok
          ? `wall ${sec(initial.child.wallMs)} s (${n(initial.child.wallMs / 60_000, 1)} min), ${n(initial.zendesk!.total / orgs, 4)} Zendesk requests per organization, peak RSS ${n(initial.child.memory.maxRssMB)} MB`
          : `did not finish: ${initial.child.error ?? ''}`,
        '—',
      ]),
    );
  }
  L.push('');

  // --- runs
  L.push('### Runs');
  L.push('');
  L.push(
    ...head([
      'Scenario',
      'Wall s',
      'CPU s (child)',
      'Zendesk req',
      'Visma req',
      'created / updated / unchanged / failed',
      'Peak RSS MB',
      'Status',
    ]),
  );
  for (const s of r.scenarios.filter((x) => x.size === size)) {
    const t = flowTotals(s);
    const status = s.child.ok ? 'ok' : `FAILED: ${(s.child.error ?? '').split('\n')[0].slice(0, 160)}`;
    L.push(
      row([
        `**${s.id}**: ${s.title}`,
        sec(s.child.wallMs),
        sec(cpuWait(s).cpuMs),
        s.zendesk ? n(s.zendesk.total) : '—',
        s.visma ? n(s.visma.total) : '—',
        s.id === 'mapper' ? '—' : `${n(t.created)} / ${n(t.updated)} / ${n(t.unchanged)} / ${n(t.failed)}`,
        n(s.child.memory.maxRssMB),
        status,
      ]),
    );
  }
  L.push('');

  // --- requests by route
  const withZ = r.scenarios.filter((x) => x.size === size && x.zendesk);
  if (withZ.length) {
    L.push('### Zendesk requests by route (counted by the simulator)');
    L.push('');
    const routes = [...new Set(withZ.flatMap((s) => Object.keys(s.zendesk!.byRoute)))].sort(
      (a, b) => ZENDESK_KINDS.indexOf(zendeskKind(a)) - ZENDESK_KINDS.indexOf(zendeskKind(b)) || a.localeCompare(b),
    );
    L.push(...head(['Route', 'Kind', ...withZ.map((s) => s.id)]));
    for (const route of routes)
      L.push(row([`\`${route}\``, zendeskKind(route), ...withZ.map((s) => n(s.zendesk!.byRoute[route] ?? 0))]));
    for (const k of ZENDESK_KINDS) L.push(row([`*${k}*`, '', ...withZ.map((s) => n(s.zendesk!.byKind[k] ?? 0))]));
    L.push(row(['**total**', '', ...withZ.map((s) => `**${n(s.zendesk!.total)}**`)]));
    L.push(row(['of which 429', '', ...withZ.map((s) => n(s.zendesk!.byStatus['429'] ?? 0))]));
    L.push(row(['per organization', '', ...withZ.map((s) => n(s.zendesk!.total / orgs, 4))]));
    L.push(
      row([
        'engine-reported (flow summary `requests.target`; baseline: its own count)',
        '',
        ...withZ.map((s) => n(flowTotals(s).target)),
      ]),
    );
    L.push(
      row([
        'engine client retries (Zendesk connection)',
        '',
        ...withZ.map((s) => {
          const c = s.child.network?.clients.find((x) => x.connection === 'zendesk');
          return c ? n(c.retries) : '—';
        }),
      ]),
    );
    L.push('');
    const vroutes = [...new Set(withZ.flatMap((s) => Object.keys(s.visma?.byRoute ?? {})))].sort();
    if (vroutes.length) {
      L.push(
        `Visma requests: ${withZ.map((s) => `${s.id} ${vroutes.map((v) => `${v.replace(/^(GET|POST) /, '')} ${s.visma!.byRoute[v] ?? 0}`).join(', ')}`).join('; ')}.`,
      );
      L.push('');
    }
  }

  // --- where the time goes
  const timed = inst ?? initial;
  if (timed && timed.child.events.length) {
    L.push(`### Where the engine's time goes (${timed.id} run, ${sec(timed.child.wallMs)} s)`);
    L.push('');
    L.push(...head(['Phase', 's', 'share of wall']));
    for (const p of phases(timed)) L.push(row([p.name, sec(p.ms), pct(p.ms, timed.child.wallMs)]));
    L.push('');
    const prog = timed.child.progress;
    const flowStart = eventAt(timed, 'flow:start');
    if (prog.length > 2 && flowStart !== undefined) {
      const steps = prog.map((p, i) => ({
        ms: p.t - (i ? prog[i - 1].t : flowStart),
        done: p.done - (i ? prog[i - 1].done : 0),
      }));
      const per = steps.map((x) => (1000 * x.ms) / Math.max(1, x.done)).sort((a, b) => a - b);
      L.push(
        `processFlow reports progress per chunk: ${steps.length} chunks, ${n(per[0])}–${n(per[per.length - 1])} ms per 1,000 records (median ${n(per[Math.floor(per.length / 2)])}).`,
      );
      L.push('');
    }
    const cw = cpuWait(timed);
    L.push(
      `The child used ${sec(cw.cpuMs)} s of CPU (all threads, boot included) and so waited about ${sec(cw.waitMs)} s (sleeps between job polls, the simulators' answers, file writes)${base ? `; the baseline used ${sec(cpuWait(base).cpuMs)} s of CPU and waited about ${sec(cpuWait(base).waitMs)} s` : ''}.`,
    );
    L.push('');
  }
  if (inst?.child.timers) {
    L.push(
      `Instrumented totals (${inst.id} run; wrapped engine methods, nested calls overlap: stage transactions contain their SQL):`,
    );
    L.push('');
    L.push(...head(['Timer', 'calls', 's', 'share of wall', 'ms/call']));
    for (const [name, t] of Object.entries(inst.child.timers).sort((a, b) => b[1].ms - a[1].ms))
      L.push(row([name, n(t.calls), sec(t.ms), pct(t.ms, inst.child.wallMs), n(t.ms / Math.max(1, t.calls), 3)]));
    L.push('');
  }
  if (inst?.child.sql?.length) {
    L.push('Slowest SQL statements, with the plan SQLite chose:');
    L.push('');
    L.push(...head(['SQL', 'calls', 's', 'share of wall', 'ms/call', 'plan']));
    for (const q of inst.child.sql.slice(0, 8))
      L.push(
        row([
          `\`${q.sql.length > 170 ? `${q.sql.slice(0, 167)}...` : q.sql}\``,
          n(q.calls),
          sec(q.ms),
          pct(q.ms, inst.child.wallMs),
          n(q.ms / Math.max(1, q.calls), 3),
          q.plan ? q.plan.join('; ') : '(write)',
        ]),
      );
    L.push('');
  }

  // --- mapping
  const mres = mapper?.child.result as { runs?: MapperRun[]; mismatches?: number } | undefined;
  if (mres?.runs) {
    L.push('### Mapping alone (FlowMapper vs hand-written, same inputs)');
    L.push('');
    L.push(
      ...head([
        'Pass',
        'records',
        'join filter (ms)',
        'transform + payload_schema + recompute.when (ms)',
        'records/s, FlowMapper',
        'transform on the JSONata interpreter (ms)',
        'hand-written, join + payload (ms)',
        'records/s, hand-written',
      ]),
    );
    for (const x of mres.runs)
      L.push(
        row([
          x.pass,
          n(x.records),
          n(x.joinMs),
          n(x.mapMs),
          n(x.records / ((x.joinMs + x.mapMs) / 1000)),
          x.interpretedMs === undefined ? '—' : n(x.interpretedMs),
          n(x.handJoinMs + x.handMs),
          n(x.records / ((x.handJoinMs + x.handMs) / 1000)),
        ]),
      );
    L.push('');
    L.push(
      `The hand-written payloads equal the JSONata ones for ${mres.mismatches === 0 ? 'every record' : `all but ${mres.mismatches} records`} (canonical JSON compared).`,
    );
    L.push('');
  }
  if (base) {
    const b = base.child.result as BaselineResult | undefined;
    const c = base.compare;
    if (b)
      L.push(
        `Baseline phases: ${Object.entries(b.phases)
          .map(([k, v]) => `${k} ${sec(v)} s`)
          .join(
            ', ',
          )}; ${n(b.requests.zendesk)} Zendesk requests.${c ? ` The organizations it wrote ${c.onlyA + c.onlyB + c.differ === 0 ? "equal the engine's, field for field" : `differ from the engine's: ${c.differ} differ, ${c.onlyA} only from the engine, ${c.onlyB} only from the baseline (example: \`${JSON.stringify(c.example).slice(0, 400)}\`)`}.` : ''}`,
      );
    L.push('');
  }

  // --- rate limit
  for (const s of [rl, rlv]) {
    if (!s?.rate) continue;
    const a = s.rate;
    L.push(`### Rate limit: ${a.limitPerMinute} requests/minute (${s.id})`);
    L.push('');
    L.push(
      `N = ${n(a.served)} API requests served, ${n(a.limited429)} answered 429; the run started φ = ${n(a.phaseSec, 1)} s into its minute. Bound (Zendesk's fixed one-minute windows, aligned to the minute): the run needs k = ceil(N / L) = ${a.windowsNeeded} window${a.windowsNeeded === 1 ? '' : 's'}, so it cannot end before window k opens: **bound = (k − 1) × 60 s − φ = ${n(a.preciseBoundSec, 1)} s** (0 when k = 1). The plain ceil(N / L) minutes = ${n(a.simpleBoundSec)} s. Wall ${sec(s.child.wallMs)} s${a.preciseBoundSec > 0 ? ` → ${ratio(s.child.wallMs / 1000 / a.preciseBoundSec)} against the fixed-window bound, ${ratio(s.child.wallMs / 1000 / a.simpleBoundSec)} against ceil(N / L) minutes` : ''}.`,
    );
    L.push('');
    L.push(
      `Requests per window (served/429): ${a.windows.map((w) => `#${w.window} ${w.served}/${w.limited}`).join(', ')}.`,
    );
    L.push('');
  }

  // --- profile
  if (prof?.profile) {
    const p = prof.profile;
    L.push(
      `### CPU profile of the engine child (--cpu-prof, ${sec(p.totalMs)} s sampled, run wall ${sec(prof.child.wallMs)} s)`,
    );
    L.push('');
    L.push(...head(['Area (self time)', 's', 'share of busy time']));
    // Idle has no share (NaN, null once saved as JSON).
    for (const a of p.byArea.slice(0, 12))
      L.push(
        row([
          a.area,
          sec(a.ms),
          a.area === 'idle' || typeof a.share !== 'number' || Number.isNaN(a.share)
            ? '(idle)'
            : `${n(100 * a.share, 1)}%`,
        ]),
      );
    L.push('');
    L.push(...head(['Function (self time)', 'where', 's', 'share']));
    for (const f of p.top.slice(0, 15)) L.push(row([`\`${f.fn}\``, f.where, sec(f.ms), `${n(100 * f.share, 1)}%`]));
    L.push('');
    L.push(...head(['Function (inclusive)', 's', 'share']));
    for (const f of p.inclusive.filter((x) => x.ms > 0))
      L.push(row([`\`${f.fn}\``, sec(f.ms), `${n(100 * f.share, 1)}%`]));
    L.push('');
    for (const [i, w] of (prof.workerProfiles ?? []).entries()) {
      const busy = w.byArea.filter((a) => a.area !== 'idle').reduce((x, a) => x + a.ms, 0);
      L.push(
        `Map worker thread ${i + 1} (same run): ${sec(w.totalMs)} s sampled, ${sec(busy)} s busy: ${w.byArea
          .filter((a) => a.area !== 'idle')
          .slice(0, 5)
          .map((a) => `${a.area} ${sec(a.ms)} s`)
          .join(', ')}.`,
      );
      L.push('');
    }
  }

  for (const s of r.scenarios.filter((x) => x.size === size && x.partial)) {
    L.push(
      `Run ${s.id} did not finish (${String(s.child.error)}); the last progress it wrote: \`${JSON.stringify(s.partial).slice(0, 600)}\``,
    );
    L.push('');
  }

  const crashed = S('crash')?.crash;
  if (crashed) crashSection(L, crashed);

  L.push('### Findings');
  L.push('');
  for (const p of findings(r, ds)) L.push(`- ${p}`);
  L.push('');
}

/** Findings derived from the measurements (only what the numbers show). */
function findings(r: Report, ds: Dataset): string[] {
  const size = ds.size;
  const S = (id: string) => r.scenarios.find((s) => s.size === size && s.id === id);
  const out: string[] = [];
  const initial = S('initial');
  const base = S('baseline');
  const rerun = S('rerun');
  const inst = S('instrumented') ?? (initial?.child.sql ? initial : undefined);
  const rlv = S('rl-variant');
  for (const s of r.scenarios.filter((x) => x.size === size && !x.child.ok))
    out.push(`Run **${s.id}** failed: ${String(s.child.error).split('\n')[0]}`);

  if (initial && base && initial.child.ok && base.child.ok) {
    const p = pairs(initial, base);
    const x = median(p.map((q) => q.e.wallMs / q.b.wallMs));
    const c = median(p.map((q) => q.e.cpuMs / Math.max(1, q.b.cpuMs)));
    const e = cpuWait(initial);
    const b = cpuWait(base);
    if (x > WALL_RATIO || c > CPU_RATIO) {
      out.push(
        `**Overhead: wall ratio ${ratio(x)} (target ≤ ${WALL_RATIO}), CPU ratio ${ratio(c)} (target ≤ ${CPU_RATIO})${p.length > 1 ? `, medians of ${p.length} pairs` : ''}**: in the first pair the engine took ${sec(initial.child.wallMs)} s against the baseline's ${sec(base.child.wallMs)} s. CPU: ${sec(e.cpuMs)} s vs ${sec(b.cpuMs)} s; waiting: ${sec(e.waitMs)} s vs ${sec(b.waitMs)} s. The breakdown below and the phase table show where.`,
      );
    }
  }
  if (inst?.child.sql) {
    for (const q of inst.child.sql.filter((q) => q.ms > 0.1 * inst.child.wallMs)) {
      const walksPk = q.plan?.some((p) => /sqlite_autoindex_links_1 \(mapping=\? AND flow=\? AND rel=\?\)/.test(p));
      out.push(
        `**SQL statement taking ${pct(q.ms, inst.child.wallMs)} of the ${inst.id} run**: \`${q.sql}\`: ${n(q.calls)} calls, ${sec(q.ms)} s, ${n(q.ms / q.calls, 2)} ms per call; plan \`${(q.plan ?? ['(write)']).join('; ')}\`.${walksPk ? ' SQLite walks the primary key of links over every link of the relation (to return rows in child_key order) and filters parent_key, so each customer costs a scan of all links: quadratic in the data set (engine/sync/process.ts `mapChunk`, links index in engine/store/state.ts).' : ''}`,
      );
    }
    const ck = inst.child.timers?.['state.checkpoint (export + atomic write)'];
    if (ck && ck.ms > 0.03 * inst.child.wallMs) {
      out.push(
        `**Checkpoints rewrite the whole state database**: ${n(ck.calls)} calls of engine/store/state.ts \`StateStore.checkpoint\` (\`db.export()\` of the whole sql.js database + \`writeFileAtomic\`) took ${sec(ck.ms)} s, ${n(ck.ms / ck.calls)} ms each, ${pct(ck.ms, inst.child.wallMs)} of the ${inst.id} run, for a ${n((inst.child.stateBytes ?? 0) / 1e6, 1)} MB file. Each one costs in proportion to the state database (keys, versions, links, targets, audit; the records themselves are in the value log), not to what changed since the last one.`,
      );
    }
    const tx = inst.child.timers?.['state.transaction (stage: one per page, includes its SQL)'];
    const recs = inst.child.events.filter((e) => e.type === 'stage').reduce((a, e) => a + Number(e.read ?? 0), 0);
    const bRead = (base?.child.result as BaselineResult | undefined)?.phases.read;
    if (tx && recs)
      out.push(
        `Staging (engine/sync/stage.ts \`stageStreams\`) spends ${n((1000 * tx.ms) / recs)} µs per source record inside its page transactions (${sec(tx.ms)} s for ${n(recs)} records: version lookup per page, value-log append, a mirror row per record, links and pending rows per page)${bRead !== undefined ? `; the baseline's whole read phase, HTTP included, takes ${sec(bRead)} s` : ''}.`,
      );
  }
  if (initial && base) {
    const ep = initial.zendesk?.byKind['job polls'] ?? 0;
    const bp = base.zendesk?.byKind['job polls'] ?? 0;
    const ew = initial.zendesk?.byKind['bulk writes'] ?? 0;
    if (ep > bp)
      out.push(
        `Job polls: the engine made ${n(ep)} (${n(ep / Math.max(1, ew), 2)} per bulk write) against the baseline's ${n(bp)} (${n(bp / Math.max(1, base.zendesk?.byKind['bulk writes'] ?? 1), 2)} per write): the baseline submits all its jobs at once (everything is mapped first), while the engine's writers get records as they are mapped, so fewer jobs are running when a poll goes out.`,
      );
  }
  for (const s of [initial, rerun, base].filter((x): x is Scenario => !!x && !!x.zendesk && x.id !== 'baseline')) {
    const reported = flowTotals(s).target;
    const seen = s.zendesk!.total;
    const c = s.child.network?.clients.find((x) => x.connection === 'zendesk');
    if (reported !== seen) {
      const errs = Object.entries(s.child.network?.fetchErrors ?? {})
        .map(([k, v]) => `${v}× ${k}`)
        .join('; ');
      out.push(
        `**Request count mismatch (${s.id})**: the flow summary reports ${n(reported)} Zendesk requests, the simulator received ${n(seen)}${c ? `; the engine's Zendesk client counted ${n(c.requests)} attempts and ${n(c.retries)} retries` : ''}${errs ? `; fetch failures: ${errs}` : ''}${s.child.network?.examples.length ? ` (e.g. ${s.child.network.examples.slice(0, 3).join(' | ')})` : ''}.`,
      );
    }
  }
  const prof = S('profile')?.profile;
  if (prof) {
    const area = (name: string) => prof.byArea.find((a) => a.area === name)?.share ?? 0;
    const incl = (name: string) => prof.inclusive.find((f) => f.fn === name)?.share ?? 0;
    const workers = S('profile')?.workerProfiles ?? [];
    const wBusy = workers.reduce(
      (x, w) => x + w.byArea.filter((a) => a.area !== 'idle').reduce((y, a) => y + a.ms, 0),
      0,
    );
    if (workers.length)
      out.push(
        `The map worker thread was busy ${sec(wBusy)} s beside the main thread (the profile below is the main thread's).`,
      );
    out.push(
      `CPU profile of the main thread (busy time, idle excluded): sql.js ${n(100 * area('sql.js (SQLite in WASM)'), 0)}%, JSONata ${n(100 * area('jsonata'), 0)}%, GC ${n(100 * area('GC'), 0)}%, engine code ${n(100 * (area('engine/map') + area('engine/sync') + area('engine/store') + area('engine (other)')), 0)}%; inclusive: stagePage ${n(100 * incl('stagePage'), 0)}%, mapChunk ${n(100 * incl('mapChunk'), 0)}%, StateStore.checkpoint ${n(100 * incl('checkpoint@store/state.js'), 0)}%, JSONata evaluate ${n(100 * incl('evaluate@jsonata'), 0)}%.`,
    );
  }
  const mr = (S('mapper')?.child.result as { runs?: MapperRun[] } | undefined)?.runs?.[0];
  if (mr) {
    const jsonata = mr.mapMs + mr.joinMs;
    out.push(
      `Mapping (compiled JSONata, payload_schema, recompute.when, join filter) is ${ratio(jsonata / (mr.handMs + mr.handJoinMs))}× the hand-written payload's time (${n(mr.records / (jsonata / 1000))} vs ${n(mr.records / ((mr.handMs + mr.handJoinMs) / 1000))} records/s): ${sec(jsonata)} s for ${n(mr.records)} records${initial ? `, ${pct(jsonata, initial.child.wallMs)} of the engine's initial load` : ''}.${mr.interpretedMs ? ` The transform alone on the JSONata interpreter takes ${sec(mr.interpretedMs)} s (${ratio(mr.interpretedMs / mr.mapMs)}× the compiled FlowMapper's).` : ''}`,
    );
  }
  if (initial) {
    const mem = initial.child.memory;
    const loads = r.scenarios
      .filter((x) => x.size === size && x.child.ok && syncResult(x) && !NOT_A_LOAD.has(x.id) && !MEASURING.has(x.id))
      .map((x) => x.child.memory.maxRssMB);
    const worst = Math.max(mem.maxRssMB, ...loads);
    if (size <= SMALL ? worst > 300 : true) {
      out.push(
        `${size <= SMALL ? `**Peak RSS up to ${n(worst)} MB > 300 MB** (${n(Math.min(...loads))}–${n(worst)} MB over ${loads.length} initial loads; the plain one ${n(mem.maxRssMB)} MB)` : `Peak RSS ${n(mem.maxRssMB)} MB`}: the JS heap peaks at ${n(mem.sampledPeakMB.heapUsed)} MB; external memory (sql.js: its WASM heap and in-memory database file, plus the copy \`db.export()\` makes at each checkpoint) peaks at ${n(mem.sampledPeakMB.external)} MB. The state database (${n((initial.child.stateBytes ?? 0) / 1e6, 1)} MB; the records are in the value log, ${n((initial.child.valueLogBytes ?? 0) / 1e6, 1)} MB on disk) lives in memory${rerun ? `; the no-op re-run, which only loads it, peaks at ${n(rerun.child.memory.maxRssMB)} MB` : ''}.`,
      );
    }
  }
  // Scaling against the smaller data set.
  if (size > SMALL && initial?.child.ok) {
    const small = r.scenarios.find((x) => x.id === 'initial' && x.size <= SMALL && x.child.ok);
    if (small) {
      const k = size / small.size;
      out.push(
        `Scaling from ${n(small.size)} to ${n(size)} customers (${n(k)}× the data): wall ${sec(small.child.wallMs)} s → ${sec(initial.child.wallMs)} s (${ratio(initial.child.wallMs / small.child.wallMs)}×), peak RSS ${n(small.child.memory.maxRssMB)} → ${n(initial.child.memory.maxRssMB)} MB (${ratio(initial.child.memory.maxRssMB / small.child.memory.maxRssMB)}×), Zendesk requests per organization ${n(small.zendesk!.total / small.size, 4)} → ${n(initial.zendesk!.total / size, 4)}.${rerun ? ` The no-op re-run takes ${sec(rerun.child.wallMs)} s here (loading and saving the state).` : ''}`,
      );
    }
  }
  if (rlv?.rate && rlv.rate.preciseBoundSec > 0) {
    const x = rlv.child.wallMs / 1000 / rlv.rate.preciseBoundSec;
    if (x > 1.25)
      out.push(
        `Rate-limited variant: wall/bound ${ratio(x)} > 1.25 at ${rlv.rate.limitPerMinute} req/min (per window: ${rlv.rate.windows.map((w) => `${w.served}/${w.limited}`).join(', ')}).`,
      );
  }
  if (!out.length) out.push('None: every target met.');
  return out;
}
