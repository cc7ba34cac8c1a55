/**
 * The key-set reconcile (issue 20): Visma's delta feed never reports a hard delete, so a customer
 * deleted there is noticed only as a key missing from a complete listing of every customer key.
 */
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { manualClock } from '../../sandbox/index.js';
import type { SyncOptions } from '../../engine/sync/run.js';
import { runSync } from '../../engine/sync/run.js';
import type { SyncResult } from '../../engine/sync/events.js';
import { openState } from '../../engine/store/open.js';
import { DAY_MS, FIXED_NOW, MAPPING, setup, type E2E } from './helpers.js';
import { copyProject } from './temp-project.js';

const SIZE = 60;
/** Small server pages, so a listing takes several requests and a fault can land on one of them. */
const KNOBS = { visma: { maxPageSize: 20 } };
const CUSTOMERS = { connection: 'visma', stream: 'customers' };

let e: E2E | undefined;
let proxy: Proxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await e?.stop();
  e = undefined;
});

/** Sets one value of a YAML file of the project, keeping the rest as it is. */
function setYaml(file: string, path: string[], value: unknown): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(path, value);
  writeFileSync(file, doc.toString());
}

/** A copy of the project whose Visma customers declare a weekly reconcile (whatever else they declare). */
function reconcilingProject(): string {
  const root = copyProject();
  const reconcile = { every: '7d', page_size: 500 };
  setYaml(join(root, 'connectors', 'visma.yaml'), ['streams', 'customers', 'deletion', 'reconcile'], reconcile);
  return root;
}

interface Proxy {
  url: string;
  /** Customer listing requests seen (no delta parameter) */
  listings: number;
  close(): Promise<void>;
}

/** What the proxy does with a customer listing page: pass it, fail it, or rewrite its records. */
type Listing = (page: number, records: Record<string, unknown>[]) => number | Record<string, unknown>[] | undefined;

/** Forwards to Visma; customer requests without a delta parameter (listings) go through `listing`. */
async function startProxy(upstream: string, listing: () => Listing | undefined): Promise<Proxy> {
  const p: Proxy = { url: '', listings: 0, close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', upstream);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host') headers[k] = v;
      const up = await fetch(url, { method: req.method, headers });
      let text = await up.text();
      const rule = listing();
      const isListing = url.pathname === '/v1/customer' && !url.searchParams.has('lastModifiedDateTime');
      if (rule && isListing && up.status === 200) {
        p.listings++;
        const out = rule(
          Number(url.searchParams.get('pageNumber') ?? 1),
          JSON.parse(text) as Record<string, unknown>[],
        );
        if (typeof out === 'number') {
          res.writeHead(out, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'proxy: this page fails' }));
          return;
        }
        if (out) text = JSON.stringify(out);
      }
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  p.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => {
        r();
      });
    });
  return p;
}

/** Runs the mapping of `root` against the sandbox, Visma through `vismaUrl` when given. */
function syncer(env: E2E, root: string, vismaUrl?: string) {
  const connections = { ...env.sb.connections };
  if (vismaUrl) connections.visma = { ...connections.visma, base_url: vismaUrl };
  return (extra: Partial<SyncOptions> = {}): Promise<SyncResult> =>
    runSync({ root, mapping: MAPPING, connections, statePath: env.statePath, clock: env.clock, ...extra });
}

/** Every customer key the test started with (the seed): the keys a reconcile may mark. */
let seeded: string[] = [];

/**
 * The state's reconcile marks (status marks of Inactive customers are another detection's) and
 * last reconcile, read without changing the state.
 */
async function readState(env: E2E) {
  const s = await openState(env.statePath);
  try {
    const all = await s.deletions.load(CUSTOMERS, seeded);
    return {
      last: await s.reconciles.last(CUSTOMERS),
      marked: new Map([...all].filter(([, e]) => e.kind === 'reconcile')),
    };
  } finally {
    await s.abandon();
  }
}

/** Deletes one customer that has no invoices (Visma refuses the others) and returns its number. */
function deleteOne(env: E2E): string {
  const r = env.visma.mutate({ deleteCustomers: 1 });
  expect(r.deletedCustomers).toHaveLength(1);
  return r.deletedCustomers[0];
}

