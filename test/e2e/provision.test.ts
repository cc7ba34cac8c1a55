// Custom fields that already exist in the Zendesk account, and connections that cannot sign in,
// against the simulators (issue 11 sections 3 and 4): the sync adds missing dropdown options and
// writes every record; a field of another type, or a source that cannot authenticate, is one run
// error before anything is written to Zendesk.
import { afterEach, describe, expect, it } from 'vitest';
import { compareAll, FIXED_NOW, setup, writeRequests, type E2E } from './helpers.js';

const clock = () => FIXED_NOW;
const STANDINGS = ['credit_good', 'credit_overdue', 'credit_over_limit', 'credit_hold'];

/** Creates an organization field the way an admin would, with the account's API token. */
async function createField(e: E2E, field: Record<string, unknown>): Promise<Record<string, unknown>> {
  const c = e.zendesk.credentials();
  const res = await fetch(`${e.zendesk.url}/api/v2/organization_fields`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${c.email}/token:${c.api_token}`).toString('base64')}`,
    },
    body: JSON.stringify({ organization_field: field }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { organization_field: Record<string, unknown> }).organization_field;
}

let e: E2E | undefined;
afterEach(async () => {
  await e?.stop();
  e = undefined;
});

describe('custom fields that already exist', () => {
  it('credit_standing exists as a dropdown with other options: the missing options are added (the old ones kept) and every record succeeds', async () => {
    e = await setup({ size: 120, seed: 5, clock });
    const before = await createField(e, {
      key: 'credit_standing',
      title: 'Credit standing',
      type: 'dropdown',
      custom_field_options: [
        { name: 'Good', value: 'credit_good' },
        { name: 'Watch list', value: 'watch_list' },
      ],
    });
    const r = await e.sync();
    expect(r.status, r.error).toBe('ok');
    expect(r.flows[0]).toMatchObject({ read: 120, created: 120, failed: 0 });
    expect(r.provisioned[0].updated).toEqual(['credit_standing (+credit_overdue, credit_over_limit, credit_hold)']);
    const c = compareAll(e.visma, e.zendesk, FIXED_NOW);
    expect(c.missing).toEqual([]);
    expect(c.problems).toEqual([]);
    const field = e.zendesk.organizationFields().find((f) => f.key === 'credit_standing')!;
    const options = field.custom_field_options as { id: number; name: string; value: string }[];
    // The options the admin made are still there with their ids and names (dropping one deletes its values).
    const old = before.custom_field_options as { id: number; name: string; value: string }[];
    for (const o of old)
      expect(options).toContainEqual(expect.objectContaining({ id: o.id, name: o.name, value: o.value }));
    expect(options.map((o) => o.value).sort()).toEqual([...STANDINGS, 'watch_list'].sort());
    // One PUT of the field; a second run makes no provisioning request at all.
    expect(
      writeRequests(e.zendesk).filter((w) => w.method === 'PUT' && w.path.startsWith('/api/v2/organization_fields/')),
    ).toHaveLength(1);
    const again = await e.sync();
    expect(again.status, again.error).toBe('ok');
    expect(writeRequests(e.zendesk).filter((w) => w.path.startsWith('/api/v2/organization_fields'))).toHaveLength(
      1 + 16 + 1,
    );
  }, 60_000);

  it('credit_standing exists as a text field: one run error naming it, no field created, no record written', async () => {
    e = await setup({ size: 120, seed: 5, clock });
    await createField(e, { key: 'credit_standing', title: 'Credit standing', type: 'text' });
    const writesBefore = writeRequests(e.zendesk).length;
    const r = await e.sync();
    expect(r.status).toBe('error');
    expect(r.error).toMatch(/"credit_standing" exists as "text", the mapping writes it as dropdown/);
    expect(r.flows).toEqual([]);
    expect(await e.failures()).toEqual([]);
    expect(writeRequests(e.zendesk).length).toBe(writesBefore);
    expect(e.zendesk.organizationCount()).toBe(0);
    expect(e.zendesk.organizationFields().map((f) => f.key)).toEqual(['credit_standing']);
  }, 60_000);
});

describe('a run authenticates every connection before it writes', () => {
  it('a source whose credentials are rejected stops the run before any custom field is created in Zendesk', async () => {
    // A slow identity provider: the target would have had time to be changed meanwhile.
    e = await setup({ size: 20, seed: 5, clock, knobs: { visma: { latencyMs: 400 } } });
    const visma = e.sb.connections.visma;
    const r = await e.sync({
      connections: {
        ...e.sb.connections,
        visma: { ...visma, values: { ...visma.values, client_secret: 'WRONG-SECRET-123' } },
      },
    });
    // Nothing may go on after the run has returned either.
    await new Promise((res) => setTimeout(res, 1000));
    expect(r.status).toBe('error');
    expect(r.error).toMatch(/connection visma: token request \(client_credentials\) failed/);
    expect(r.error).not.toContain('WRONG-SECRET-123');
    expect(writeRequests(e.zendesk)).toEqual([]);
    expect(e.zendesk.organizationFields()).toEqual([]);
  }, 60_000);

  it('a run stopped by its source after signing in has finished its Zendesk requests when it returns', async () => {
    // A customer tenant gets a token that the API rejects: the error comes while fields are being created.
    e = await setup({ size: 20, seed: 5, clock, knobs: { zendesk: { latencyMs: 150 } } });
    const visma = e.sb.connections.visma;
    const r = await e.sync({
      connections: {
        ...e.sb.connections,
        visma: { ...visma, values: { ...visma.values, tenant_id: '00000000-0000-4000-8000-000000000000' } },
      },
    });
    expect(r.status).toBe('error');
    const atReturn = writeRequests(e.zendesk).length;
    await new Promise((res) => setTimeout(res, 1500));
    expect(writeRequests(e.zendesk).length).toBe(atReturn);
  }, 60_000);
});

describe('short-lived source tokens', () => {
  it('a Visma account whose tokens live 20 s: a sync asks for one token per ~18 s, not one per call', async () => {
    e = await setup({ size: 300, seed: 5, clock, knobs: { visma: { expiresIn: 20 } } });
    const started = Date.now();
    const r = await e.sync();
    expect(r.status, r.error).toBe('ok');
    // A full re-read too: the initial load asks for open invoices only, too few calls to tell.
    const full = await e.sync({ full: true });
    expect(full.status, full.error).toBe('ok');
    const seconds = (Date.now() - started) / 1000;
    const log = e.visma.stats().log;
    const tokens = log.filter((x) => x.path === '/connect/token').length;
    const calls = log.length - tokens;
    expect(calls).toBeGreaterThanOrEqual(4);
    // Each token is used for 18 of its 20 seconds (refreshed 10% of its lifetime ahead).
    expect(tokens).toBeLessThanOrEqual(Math.ceil(seconds / 18) + 1);
  }, 60_000);
});
