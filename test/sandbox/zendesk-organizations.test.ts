import { request } from 'node:http';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import { zendeskValidator, type Validate } from './helpers/spec.js';
import { zendeskClient, type ZdClient } from './helpers/zendesk-client.js';

let sim: ZendeskSimulator;
let zd: ZdClient;
let validate: Validate;

type Org = Record<string, unknown> & { id: number; name: string; external_id: string | null };
type OrgBody = { organization: Org };
type OrgsBody = {
  organizations: Org[];
  meta?: { has_more: boolean; after_cursor: string | null };
  links?: { next: string | null; prev: string | null };
  next_page?: string | null;
  count?: number;
};

beforeAll(() => {
  validate = zendeskValidator();
});

beforeEach(async () => {
  sim = await new ZendeskSimulator({ seed: 11, knobs: { rateLimitEnabled: false } }).start();
  zd = zendeskClient(sim);
});
afterEach(() => sim.stop());

async function create(o: Record<string, unknown>) {
  return zd.post<OrgBody>('/api/v2/organizations.json', { organization: o });
}

describe('Zendesk organizations', () => {
  it('starts empty', async () => {
    const r = await zd.get<OrgsBody>('/api/v2/organizations');
    expect(r.body.organizations).toEqual([]);
    expect(sim.organizationCount()).toBe(0);
  });

  it('creates (201, Location) and shows an organization that conforms to OrganizationObject', async () => {
    const r = await create({
      name: '  Fjordkraft Handel AS ',
      external_id: 'visma:10001',
      details: 'Storgata 1',
      tags: ['erp'],
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`${sim.url}/api/v2/organizations/${r.body.organization.id}.json`);
    expect(r.body.organization).toMatchObject({
      name: 'Fjordkraft Handel AS',
      external_id: 'visma:10001',
      details: 'Storgata 1',
      tags: ['erp'],
      organization_fields: {},
    });
    expect(validate('OrganizationResponse', r.body)).toEqual([]);
    expect(validate('OrganizationObject', { name: 5 })).not.toEqual([]);
    const shown = await zd.get<OrgBody>(`/api/v2/organizations/${r.body.organization.id}.json`);
    expect(shown.body).toEqual(r.body);
    expect((await zd.get('/api/v2/organizations/123')).body).toEqual({
      error: 'RecordNotFound',
      description: 'Not found',
    });
  });

  it('refuses duplicate names (trimmed, any case) with the 422 RecordInvalid body', async () => {
    await create({ name: 'Nordvik Bygg AB' });
    const dup = await create({ name: ' nordvik bygg ab ' });
    expect(dup.status).toBe(422);
    expect(dup.body).toEqual({
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: { name: [{ description: 'Name: nordvik bygg ab has already been taken', error: 'DuplicateValue' }] },
    });
  });

  it('treats external_id as unique and case-insensitive', async () => {
    await create({ name: 'A', external_id: 'Company1' });
    const dup = await create({ name: 'B', external_id: 'company1' });
    expect(dup.status).toBe(422);
    expect(Object.keys((dup.body as unknown as { details: object }).details)).toEqual(['external_id']);
    const search = await zd.get<OrgsBody>('/api/v2/organizations/search?external_id=COMPANY1');
    expect(search.body.organizations.map((o) => o.name)).toEqual(['A']);
    expect(search.body.count).toBe(1);
    expect(validate('OrganizationsResponse', search.body)).toEqual([]);
  });

  it('create_or_update: 201 then 200, matching external_id case-insensitively, never name', async () => {
    const first = await zd.post<OrgBody>('/api/v2/organizations/create_or_update', {
      organization: { name: 'Järvinen Oy', external_id: 'ERP-1' },
    });
    expect(first.status).toBe(201);
    const second = await zd.post<OrgBody>('/api/v2/organizations/create_or_update', {
      organization: { name: 'Järvinen Oy', external_id: 'erp-1', notes: 'updated' },
    });
    expect(second.status).toBe(200);
    expect(second.body.organization.id).toBe(first.body.organization.id);
    expect(second.body.organization.notes).toBe('updated');
    // By id too.
    const byId = await zd.post<OrgBody>('/api/v2/organizations/create_or_update', {
      organization: { id: first.body.organization.id, details: 'x' },
    });
    expect(byId.status).toBe(200);
    // Same name without id/external_id is a create, hence a duplicate.
    const byName = await zd.post('/api/v2/organizations/create_or_update', { organization: { name: 'Järvinen Oy' } });
    expect(byName.status).toBe(422);
    expect(sim.organizationCount()).toBe(1);
  });

  it('update keeps updated_at when nothing changed and replaces lists', async () => {
    const o = (await create({ name: 'Vik AS', domain_names: ['a.no', 'b.no'] })).body.organization;
    const same = await zd.put<OrgBody>(`/api/v2/organizations/${o.id}`, { organization: { name: 'Vik AS' } });
    expect(same.status).toBe(200);
    expect(same.body.organization.updated_at).toBe(o.updated_at);
    const upd = await zd.put<OrgBody>(`/api/v2/organizations/${o.id}`, { organization: { domain_names: ['c.no'] } });
    expect(upd.body.organization.domain_names).toEqual(['c.no']);
  });

  it('has no create_or_update_many for organizations', async () => {
    const r = await zd.post('/api/v2/organizations/create_or_update_many', { organizations: [{ name: 'X' }] });
    expect(r.status).toBe(404);
  });

  it('show_many by ids and external_ids, at most 100', async () => {
    const a = (await create({ name: 'A', external_id: 'e-a' })).body.organization;
    const b = (await create({ name: 'B', external_id: 'e-b' })).body.organization;
    const byIds = await zd.get<OrgsBody>(`/api/v2/organizations/show_many?ids=${a.id},${b.id},999`);
    expect(byIds.body.organizations.map((o) => o.id)).toEqual([a.id, b.id]);
    const byExt = await zd.get<OrgsBody>('/api/v2/organizations/show_many.json?external_ids=E-B,e-a');
    expect(byExt.body.organizations.map((o) => o.name)).toEqual(['B', 'A']);
    const tooMany = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
    const r = await zd.get<{ error: string; description: string }>(`/api/v2/organizations/show_many?ids=${tooMany}`);
    expect(r.status).toBe(400);
    expect(r.body.description).toMatch(/101.*100/);
  });

  it('search by name is exact and case-insensitive; both keys at once is refused', async () => {
    await create({ name: 'Kallio Media Oy' });
    expect(
      (await zd.get<OrgsBody>('/api/v2/organizations/search?name=kallio%20media%20oy')).body.organizations,
    ).toHaveLength(1);
    expect((await zd.get<OrgsBody>('/api/v2/organizations/search?name=kallio')).body.organizations).toHaveLength(0);
    expect((await zd.get('/api/v2/organizations/search?name=a&external_id=b')).status).toBe(400);
  });

  it('destroys', async () => {
    const o = (await create({ name: 'Gone AS', external_id: 'g' })).body.organization;
    expect((await zd.delete(`/api/v2/organizations/${o.id}`)).status).toBe(204);
    expect((await zd.get(`/api/v2/organizations/${o.id}`)).status).toBe(404);
    expect(sim.findOrganization('g')).toBeUndefined();
    // The name is free again.
    expect((await create({ name: 'Gone AS' })).status).toBe(201);
  });
});

describe('Zendesk organization pagination', () => {
  it('cursor pagination: page[size] <= 100, has_more, links.next walks every record once and is null on the last page', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 23; i++)
      ids.push((await create({ name: `Org ${i}`, external_id: `x${i}` })).body.organization.id);
    const seen: number[] = [];
    let url: string | null = '/api/v2/organizations.json?page[size]=10';
    let pages = 0;
    while (url) {
      const r: { body: OrgsBody } = await zd.get<OrgsBody>(url.replace(sim.url, ''));
      // The spec's one cursor page with links it requires (nullable): CustomObjectRecordsResponse.
      expect(validate('CustomObjectRecordsResponse', r.body)).toEqual([]);
      expect(r.body.links!.prev === null).toBe(pages === 0);
      seen.push(...r.body.organizations.map((o) => o.id));
      pages++;
      // Follows links.next alone: it must run out exactly when has_more does.
      expect(r.body.links!.next === null).toBe(!r.body.meta!.has_more);
      url = r.body.links!.next;
      expect(pages).toBeLessThan(5);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
    const big = await zd.get<{ error: string }>('/api/v2/organizations?page[size]=101');
    expect(big.status).toBe(400);
    expect(big.body.error).toBe('InvalidPaginationParameter');
  });

  it('offset pagination: next_page/count, and 400 beyond the first 10,000 records', async () => {
    for (let i = 0; i < 5; i++) await create({ name: `O${i}` });
    const p1 = await zd.get<OrgsBody>('/api/v2/organizations.json?per_page=2');
    expect(p1.body.organizations).toHaveLength(2);
    expect(p1.body.count).toBe(5);
    expect(p1.body.next_page).toBe(`${sim.url}/api/v2/organizations.json?page=2&per_page=2`);
    const p3 = await zd.get<OrgsBody>('/api/v2/organizations.json?page=3&per_page=2');
    expect(p3.body.next_page).toBeNull();
    expect((await zd.get('/api/v2/organizations?page=100&per_page=100')).status).toBe(200);
    const beyond = await zd.get<{ error: string }>('/api/v2/organizations?page=101&per_page=100');
    expect(beyond.status).toBe(400);
    expect(beyond.body.error).toBe('InvalidPaginationParameter');
    expect((await zd.get('/api/v2/organizations?page=10001&per_page=1')).status).toBe(400);
  });
});

