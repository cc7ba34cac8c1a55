/**
 * Shared helpers of the end-to-end tests: simulators + the real engine (in process or as the CLI).
 *
 * Expected Zendesk values are computed here from the Visma simulator's own data, independently of
 * the mapping's JSONata, so a wrong transform, a stale mirror or a lost write all show up as a diff.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { stringify } from 'yaml';
import {
  startSandbox,
  vismaOf,
  zendeskOf,
  type Sandbox,
  type SandboxOptions,
  type VismaSimulator,
  type ZendeskSimulator,
} from '../../sandbox/index.js';
import { textOf } from '../../sandbox/framework/types.js';
import { runSync, type SyncOptions } from '../../engine/sync/run.js';
import type { SyncResult } from '../../engine/sync/events.js';
import { StateStore } from '../../engine/store/state.js';
import { auditOf, failuresOf, type AuditRow } from '../../engine/store/history.js';
import { Prng } from '../../sandbox/framework/prng.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAPPING = 'visma-zendesk';
/** Noon UTC, so a run that takes seconds (or a clock advanced by minutes) never changes the day. */
export const FIXED_NOW = new Date('2026-11-21T12:00:00.000Z');
export const DAY_MS = 86_400_000;

export type Dto = Record<string, unknown>;
export type Clock = () => Date;

// ---------------------------------------------------------------------------------------------
// Expected values, computed from the Visma simulator
// ---------------------------------------------------------------------------------------------

export const AGING_KEYS = ['aging_current', 'aging_1_30', 'aging_31_60', 'aging_61_90', 'aging_over_90'] as const;
export type Standing = 'credit_good' | 'credit_overdue' | 'credit_over_limit' | 'credit_hold';

