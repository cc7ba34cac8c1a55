/**
 * One measured run in its own process, so its peak RSS is its own (the simulators live in the
 * parent). Usage: node dist/bench/sync-child.js CONFIG.json — the config names the mode:
 *   engine   — runSync of visma-zendesk against the given connections
 *   baseline — the hand-written sync (bench/baseline.ts)
 *   mapper   — the JSONata transform alone (FlowMapper) vs the hand-written payload on every customer
 * The result goes to config.resultPath as JSON (see lib/protocol.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { closeDefaultDispatcher, HttpClient } from '../engine/http/client.js';
import jsonata from 'jsonata';
import { transformSource } from '../engine/config/references.js';
import { canonicalJson } from '../engine/map/canonical.js';
import { mappingFunctions } from '../engine/map/functions.js';
import { FlowMapper } from '../engine/map/flow-mapper.js';
import { StateStore } from '../engine/store/state.js';
import { TransactionGate } from '../engine/store/sqljs/gate.js';
import type { SyncEvent } from '../engine/sync/events.js';
import { planMapping } from '../engine/sync/plan.js';
import { runSync } from '../engine/sync/run.js';
import { fetchVisma, openInvoicesByCustomer, organizationPayload, runBaseline, isOpen } from './baseline.js';
import type { ChildConfig, ChildResult, MemoryReport, TimedEvent, Timer } from './lib/protocol.js';

const MB = 1024 * 1024;
const DAY = 86_400_000;

function vmHwmMB(): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function memorySampler(): () => MemoryReport {
  const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss / MB);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed / MB);
    peak.external = Math.max(peak.external, m.external / MB);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers / MB);
  };
  const timer = setInterval(sample, 100);
  timer.unref();
  return () => {
    sample();
    clearInterval(timer);
    return { maxRssMB: process.resourceUsage().maxRSS / 1024, vmHwmMB: vmHwmMB(), sampledPeakMB: peak };
  };
}

type AnyFn = (...args: unknown[]) => unknown;

/** Wraps prototype methods to add up their time (async ones until their promise settles). */
function wrap(proto: object, method: string, t: Timer, async: boolean): void {
  const p = proto as Record<string, AnyFn>;
  const orig = p[method];
  p[method] = async
    ? async function (this: unknown, ...args: unknown[]) {
        const s = performance.now();
        try {
          return await orig.apply(this, args);
        } finally {
          t.calls++;
          t.ms += performance.now() - s;
        }
      }
    : function (this: unknown, ...args: unknown[]) {
        const s = performance.now();
        try {
          return orig.apply(this, args);
        } finally {
          t.calls++;
          t.ms += performance.now() - s;
        }
      };
}

export interface SqlTimer extends Timer {
  sql: string;
  plan?: string[];
}

const normalizeSql = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * Times the mapper, the state store (per SQL statement, with SQLite's query plan for each
 * distinct SELECT, taken the first time it runs) and HTTP requests.
 */