/** A GET as it arrives through a proxy: fetch() will not let a caller set Host. */
type ProxiedPage = {
  organizations: Array<{ id: number; url: string }>;
  links: { next: string; prev: string | null };
  next_page: string | null;
};
function viaProxy(path: string, headers: Record<string, string>): Promise<ProxiedPage> {
  const c = sim.credentials();
  const auth = `Basic ${Buffer.from(`${c.email}/token:${c.api_token}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { headers: { authorization: auth, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        resolve(JSON.parse(text) as ProxiedPage);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Zendesk links behind a proxy', () => {
  it("absolute links (links.next/prev, next_page, url) use the request's Host and X-Forwarded-Proto, not the listening address", async () => {
    for (let i = 0; i < 3; i++) await create({ name: `P${i}`, external_id: `p${i}` });
    const proxied = { host: 'acme.zendesk.example:8443', 'x-forwarded-proto': 'https' };
    const origin = 'https://acme.zendesk.example:8443';
    const first = await viaProxy('/api/v2/organizations.json?page[size]=1', proxied);
    expect(first.links.next).toMatch(
      new RegExp(`^${origin}/api/v2/organizations\\.json\\?page%5Bsize%5D=1&page%5Bafter%5D=`),
    );
    const next = new URL(first.links.next);
    const second = await viaProxy(next.pathname + next.search, proxied);
    expect(second.links.prev).toMatch(new RegExp(`^${origin}/`));
    expect(second.organizations[0].url).toBe(`${origin}/api/v2/organizations/${second.organizations[0].id}.json`);
    const offset = await viaProxy('/api/v2/organizations.json?per_page=1', { host: 'acme.zendesk.example' });
    expect(offset.next_page).toBe('http://acme.zendesk.example/api/v2/organizations.json?page=2&per_page=1');
  });

  it('a malformed Host falls back to the listening address', async () => {
    for (let i = 0; i < 2; i++) await create({ name: `Q${i}` });
    const r = await viaProxy('/api/v2/organizations.json?per_page=1', { host: 'evil.example/x?' });
    expect(r.next_page).toBe(`${sim.url}/api/v2/organizations.json?page=2&per_page=1`);
  });
});