export interface ExpectedOrg {
  external_id: string;
  name: string;
  fields: Record<string, string | number | null>;
  /** Every open invoice that shares the oldest due date (a tie may resolve to any of them). */
  oldestCandidates: string[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const utcDay = (iso: string) => Math.floor(Date.parse(iso) / DAY_MS);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function bucketOf(days: number): (typeof AGING_KEYS)[number] {
  if (days <= 0) return 'aging_current';
  if (days <= 30) return 'aging_1_30';
  if (days <= 60) return 'aging_31_60';
  if (days <= 90) return 'aging_61_90';
  return 'aging_over_90';
}

/** Open = status Open with a positive balance. */
export function openInvoices(visma: VismaSimulator, customerNumber: string): Dto[] {
  return visma.invoices({ customerNumber }).filter((i) => i.status === 'Open' && Number(i.balance) > 0);
}

/** The credit fields a deactivated customer's organization has cleared (deleted.jsonata). */
const CLEARED_CREDIT = [
  'credit_limit',
  'outstanding_balance',
  'open_invoice_count',
  'oldest_unpaid_invoice',
  'oldest_unpaid_due_date',
  'days_overdue',
  ...AGING_KEYS,
  'credit_standing',
] as const;

/** What the organization of one Visma customer must look like in Zendesk at `now`. */
export function expectedOrganization(visma: VismaSimulator, customer: Dto, now: Date): ExpectedOrg {
  const number = String(customer.number);
  // Inactive in Visma: marked (on_delete), its credit standing cleared.
  if (customer.status === 'Inactive') {
    const contact = (customer.mainContact ?? {}) as Dto;
    const cleared = Object.fromEntries(CLEARED_CREDIT.map((k) => [k, null]));
    return {
      external_id: number,
      name: String(customer.name).trim(),
      oldestCandidates: [],
      fields: {
        erp_customer_number: number,
        erp_customer_status: 'inactive',
        erp_currency: str(customer.currencyId),
        contact_email: str(contact.email),
        contact_phone: str(contact.phone1),
        ...cleared,
      },
    };
  }
  const open = openInvoices(visma, number);
  const today = Math.floor(now.getTime() / DAY_MS);
  const daysOver = (inv: Dto) => Math.max(0, today - utcDay(String(inv.documentDueDate)));
  const balance = round2(open.reduce((s, i) => s + Number(i.balance), 0));
  const aging: Record<string, number> = Object.fromEntries(AGING_KEYS.map((k) => [k, 0]));
  for (const inv of open) aging[bucketOf(daysOver(inv))] += Number(inv.balance);
  for (const k of AGING_KEYS) aging[k] = round2(aging[k]);
  const minDue = open.length ? Math.min(...open.map((i) => Date.parse(String(i.documentDueDate)))) : undefined;
  const oldest = minDue === undefined ? [] : open.filter((i) => Date.parse(String(i.documentDueDate)) === minDue);
  const days = oldest.length ? daysOver(oldest[0]) : 0;
  const limit = typeof customer.creditLimit === 'number' && customer.creditLimit ? customer.creditLimit : 0;
  const status = String(customer.status);
  const standing: Standing =
    status === 'CreditHold' || status === 'OnHold'
      ? 'credit_hold'
      : limit > 0 && balance > limit
        ? 'credit_over_limit'
        : days > 0
          ? 'credit_overdue'
          : 'credit_good';
  const contact = (customer.mainContact ?? {}) as Dto;
  return {
    external_id: number,
    name: String(customer.name).trim(),
    oldestCandidates: oldest.map((i) => String(i.referenceNumber)),
    fields: {
      erp_customer_number: number,
      erp_customer_status: status,
      erp_currency: str(customer.currencyId),
      contact_email: str(contact.email),
      contact_phone: str(contact.phone1),
      credit_limit: limit,
      outstanding_balance: balance,
      open_invoice_count: open.length,
      oldest_unpaid_invoice: oldest.length ? String(oldest[0].referenceNumber) : null,
      oldest_unpaid_due_date: minDue === undefined ? null : new Date(minDue).toISOString().slice(0, 10),
      days_overdue: days,
      ...aging,
      credit_standing: standing,
    },
  };
}

export function expectedAll(visma: VismaSimulator, now: Date): Map<string, ExpectedOrg> {
  return new Map(visma.customers().map((c) => [String(c.number), expectedOrganization(visma, c, now)]));
}

/** Zendesk's custom field values as comparable plain values (date fields come back with a time). */
export function actualFields(org: Dto): Record<string, unknown> {
  const f = { ...((org.organization_fields ?? {}) as Record<string, unknown>) };
  if (typeof f.oldest_unpaid_due_date === 'string') f.oldest_unpaid_due_date = f.oldest_unpaid_due_date.slice(0, 10);
  return f;
}

/** Differences between one organization and what it should be ([] when it is right). */
export function diffOrganization(org: Dto | undefined, exp: ExpectedOrg): string[] {
  if (!org) return [`${exp.external_id}: no organization in Zendesk`];
  const out: string[] = [];
  if (org.name !== exp.name)
    out.push(`${exp.external_id}: name ${JSON.stringify(org.name)} != ${JSON.stringify(exp.name)}`);
  const actual = actualFields(org);
  for (const [k, want] of Object.entries(exp.fields)) {
    let w = want;
    if (k === 'oldest_unpaid_invoice' && exp.oldestCandidates.includes(String(actual[k]))) w = actual[k] as string;
    if (actual[k] !== w)
      out.push(`${exp.external_id}: ${k} = ${JSON.stringify(actual[k])}, expected ${JSON.stringify(w)}`);
  }
  return out;
}

export interface Comparison {
  customers: number;
  organizations: number;
  /** Synced organizations (external_id set) */
  externalIds: string[];
  duplicates: string[];
  missing: string[];
  extra: string[];
  problems: string[];
}

/**
 * Compares every synced Zendesk organization (one with an external_id; hand-made ones have none)
 * with what the Visma data says at `now`.
 */
export function compareAll(visma: VismaSimulator, zendesk: ZendeskSimulator, now: Date): Comparison {
  const expected = expectedAll(visma, now);
  const orgs = zendesk.organizations().filter((o) => o.external_id !== null);
  const seen = new Map<string, number>();
  for (const o of orgs) seen.set(String(o.external_id), (seen.get(String(o.external_id)) ?? 0) + 1);
  const byExt = new Map(orgs.map((o) => [String(o.external_id), o]));
  const problems: string[] = [];
  for (const [k, exp] of expected) if (byExt.has(k)) problems.push(...diffOrganization(byExt.get(k), exp));
  return {
    customers: expected.size,
    organizations: orgs.length,
    externalIds: orgs.map((o) => String(o.external_id)).sort(),
    duplicates: [...seen].filter(([, n]) => n > 1).map(([k]) => k),
    missing: [...expected.keys()].filter((k) => !byExt.has(k)),
    extra: [...byExt.keys()].filter((k) => !expected.has(k)),
    problems,
  };
}

export const customerNumbers = (visma: VismaSimulator) =>
  visma
    .customers()
    .map((c) => String(c.number))
    .sort();

// ---------------------------------------------------------------------------------------------
// Sandbox + engine
// ---------------------------------------------------------------------------------------------

export function tempDir(prefix = 'mlc-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A clock that starts at `start` and then moves with real time (for runs that must wait for real). */
export function runningClock(start: Date = FIXED_NOW): Clock {
  const t0 = Date.now();
  return () => new Date(start.getTime() + (Date.now() - t0));
}

export interface E2E {
  sb: Sandbox;
  visma: VismaSimulator;
  zendesk: ZendeskSimulator;
  dir: string;
  statePath: string;
  /** The clock the simulators run on (and runs use unless told otherwise); undefined = real time */
  clock?: Clock;
  sync(extra?: Partial<SyncOptions>): Promise<SyncResult>;
  /** Opens the state file without its lock (as `mlc runs` does) and closes it after `fn`. */
  withState<T>(fn: (s: StateStore) => T): Promise<T>;
  failures(): Promise<ReturnType<typeof failuresOf>>;
  audit(idOrKey: string): Promise<AuditRow[]>;
  connectionsFile(): string;
  stop(): Promise<void>;
}

export async function setup(o: {
  size: number;
  seed: number;
  clock?: Clock;
  knobs?: SandboxOptions['knobs'];
}): Promise<E2E> {
  const sb = await startSandbox({
    systems: ['visma', 'zendesk'],
    size: o.size,
    seed: o.seed,
    now: o.clock,
    knobs: o.knobs,
  });
  const dir = tempDir();
  const statePath = join(dir, 'state.db');
  const withState = async <T>(fn: (s: StateStore) => T): Promise<T> => {
    const s = await StateStore.open(statePath, { lock: false });
    try {
      return fn(s);
    } finally {
      s.abandon();
    }
  };
  return {
    sb,
    visma: vismaOf(sb),
    zendesk: zendeskOf(sb),
    dir,
    statePath,
    clock: o.clock,
    sync: (extra = {}) =>
      runSync({
        root: ROOT,
        mapping: MAPPING,
        connections: sb.connections,
        statePath,
        ...(o.clock ? { clock: o.clock } : {}),
        ...extra,
      }),
    withState,
    failures: () => withState((s) => failuresOf(s, MAPPING)),
    audit: (idOrKey) => withState((s) => auditOf(s, idOrKey, 10_000)),
    connectionsFile: () => {
      const file = join(dir, 'connections.yaml');
      writeFileSync(file, stringify({ connections: sb.connections }));
      return file;
    },
    stop: async () => {
      await sb.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function writeRequests(
  sim: VismaSimulator | ZendeskSimulator,
): { method: string; path: string; status: number }[] {
  return sim
    .stats()
    .log.filter((e) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method) && e.path !== '/oauth/tokens');
}

/** Per external_id: how many successful creates and updates the Zendesk jobs applied. */
export function jobOutcomes(zendesk: ZendeskSimulator): {
  creates: Map<string, number>;
  updates: number;
  failed: number;
} {
  const byId = new Map(zendesk.organizations().map((o) => [Number(o.id), String(o.external_id)]));
  const creates = new Map<string, number>();
  let updates = 0;
  let failed = 0;
  for (const j of zendesk.jobStatuses()) {
    for (const r of (j.results ?? []) as Record<string, unknown>[]) {
      // Spec shapes: a create row is {id, index}, an update row {action: 'update', id, status, success}.
      if (r.success === false || 'error' in r) failed++;
      else if (r.action === 'update' || r.status === 'Updated') updates++;
      else if (r.id !== undefined) {
        const ext = byId.get(Number(r.id)) ?? `id:${textOf(r.id)}`;
        creates.set(ext, (creates.get(ext) ?? 0) + 1);
      } else failed++;
    }
  }
  return { creates, updates, failed };
}

// ---------------------------------------------------------------------------------------------
// The CLI
// ---------------------------------------------------------------------------------------------

const CLI = join(ROOT, 'bin', 'mlc.js');
const BUILT = join(ROOT, 'dist', 'engine', 'cli', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function builtIsFresh(): boolean {
  if (!existsSync(BUILT)) return false;
  const built = statSync(BUILT).mtimeMs;
  return ['engine', 'sandbox'].every((d) => newestSource(join(ROOT, d)) <= built);
}

/**
 * Builds dist/ when the compiled CLI is missing or older than the sources. Test files run in
 * parallel workers, so the build is serialized with a lock directory.
 */
export async function ensureBuilt(): Promise<void> {
  // Once per vitest run (forked workers share the parent pid): a rebuild while another test
  // file's CLI processes are starting would tear dist/ under them.
  const marker = join(tmpdir(), `mlc-e2e-built-${process.ppid}`);
  if (existsSync(marker) && Date.now() - statSync(marker).mtimeMs < 30 * 60_000 && existsSync(BUILT)) return;
  await buildIfStale();
  writeFileSync(marker, new Date().toISOString());
}

async function buildIfStale(): Promise<void> {
  if (builtIsFresh()) return;
  const lock = join(tmpdir(), 'mlc-e2e-build.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 240_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      await delay(250);
    }
  }
  try {
    if (builtIsFresh()) return;
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    // tsc emits even with type errors elsewhere in the tree (others are editing it): the CLI is usable then.
    if (!existsSync(BUILT) || (r.status !== 0 && !builtIsFresh()))
      throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Node could not load the compiled CLI: dist/ is being rewritten by a build (ours or a colleague's). */
const TORN_BUILD = /SyntaxError: The requested module|ERR_MODULE_NOT_FOUND|Cannot find module .*dist/;

/**
 * Runs `mlc <args>` to the end, or SIGKILLs it `killAfterMs` after the start (or, with `killWhen`,
 * that long after `killWhen()` first returns true; it is checked every 5 ms). A start that failed
 * only because dist/ was being rebuilt at that moment is retried: that is the environment, not mlc.
 */
export async function runCli(
  args: string[],
  o: { killAfterMs?: number; killWhen?: () => boolean; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CliResult & { killed: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const r = await runCliOnce(args, o);
    if (r.killed || r.code === 0 || !TORN_BUILD.test(r.stderr) || attempt >= 4) return r;
    await delay(3000);
  }
}

function runCliOnce(
  args: string[],
  o: { killAfterMs?: number; killWhen?: () => boolean; timeoutMs?: number; env?: Record<string, string> },
): Promise<CliResult & { killed: boolean }> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const p = spawnCli(args, o.env);
    let stdout = '';
    let stderr = '';
    let killed = false;
    p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timers: NodeJS.Timeout[] = [];
    const kill = () => {
      if (p.exitCode === null && p.signalCode === null) {
        killed = true;
        p.kill('SIGKILL');
      }
    };
    if (o.killAfterMs !== undefined && !o.killWhen) timers.push(setTimeout(kill, o.killAfterMs));
    if (o.killAfterMs !== undefined && o.killWhen) {
      const watch = setInterval(() => {
        if (!o.killWhen!()) return;
        clearInterval(watch);
        timers.push(setTimeout(kill, o.killAfterMs));
      }, 5);
      timers.push(watch);
    }
    timers.push(
      setTimeout(() => {
        if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      }, o.timeoutMs ?? 90_000),
    );
    p.on('error', rej);
    p.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      for (const t of timers) clearInterval(t);
      res({ code, signal, stdout, stderr, ms: Date.now() - t0, killed });
    });
  });
}

/** The simulators' seeded PRNG as a function, for kill moments and test choices. */
export function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

// ---------------------------------------------------------------------------------------------
// A man-in-the-middle for faults the simulators' knobs cannot aim (one specific response lost)
// ---------------------------------------------------------------------------------------------

export interface Proxy {
  url: string;
  /** Requests seen, as "METHOD /path" */
  seen: string[];
  close(): Promise<void>;
}

/**
 * Forwards every request to `upstream` and hands the client what `answer` makes of upstream's
 * body (the nth request of its method and path): the request always took effect upstream.
 */
async function startProxy(
  upstream: string,
  answer: (method: string, path: string, nth: number, text: string) => string | Promise<string>,
): Promise<Proxy> {
  const { createServer } = await import('node:http');
  const seen: string[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const method = req.method ?? 'GET';
        const url = new URL(req.url ?? '/', upstream);
        const key = `${method} ${url.pathname}`;
        seen.push(key);
        const nth = (counts.get(key) ?? 0) + 1;
        counts.set(key, nth);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
        try {
          const up = await fetch(url, { method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
          const text = await answer(method, url.pathname, nth, await up.text());
          const out: Record<string, string> = {};
          up.headers.forEach((v, k) => {
            if (!['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'content-encoding'].includes(k))
              out[k] = v;
          });
          res.writeHead(up.status, out);
          res.end(text);
        } catch (err) {
          if (!res.headersSent) res.writeHead(502);
          res.end(String(err));
        }
      })();
    });
  });
  await new Promise<void>((r) =>
    server.listen(0, '127.0.0.1', () => {
      r();
    }),
  );
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => {
          r();
        });
      }),
  };
}

/**
 * For requests `spoil` picks, the client gets the JSON body cut in half: the request took effect
 * and its answer was lost, which is what a truncated or dropped response to a POST means in real life.
 */
export const startSpoilingProxy = (
  upstream: string,
  spoil: (method: string, path: string, nth: number) => boolean,
): Promise<Proxy> =>
  startProxy(upstream, (method, path, nth, text) =>
    spoil(method, path, nth) ? text.slice(0, Math.floor(text.length / 2)) : text,
  );

/**
 * Holds the answers `slow` picks for `holdMs` after upstream handled the request: the target has
 * applied it, the client does not know yet (the window a kill hits).
 */
export const startHoldingProxy = (
  upstream: string,
  slow: (method: string, path: string) => boolean,
  holdMs: number,
): Promise<Proxy> =>
  startProxy(upstream, async (method, path, _nth, text) => {
    if (slow(method, path)) await delay(holdMs);
    return text;
  });