function instrument(timers: Record<string, Timer>, sqlTimers: Map<string, SqlTimer>): void {
  const t = (name: string) => (timers[name] = { calls: 0, ms: 0 });
  wrap(FlowMapper.prototype, 'map', t('mapper.map (transform + payload_schema + recompute.when)'), true);
  wrap(FlowMapper.prototype, 'keepRelated', t('mapper.keepRelated (join where, per invoice)'), true);
  wrap(FlowMapper.prototype, 'keep', t('mapper.keep (flow where)'), true);
  wrap(StateStore.prototype, 'checkpoint', t('state.checkpoint (export + atomic write)'), false);
  // Repositories open their transactions through the gate; its time includes the statements run in them.
  wrap(TransactionGate.prototype, 'transaction', t('state.transaction (stage: one per page, includes its SQL)'), true);
  wrap(HttpClient.prototype, 'request', t('http request (sum, overlapping)'), true);
  const proto = StateStore.prototype as unknown as Record<string, AnyFn>;
  for (const method of ['run', 'all'] as const) {
    const orig = proto[method];
    const total = t(method === 'run' ? 'state.run (all SQL writes)' : 'state.all/get (all SQL reads)');
    // Keyed by the SQL text as passed (cheap), normalised once per distinct statement.
    const byText = new Map<string, SqlTimer>();
    proto[method] = function (this: StateStore, ...args: unknown[]) {
      const text = String(args[0]);
      let st = byText.get(text);
      if (!st) {
        const sql = normalizeSql(text);
        st = sqlTimers.get(sql) ?? { sql, calls: 0, ms: 0 };
        sqlTimers.set(sql, st);
        byText.set(text, st);
        if (/^SELECT/i.test(sql) && !st.plan) {
          try {
            st.plan = (
              this.db.exec(`EXPLAIN QUERY PLAN ${String(args[0])}`, (args[1] ?? []) as never)[0]?.values ?? []
            ).map((v) => String(v[3]));
          } catch (e) {
            st.plan = [`(no plan: ${(e as Error).message})`];
          }
        }
      }
      const s = performance.now();
      try {
        return orig.apply(this, args);
      } finally {
        const d = performance.now() - s;
        st.calls++;
        st.ms += d;
        total.calls++;
        total.ms += d;
      }
    };
  }
}

/**
 * Always on (cheap): every HttpClient the run uses (its own request/retry counts) and every fetch
 * that threw, by cause, so requests the engine counts but the simulators never logged are explained.
 */
function watchNetwork(): () => NonNullable<ChildResult['network']> {
  const clients = new Set<HttpClient>();
  const proto = HttpClient.prototype as unknown as Record<string, AnyFn>;
  const orig = proto.request;
  proto.request = function (this: HttpClient, ...args: unknown[]) {
    clients.add(this);
    return orig.apply(this, args);
  };
  let fetches = 0;
  const errors: Record<string, number> = {};
  const examples: string[] = [];
  const origFetch = globalThis.fetch;
  const started = performance.now();
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    fetches++;
    try {
      return await origFetch(input, init);
    } catch (e) {
      const c = (e as { cause?: { code?: string; message?: string } }).cause;
      const key =
        `${(e as Error).name}: ${(e as Error).message}${c ? ` (cause ${c.code ?? ''} ${c.message ?? ''})` : ''}`.trim();
      errors[key] = (errors[key] ?? 0) + 1;
      if (examples.length < 10)
        examples.push(
          `t=${((performance.now() - started) / 1000).toFixed(1)}s ${init?.method ?? 'GET'} ${new URL(urlOf(input)).pathname}: ${key}`,
        );
      throw e;
    }
  };
  return () => ({
    fetches,
    fetchErrors: errors,
    examples,
    clients: [...clients].map((c) => ({
      connection: c.connection,
      requests: c.stats.requests,
      retries: c.stats.retries,
      byMethod: { ...c.stats.byMethod },
    })),
  });
}

