import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, startSandbox, vismaOf, zendeskOf, type Sandbox } from '../../sandbox/index.js';
import { VismaSimulator } from '../../sandbox/visma/index.js';
import { ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import { vismaGet, vismaToken } from './helpers/visma-client.js';
import { postJson, waitForJob, zendeskClient } from './helpers/zendesk-client.js';

const NOW = '2026-03-01T09:00:00.000Z';
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({
    systems: ['visma', 'zendesk'],
    size: 40,
    seed: 21,
    now: fixedClock(NOW),
    knobs: { zendesk: { rateLimitEnabled: false } },
  });
});
afterAll(() => sb.stop());

describe('startSandbox', () => {
  it('returns connection profiles in the engine format, on 127.0.0.1', () => {
    const v = sb.connections.visma;
    const z = sb.connections.zendesk;
    const vUrl = sb.simulators.visma!.url;
    const zUrl = sb.simulators.zendesk!.url;
    expect(vUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(v).toEqual({
      connector: 'visma',
      base_url: vUrl,
      token_url: `${vUrl}/connect/token`,
      values: {
        client_id: expect.any(String),
        client_secret: expect.any(String),
        tenant_id: expect.any(String),
        company_id: expect.any(String),
      },
    });
    expect(z).toEqual({
      connector: 'zendesk',
      base_url: `${zUrl}/api/v2`,
      token_url: `${zUrl}/oauth/tokens`,
      values: {
        subdomain: 'sandbox',
        client_id: expect.any(String),
        client_secret: expect.any(String),
        refresh_token: expect.any(String),
        email: expect.any(String),
        api_token: expect.any(String),
      },
    });
    expect(Object.values(v.values).every((x) => typeof x === 'string' && x.length > 0)).toBe(true);
    expect(vismaOf(sb)).toBeInstanceOf(VismaSimulator);
    expect(zendeskOf(sb)).toBeInstanceOf(ZendeskSimulator);
    expect(vismaOf(sb).store.customers).toHaveLength(40);
  });

  it('is not reachable on other interfaces (bound to loopback only)', async () => {
    const port = Number(new URL(sb.simulators.visma!.url).port);
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) return;
    const connected = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: external.address, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => {
        resolve(false);
      });
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
    });
    expect(connected).toBe(false);
  });

  it('rejects an unknown knob at start', async () => {
    await expect(startSandbox({ systems: ['visma'], knobs: { visma: { pageSizeMax: 5 } } })).rejects.toThrow(
      /unknown knob "pageSizeMax"/,
    );
  });
});

describe('stats and admin endpoints', () => {
  it('counts API requests per route pattern, logs them in order, and resets', async () => {
    const visma = vismaOf(sb);
    visma.resetStats();
    const token = await vismaToken(visma);
    await vismaGet(visma, token, '/v1/customer?pageSize=5');
    await vismaGet(visma, token, '/v1/customer/10003');
    await vismaGet(visma, token, '/v1/customer/10004');
    await fetch(`${visma.url}/__sim/stats`); // admin requests are not counted
    const s = visma.stats();
    expect(s.total).toBe(4);
    expect(s.byRoute).toEqual({ 'POST /connect/token': 1, 'GET /v1/customer': 1, 'GET /v1/customer/{customerCd}': 2 });
    expect(s.log.map((e) => [e.method, e.path, e.status])).toEqual([
      ['POST', '/connect/token', 200],
      ['GET', '/v1/customer', 200],
      ['GET', '/v1/customer/10003', 200],
      ['GET', '/v1/customer/10004', 200],
    ]);
    expect(s.log[1]).toMatchObject({ query: '?pageSize=5', timestamp: NOW });
    const viaHttp = (await (await fetch(`${visma.url}/__sim/stats`)).json()) as { total: number };
    expect(viaHttp.total).toBe(4);
    expect((await fetch(`${visma.url}/__sim/stats/reset`, { method: 'POST' })).status).toBe(200);
    expect(visma.stats().total).toBe(0);
  });

  it('records Zendesk bulk routes by pattern, including .json paths', async () => {
    const zd = zendeskOf(sb);
    zd.resetStats();
    const client = zendeskClient(zd);
    const r = await client.post<{ job_status: { id: string } }>('/api/v2/organizations/create_many.json', {
      organizations: [{ name: 'Stats AS' }],
    });
    await waitForJob(client, r.body.job_status.id);
    expect(zd.stats().byRoute['POST /api/v2/organizations/create_many']).toBe(1);
    expect(zd.stats().byRoute['GET /api/v2/job_statuses/{id}']).toBe(2);
  });

  it('GET /__sim/state summarises, and full=1 includes records', async () => {
    const summary = (await (await fetch(`${sb.simulators.visma!.url}/__sim/state`)).json()) as Record<string, unknown>;
    expect(summary).toMatchObject({ customers: 40, suppliers: 10, contacts: 40 });
    expect(summary).not.toHaveProperty('records');
    const full = (await (await fetch(`${sb.simulators.zendesk!.url}/__sim/state?full=1`)).json()) as {
      records: { organizations: unknown[] };
    };
    expect(full.records.organizations.length).toBe(zendeskOf(sb).organizationCount());
  });

  it('POST /__sim/knobs validates and applies runtime knobs', async () => {
    const url = sb.simulators.visma!.url;
    const bad = await postJson(`${url}/__sim/knobs`, { maxPageSize: 'many' });
    expect(bad.status).toBe(400);
    const ok = await postJson(`${url}/__sim/knobs`, { maxPageSize: 7 });
    expect(ok.body.maxPageSize).toBe(7);
    const token = await vismaToken(vismaOf(sb));
    expect((await vismaGet<unknown[]>(vismaOf(sb), token, '/v1/customer?pageSize=50')).body).toHaveLength(7);
    await postJson(`${url}/__sim/knobs`, { maxPageSize: 500 });
  });
});