async function start(seed: number) {
  const clock = manualClock(FIXED_NOW);
  e = await setup({ size: SIZE, seed, clock: clock.now, knobs: KNOBS });
  seeded = e.visma.customers().map((c) => String(c.number));
  const root = reconcilingProject();
  return { clock, env: e, root };
}

describe('key-set reconcile of Visma customers', () => {
  it('marks a hard-deleted customer on the reconcile that is due, not on the delta runs before it', async () => {
    const { clock, env, root } = await start(41);
    const sync = syncer(env, root);
    const first = await sync();
    expect(first.status, first.error).toBe('ok');
    // The initial load filled an empty mirror: its reconcile clock starts there, no listing.
    expect(first.reconciles).toBeUndefined();
    expect((await readState(env)).last?.runId).toBe(first.runId);

    const gone = deleteOne(env);
    clock.advance(DAY_MS);
    const delta = await sync();
    expect(delta.status, delta.error).toBe('ok');
    expect(delta.reconciles).toBeUndefined();
    expect((await readState(env)).marked.size).toBe(0);

    clock.advance(7 * DAY_MS);
    const weekly = await sync();
    expect(weekly.status, weekly.error).toBe('ok');
    const listed = env.visma.customers().length;
    expect(weekly.reconciles).toEqual([
      {
        stream: 'customers',
        complete: true,
        listed,
        // 59 keys at the server's 20 a page.
        requests: 3,
        deleted: 1,
        restored: 0,
        sample: [gone],
      },
    ]);
    const after = await readState(env);
    expect(after.marked.size).toBe(1);
    expect(after.marked.get(gone)).toEqual({
      kind: 'reconcile',
      detail: `absent from a complete listing of ${listed} keys`,
      runId: weekly.runId,
      at: clock.now().toISOString(),
    });
    expect(after.last).toEqual({ at: clock.now().toISOString(), runId: weekly.runId });

    // The next reconcile finds it gone again: it is already known, nothing is marked twice.
    const forced = await sync({ reconcile: true });
    expect(forced.reconciles?.[0]).toMatchObject({ complete: true, deleted: 0, restored: 0 });
    expect((await readState(env)).marked.get(gone)?.runId).toBe(weekly.runId);
  }, 60_000);

  it("a flow's reconcile.every overrides the stream's", async () => {
    const { clock, env, root } = await start(47);
    const mapping = join(root, 'mappings', MAPPING, 'mapping.yaml');
    setYaml(mapping, ['flows', 'organizations', 'reconcile'], { every: '1d' });
    const sync = syncer(env, root);
    expect((await sync()).status).toBe('ok');
    const gone = deleteOne(env);
    clock.advance(DAY_MS - 60_000);
    expect((await sync()).reconciles).toBeUndefined();
    clock.advance(60_000);
    const daily = await sync();
    expect(daily.status, daily.error).toBe('ok');
    expect(daily.reconciles?.[0]).toMatchObject({ complete: true, deleted: 1, sample: [gone] });
  }, 60_000);

  it("--reconcile lists now, and the flow marks the deleted customer's organization in that run", async () => {
    const { env, root } = await start(42);
    const sync = syncer(env, root);
    expect((await sync()).status).toBe('ok');
    const gone = deleteOne(env);
    const plain = await sync();
    expect(plain.reconciles).toBeUndefined();
    const forced = await sync({ reconcile: true });
    expect(forced.status, forced.error).toBe('ok');
    expect(forced.reconciles?.[0]).toMatchObject({ complete: true, deleted: 1, sample: [gone] });
    // The one record the reconcile changed is the one the flow handled.
    expect(forced.flows[0].affected).toBe(1);
    expect((await readState(env)).marked.get(gone)?.kind).toBe('reconcile');
    // The flow's on_delete (mark): the organization stays, says deleted, and has no credit standing.
    const org = env.zendesk.findOrganization(gone);
    expect(org?.organization_fields).toMatchObject({ erp_customer_status: 'deleted', credit_standing: null });
    expect(org?.notes).toContain('(deleted in the ERP)');
  }, 60_000);

  it('a dry run lists and reports what would be marked, and stores nothing', async () => {
    const { env, root } = await start(43);
    const sync = syncer(env, root);
    const first = await sync();
    const gone = deleteOne(env);
    const dry = await sync({ dryRun: true, reconcile: true });
    expect(dry.status, dry.error).toBe('ok');
    expect(dry.reconciles?.[0]).toMatchObject({ complete: true, deleted: 1, sample: [gone] });
    expect(dry.flows[0].planned).toContainEqual(expect.objectContaining({ key: gone, action: 'mark' }));
    const s = await readState(env);
    expect(s.marked.size).toBe(0);
    expect(s.last?.runId).toBe(first.runId);
  }, 60_000);

  it('a listing where one page fails deletes nothing and says why', async () => {
    const { env, root } = await start(44);
    const faults: { rule?: Listing } = {};
    proxy = await startProxy(env.visma.url, () => faults.rule);
    const sync = syncer(env, root, proxy.url);
    expect((await sync()).status).toBe('ok');
    deleteOne(env);
    faults.rule = (page) => (page === 2 ? 400 : undefined);
    const r = await sync({ reconcile: true });
    expect(r.status, r.error).toBe('ok');
    expect(r.reconciles?.[0]).toMatchObject({ complete: false, deleted: 0, listed: 20 });
    expect(r.reconciles?.[0].reason).toMatch(/^page 2 failed: /);
    expect(r.warnings?.map((w) => w.message)).toContainEqual(
      expect.stringMatching(/^reconcile found no deletions: the listing of its keys is incomplete \(page 2 failed/),
    );
    const s = await readState(env);
    expect(s.marked.size).toBe(0);
    // An incomplete listing is no reconcile: the last complete one is still the initial load's.
    expect(s.last?.runId).not.toBe(r.runId);
    expect(proxy.listings).toBeGreaterThan(0);
  }, 60_000);

  it('a listing whose keys disagree with the reported total deletes nothing', async () => {
    const { env, root } = await start(45);
    const faults: { rule?: Listing } = {};
    proxy = await startProxy(env.visma.url, () => faults.rule);
    const sync = syncer(env, root, proxy.url);
    expect((await sync()).status).toBe('ok');
    // A page that silently lost a record: its key would look deleted.
    faults.rule = (page, records) => (page === 1 ? records.slice(1) : undefined);
    const r = await sync({ reconcile: true });
    expect(r.status, r.error).toBe('ok');
    const total = env.visma.customers().length;
    expect(r.reconciles?.[0]).toMatchObject({
      complete: false,
      deleted: 0,
      listed: total - 1,
      reason: `${total - 1} keys listed but the source reported a total of ${total}`,
    });
    expect((await readState(env)).marked.size).toBe(0);
  }, 60_000);

  it('a customer missing from one complete listing and listed again by the next is cleared', async () => {
    const { env, root } = await start(46);
    const faults: { rule?: Listing } = {};
    proxy = await startProxy(env.visma.url, () => faults.rule);
    const sync = syncer(env, root, proxy.url);
    expect((await sync()).status).toBe('ok');
    const customers = env.visma.customers();
    const active = customers.filter((c) => c.status === 'Active');
    const hidden = String(active[3].number);
    // A listing consistent in itself (the total says one fewer) that does not have the customer.
    faults.rule = (_page, records) =>
      records
        .filter((r) => String(r.number) !== hidden)
        .map((r) => ({ ...r, metadata: { ...(r.metadata as object), totalCount: customers.length - 1 } }));
    const without = await sync({ reconcile: true });
    expect(without.reconciles?.[0]).toMatchObject({ complete: true, deleted: 1, sample: [hidden] });
    expect((await readState(env)).marked.get(hidden)?.kind).toBe('reconcile');
    const fields = () => env.zendesk.findOrganization(hidden)?.organization_fields as Record<string, unknown>;
    expect(fields().erp_customer_status).toBe('deleted');

    delete faults.rule;
    const back = await sync({ reconcile: true });
    expect(back.status, back.error).toBe('ok');
    expect(back.reconciles?.[0]).toMatchObject({ complete: true, deleted: 0, restored: 1 });
    expect((await readState(env)).marked.size).toBe(0);
    expect(back.flows[0].affected).toBe(1);
    // Written back as it is in Visma.
    expect(fields().erp_customer_status).toBe('Active');
  }, 60_000);
});