async function waitUntil(epochMs: number | undefined): Promise<void> {
  if (!epochMs) return;
  const ms = epochMs - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

async function engine(cfg: ChildConfig, out: ChildResult): Promise<void> {
  const timers: Record<string, Timer> = {};
  const sqlTimers = new Map<string, SqlTimer>();
  if (cfg.instrument) instrument(timers, sqlTimers);
  const network = watchNetwork();
  const events: TimedEvent[] = [];
  out.bootMs = performance.now();
  let t0 = performance.now();
  // A long run that is killed (timeout) still leaves how far it got.
  const partial = setInterval(() => {
    const last = [...events].reverse().find((e) => e.type === 'progress' || e.type === 'stage');
    writeFileSync(
      `${cfg.resultPath}.partial`,
      JSON.stringify({
        elapsedMs: performance.now() - t0,
        last,
        events: events.filter((e) => e.type !== 'progress').concat(last ? [last] : []),
        maxRssMB: process.resourceUsage().maxRSS / 1024,
      }),
    );
  }, 15_000);
  partial.unref();
  let failedEvents = 0;
  await waitUntil(cfg.startAtEpochMs);
  t0 = performance.now();
  out.startEpochMs = Date.now();
  const onEvent = (e: SyncEvent) => {
    if (e.type === 'record:failed') {
      failedEvents++;
      if (failedEvents > 20) return;
    }
    const { type, ...rest } = e as unknown as { type: string } & Record<string, unknown>;
    if (type === 'flow:end') events.push({ t: performance.now() - t0, type });
    else events.push({ t: performance.now() - t0, type, ...rest });
  };
  const r = await runSync({
    root: cfg.root,
    mapping: 'visma-zendesk',
    connections: cfg.connections,
    statePath: cfg.statePath,
    reconcile: cfg.reconcile,
    onEvent,
  });
  out.wallMs = performance.now() - t0;
  out.endEpochMs = Date.now();
  out.result = r;
  out.events = events;
  clearInterval(partial);
  out.network = network();
  if (cfg.instrument) {
    out.timers = timers;
    out.sql = [...sqlTimers.values()].sort((a, b) => b.ms - a.ms);
  }
  out.ok = r.status !== 'error';
  if (r.error) out.error = r.error;
  out.stateBytes = existsSync(cfg.statePath) ? statSync(cfg.statePath).size : undefined;
  const logs = readdirSync(dirname(cfg.statePath)).filter((f) => f.startsWith(`${basename(cfg.statePath)}.values.`));
  out.valueLogBytes = logs.reduce((a, f) => a + statSync(join(dirname(cfg.statePath), f)).size, 0);
  await closeDefaultDispatcher();
}

async function baseline(cfg: ChildConfig, out: ChildResult): Promise<void> {
  out.bootMs = performance.now();
  await waitUntil(cfg.startAtEpochMs);
  const t0 = performance.now();
  out.startEpochMs = Date.now();
  const r = await runBaseline({
    visma: cfg.connections.visma,
    zendesk: cfg.connections.zendesk,
    statePath: cfg.statePath,
  });
  out.wallMs = performance.now() - t0;
  out.endEpochMs = Date.now();
  out.result = r;
  out.ok = true;
  out.stateBytes = existsSync(cfg.statePath) ? statSync(cfg.statePath).size : undefined;
}

/**
 * The mapping step alone: FlowMapper (the compiled JSONata transform, payload_schema check and
 * recompute.when, as processFlow calls it) on every customer with its open invoices, and the join
 * filter on every invoice, against the hand-written payload on the same inputs. Also checks that
 * the hand-written payload equals the JSONata one, record for record.
 */
async function mapper(cfg: ChildConfig, out: ChildResult): Promise<void> {
  out.bootMs = performance.now();
  const { customers, invoices } = await fetchVisma(cfg.connections.visma);
  const plan = planMapping({ root: cfg.root, mapping: 'visma-zendesk', requireConnections: false });
  const [flowName, flow] = plan.flows[0];
  const op = plan.target.connector.operations![flow.to];
  const now = new Date();
  const today = Math.floor(now.getTime() / DAY);
  // Inputs as the engine builds them: the mirrored record (canonical JSON, parsed) plus the kept invoices.
  const mirrored = customers.map((c) => JSON.parse(canonicalJson(c)) as Record<string, unknown>);
  const byCustomer = new Map<string, Record<string, unknown>[]>();
  const sortedInvoices = invoices
    .map((i) => JSON.parse(canonicalJson(i)) as Record<string, unknown>)
    .sort((a, b) => ((a.referenceNumber as string) < (b.referenceNumber as string) ? -1 : 1));
  for (const inv of sortedInvoices) {
    const k = String((inv.customer as Record<string, unknown> | undefined)?.number);
    let l = byCustomer.get(k);
    if (!l) byCustomer.set(k, (l = []));
    l.push(inv);
  }
  const interpreter = jsonata(transformSource(plan.mappingFile, flow.transform).expr);
  const bindings = Object.fromEntries(Object.entries(mappingFunctions(() => now)).map(([k, f]) => [k, f.fn]));
  const passes = cfg.passes ?? 2;
  const runs: Record<string, unknown>[] = [];
  let mismatches = 0;
  let firstMismatch: unknown;
  out.startEpochMs = Date.now();
  const t0 = performance.now();
  for (let pass = 1; pass <= passes; pass++) {
    const m = new FlowMapper(plan.mapping.name, flowName, flow, op, plan.mappingFile, () => now);
    // 1. join filter (JSONata `status = 'Open' and balance > 0`) on every invoice
    let s = performance.now();
    const inputs: Record<string, unknown>[] = [];
    for (const c of mirrored) {
      const kept = [];
      for (const inv of byCustomer.get(String(c.number)) ?? [])
        if (await m.keepRelated('open_invoices', inv)) kept.push(inv);
      inputs.push({ ...c, open_invoices: kept });
    }
    const joinMs = performance.now() - s;
    // 2. transform + payload schema + recompute.when
    s = performance.now();
    const payloads: Record<string, unknown>[] = [];
    for (const input of inputs) payloads.push((await m.map(input)).payload);
    const mapMs = performance.now() - s;
    // 2b. the transform alone on the JSONata interpreter (what runs where the compiled subset does not reach)
    s = performance.now();
    for (const input of inputs) await interpreter.evaluate(input, bindings);
    const interpretedMs = performance.now() - s;
    // 3. the same by hand
    s = performance.now();
    const open = openInvoicesByCustomer(sortedInvoices);
    const hand: Record<string, unknown>[] = [];
    for (const c of mirrored) hand.push(organizationPayload(c, open.get(String(c.number)) ?? [], today));
    const handMs = performance.now() - s;
    // 4. hand filter on its own for the join comparison
    s = performance.now();
    let n = 0;
    for (const inv of sortedInvoices) if (isOpen(inv)) n++;
    const handJoinMs = performance.now() - s;
    if (pass === 1) {
      for (let i = 0; i < payloads.length; i++) {
        if (canonicalJson(payloads[i]) !== canonicalJson(hand[i])) {
          mismatches++;
          firstMismatch ??= { jsonata: payloads[i], hand: hand[i] };
        }
      }
    }
    runs.push({
      pass,
      records: inputs.length,
      invoices: sortedInvoices.length,
      openInvoices: n,
      joinMs,
      mapMs,
      interpretedMs,
      handMs,
      handJoinMs,
    });
  }
  out.wallMs = performance.now() - t0;
  out.endEpochMs = Date.now();
  out.result = { runs, mismatches, firstMismatch };
  out.ok = mismatches === 0;
  if (mismatches) out.error = `${mismatches} hand-written payloads differ from the JSONata ones`;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8')) as ChildConfig;
  const memory = memorySampler();
  const out: ChildResult = {
    mode: cfg.mode,
    ok: false,
    wallMs: 0,
    startEpochMs: 0,
    endEpochMs: 0,
    bootMs: 0,
    cpu: { userMs: 0, systemMs: 0 },
    memory: { maxRssMB: 0, vmHwmMB: null, sampledPeakMB: { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 } },
  };
  try {
    if (cfg.mode === 'engine') await engine(cfg, out);
    else if (cfg.mode === 'baseline') await baseline(cfg, out);
    else await mapper(cfg, out);
  } catch (e) {
    out.ok = false;
    out.error = (e as Error).stack ?? String(e);
  }
  const ru = process.resourceUsage();
  out.cpu = { userMs: ru.userCPUTime / 1000, systemMs: ru.systemCPUTime / 1000 };
  out.memory = memory();
  writeFileSync(cfg.resultPath, JSON.stringify(out));
}

/** The URL a fetch was given, as text (String() of a Request is "[object Request]"). */
function urlOf(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