describe('fault knobs', () => {
  // Each test uses its own simulator so faults never leak.
  const withVisma = async (
    faults: Record<string, unknown>,
    fn: (sim: VismaSimulator, token: string) => Promise<void>,
  ) => {
    const sim = await new VismaSimulator({ seed: 2, size: 5 }).start();
    try {
      const token = await vismaToken(sim);
      sim.setFaults(faults);
      await fn(sim, token);
    } finally {
      await sim.stop();
    }
  };

  it('latencyMs delays API responses but not admin ones', async () => {
    await withVisma({ latencyMs: 150 }, async (sim, token) => {
      let t = Date.now();
      await vismaGet(sim, token, '/v1/customer');
      expect(Date.now() - t).toBeGreaterThanOrEqual(140);
      t = Date.now();
      await fetch(`${sim.url}/__sim/stats`);
      expect(Date.now() - t).toBeLessThan(140);
    });
  });

  it('errorRate=1 gives 5xx, and the sequence is reproducible by seed', async () => {
    await withVisma({ errorRate: 1 }, async (sim, token) => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await vismaGet(sim, token, '/v1/customer')).status);
      expect(statuses.every((s) => [500, 502, 503].includes(s))).toBe(true);
      const again = await new VismaSimulator({ seed: 2, size: 5, faults: { errorRate: 1 } }).start();
      const t2 = await fetch(`${again.url}/connect/token`, { method: 'POST' });
      const statuses2 = [t2.status];
      for (let i = 0; i < 6; i++) statuses2.push((await fetch(`${again.url}/v1/customer`)).status);
      await again.stop();
      // The token request consumed one draw in the first run too.
      expect(statuses2.slice(1)).toEqual(statuses);
    });
  });

  it('burst429 answers the next N requests with 429 + Retry-After, then recovers', async () => {
    await withVisma({ burst429: 2, burst429RetryAfterSec: 3 }, async (sim, token) => {
      const a = await vismaGet(sim, token, '/v1/customer');
      const b = await vismaGet(sim, token, '/v1/customer');
      const c = await vismaGet(sim, token, '/v1/customer');
      expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
      expect(a.headers.get('retry-after')).toBe('3');
    });
  });

  it('dropRate=1 destroys the connection without a response', async () => {
    await withVisma({ dropRate: 1 }, async (sim, token) => {
      await expect(vismaGet(sim, token, '/v1/customer')).rejects.toThrow();
      expect(sim.stats().log.at(-1)?.status).toBe(0);
    });
  });

  it('malformedRate=1 returns 200 with truncated JSON', async () => {
    await withVisma({ malformedRate: 1 }, async (sim, token) => {
      const res = await fetch(`${sim.url}/v1/customer/10001`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text.startsWith('{"internalId":1')).toBe(true);
      expect(() => JSON.parse(text)).toThrow();
    });
  });

  it('faults are settable over POST /__sim/faults and validated', async () => {
    await withVisma({}, async (sim, token) => {
      const set = await postJson(`${sim.url}/__sim/faults`, { errorRate: 1 });
      expect(set.body.errorRate).toBe(1);
      expect((await vismaGet(sim, token, '/v1/customer')).status).toBeGreaterThanOrEqual(500);
      expect((await postJson(`${sim.url}/__sim/faults`, { errorRate: 2 })).status).toBe(400);
      await postJson(`${sim.url}/__sim/faults`, { errorRate: 0 });
      expect((await vismaGet(sim, token, '/v1/customer')).status).toBe(200);
    });
  });

  it('POST /__sim/expire-tokens invalidates issued tokens', async () => {
    await withVisma({}, async (sim, token) => {
      expect((await fetch(`${sim.url}/__sim/expire-tokens`, { method: 'POST' })).status).toBe(200);
      expect((await vismaGet(sim, token, '/v1/customer')).status).toBe(401);
    });
  });

  it('fault knobs can be given with the other knobs at start and at runtime', async () => {
    const sb2 = await startSandbox({ systems: ['visma'], size: 3, knobs: { visma: { burst429: 1, maxPageSize: 2 } } });
    try {
      const v = vismaOf(sb2);
      expect(v.faults().burst429).toBe(1);
      expect((await fetch(`${v.url}/v1/customer`)).status).toBe(429);
      v.setKnobs({ errorRate: 1 });
      expect((await fetch(`${v.url}/v1/customer`)).status).toBeGreaterThanOrEqual(500);
      expect(v.knobs().maxPageSize).toBe(2);
    } finally {
      await sb2.stop();
    }
  });

  it('faults apply to Zendesk API routes too', async () => {
    const zd = await new ZendeskSimulator({ seed: 3, faults: { burst429: 1 } }).start();
    try {
      const r = await zendeskClient(zd).get('/api/v2/organizations');
      expect(r.status).toBe(429);
      expect(r.body).toEqual({ errors: [{ code: 'TooManyRequests', title: 'Too many requests' }] });
    } finally {
      await zd.stop();
    }
  });
});

describe('snapshot and restore', () => {
  it('Visma: compact snapshot (seed recipe + changes) restores identical data, tokens and counters', async () => {
    const a = await new VismaSimulator({ seed: 31, size: 60, clock: fixedClock(NOW) }).start();
    const token = await vismaToken(a);
    a.mutate({ customers: 3, invoices: 3, payInvoices: 2 });
    a.createInvoice({ customerNumber: '10002', amount: 99 });
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as { base: unknown; customers: unknown[] };
    expect(snap.base).not.toBeNull();
    expect(snap.customers).toHaveLength(3);
    await a.stop();

    const b = await new VismaSimulator({ snapshot: snap, clock: fixedClock(NOW) }).start();
    try {
      expect(b.customers()).toEqual(a.customers());
      expect(b.invoices()).toEqual(a.invoices());
      expect(b.credentials()).toEqual(a.credentials());
      expect((await vismaGet(b, token, '/v1/customer?pageSize=1')).status).toBe(200);
      const next = b.createInvoice({ customerNumber: '10002', amount: 1 });
      expect(Number(next.referenceNumber)).toBe(Number(a.store.invoices.at(-1)!.referenceNumber) + 1);
      // The restored simulator keeps tracking changes for the next snapshot.
      expect((b.snapshot() as { invoices: unknown[] }).invoices.length).toBeGreaterThan(
        (snap as unknown as { invoices: unknown[] }).invoices.length,
      );
    } finally {
      await b.stop();
    }
  });

  it('Visma: full snapshot lists every record and restores the same', () => {
    const a = new VismaSimulator({ seed: 32, size: 20, clock: fixedClock(NOW) });
    a.patchCustomer('10001', { name: 'Renamed AS' });
    const full = JSON.parse(JSON.stringify(a.snapshot({ full: true }))) as { base: unknown; customers: unknown[] };
    expect(full.base).toBeNull();
    expect(full.customers).toHaveLength(20);
    const b = new VismaSimulator({ snapshot: full, clock: fixedClock(NOW) });
    expect(b.customers()).toEqual(a.customers());
    expect(b.suppliers()).toEqual(a.suppliers());
    expect(b.contacts()).toEqual(a.contacts());
    expect(() => new VismaSimulator({ snapshot: { format: 'other' } })).toThrow(/snapshot/);
  });

  it('Zendesk: organizations, fields, users, jobs and OAuth state survive a round trip through JSON', async () => {
    const a = await new ZendeskSimulator({
      seed: 33,
      clock: fixedClock(NOW),
      knobs: { rateLimitEnabled: false, seedTickets: true, seedOrganizations: 2 },
    }).start();
    const c = zendeskClient(a);
    await c.post('/api/v2/organization_fields', {
      organization_field: { type: 'decimal', title: 'Credit', key: 'credit' },
    });
    await c.post('/api/v2/organizations', {
      organization: { name: 'Snap AS', external_id: 'snap', organization_fields: { credit: 10 } },
    });
    const pending = await c.post<{ job_status: { id: string } }>('/api/v2/organizations/create_many', {
      organizations: [{ name: 'Later AS', external_id: 'later' }],
    });
    const tok = await postJson(a.connection.token_url!, {
      grant_type: 'refresh_token',
      refresh_token: a.connection.values.refresh_token,
      client_id: a.connection.values.client_id,
      client_secret: a.connection.values.client_secret,
    });
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as unknown;
    const before = { orgs: a.organizations(), tickets: a.tickets(), profileToken: a.connection.values.refresh_token };
    await a.stop();

    const b = await new ZendeskSimulator({
      seed: 33,
      snapshot: snap,
      clock: fixedClock(NOW),
      knobs: { rateLimitEnabled: false },
    }).start();
    try {
      expect(b.organizations().map((o) => ({ ...o, url: undefined }))).toEqual(
        before.orgs.map((o) => ({ ...o, url: undefined })),
      );
      expect(b.findOrganization('snap')?.organization_fields).toEqual({ credit: 10 });
      expect(b.tickets()).toHaveLength(before.tickets.length);
      // The rotated token from before the restore still works; the profile carries a fresh valid one.
      expect((await zendeskClient(b, String(tok.body.access_token)).get('/api/v2/organizations')).status).toBe(200);
      expect(b.connection.values.refresh_token).not.toBe(before.profileToken);
      const again = await postJson(b.connection.token_url!, {
        grant_type: 'refresh_token',
        refresh_token: b.connection.values.refresh_token,
        client_id: b.connection.values.client_id,
        client_secret: b.connection.values.client_secret,
      });
      expect(again.status).toBe(201);
      // The queued job resumes where it was.
      const done = await waitForJob(zendeskClient(b), pending.body.job_status.id);
      expect(done.status).toBe('completed');
      expect(b.findOrganization('later')).toBeDefined();
      // New ids do not collide with restored ones.
      const fresh = await zendeskClient(b).post<{ organization: { id: number } }>('/api/v2/organizations', {
        organization: { name: 'Fresh AS' },
      });
      expect(b.organizations().filter((o) => o.id === fresh.body.organization.id)).toHaveLength(1);
    } finally {
      await b.stop();
    }
  });

  it('startSandbox restores from per-system snapshots', async () => {
    const visma = vismaOf(sb);
    visma.patchCustomer('10001', { name: 'Persisted AS' });
    const snapshot = {
      visma: JSON.parse(JSON.stringify(visma.snapshot())) as unknown,
      zendesk: JSON.parse(JSON.stringify(zendeskOf(sb).snapshot())) as unknown,
    };
    const sb2 = await startSandbox({ systems: ['visma', 'zendesk'], seed: 21, now: fixedClock(NOW), snapshot });
    try {
      expect(vismaOf(sb2).customer('10001')?.name).toBe('Persisted AS');
      expect(vismaOf(sb2).store.customers).toHaveLength(40);
      expect(zendeskOf(sb2).organizationCount()).toBe(zendeskOf(sb).organizationCount());
      expect(sb2.connections.visma.values).toEqual(sb.connections.visma.values);
    } finally {
      await sb2.stop();
    }
  });
});
