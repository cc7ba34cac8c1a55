import { describe, expect, it } from 'vitest';
import type { ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import type { Validate } from './helpers/spec.js';
import { useZendeskSim } from './helpers/zendesk-sim.js';
import type { ZdClient } from './helpers/zendesk-client.js';

type Field = Record<string, unknown> & { id: number; key: string };
type Org = Record<string, unknown> & { id: number; organization_fields: Record<string, unknown> };

let sim: ZendeskSimulator;
let zd: ZdClient;
let validate: Validate;
useZendeskSim(4, (s) => ({ sim, zd, validate } = s));

async function defineFields() {
  const defs = [
    { type: 'text', title: 'Customer number', key: 'customer_number' },
    { type: 'decimal', title: 'Credit limit', key: 'credit_limit', description: 'From ERP' },
    { type: 'integer', title: 'Open invoices', key: 'open_invoices' },
    { type: 'date', title: 'Oldest due', key: 'oldest_due' },
    { type: 'checkbox', title: 'On hold', key: 'on_hold' },
    {
      type: 'dropdown',
      title: 'Tier',
      key: 'tier',
      custom_field_options: [
        { name: 'Gold', value: 'gold' },
        { name: 'Silver', value: 'silver' },
      ],
    },
    { type: 'regexp', title: 'VAT', key: 'vat', regexp_for_validation: '^[A-Z]{2}[0-9A-Z]+$' },
  ];
  const out: Field[] = [];
  for (const d of defs) {
    const r = await zd.post<{ organization_field: Field }>('/api/v2/organization_fields.json', {
      organization_field: d,
    });
    expect(r.status).toBe(201);
    out.push(r.body.organization_field);
  }
  return out;
}

const createOrg = (o: Record<string, unknown>) =>
  zd.post<{ organization: Org }>('/api/v2/organizations', { organization: o });

describe('Zendesk organization_fields', () => {
  it('creates definitions of every type that conform to OrganizationFieldObject', async () => {
    const fields = await defineFields();
    for (const f of fields) expect(validate('OrganizationFieldObject', f)).toEqual([]);
    expect(fields[5].custom_field_options).toEqual([
      expect.objectContaining({ name: 'Gold', value: 'gold', id: expect.any(Number) }),
      expect.objectContaining({ name: 'Silver', value: 'silver' }),
    ]);
    const list = await zd.get<{ organization_fields: Field[] }>('/api/v2/organization_fields?page[size]=3');
    expect(list.body.organization_fields.map((f) => f.key)).toEqual([
      'customer_number',
      'credit_limit',
      'open_invoices',
    ]);
    expect((list.body as unknown as { meta: { has_more: boolean } }).meta.has_more).toBe(true);
    expect(validate('OrganizationFieldsResponse', list.body)).toEqual([]);
    for (const t of ['textarea', 'multiselect', 'lookup']) {
      const extra =
        t === 'multiselect'
          ? { custom_field_options: [{ name: 'A', value: 'a' }] }
          : t === 'lookup'
            ? { relationship_target_type: 'zen:user' }
            : {};
      expect(
        (
          await zd.post('/api/v2/organization_fields', {
            organization_field: { type: t, title: t, key: `k_${t}`, ...extra },
          })
        ).status,
      ).toBe(201);
    }
  });

  it('refuses a duplicate key, an unknown type and a dropdown without options (422)', async () => {
    await defineFields();
    const dup = await zd.post<{ details: Record<string, unknown> }>('/api/v2/organization_fields', {
      organization_field: { type: 'text', title: 'x', key: 'tier' },
    });
    expect(dup.status).toBe(422);
    expect(Object.keys(dup.body.details)).toEqual(['key']);
    expect(
      (await zd.post('/api/v2/organization_fields', { organization_field: { type: 'money', title: 'x', key: 'm' } }))
        .status,
    ).toBe(422);
    expect(
      (await zd.post('/api/v2/organization_fields', { organization_field: { type: 'dropdown', title: 'x', key: 'd' } }))
        .status,
    ).toBe(422);
  });

  it('organizations list every defined key (null when unset) and normalise values by type', async () => {
    await defineFields();
    const r = await createOrg({
      name: 'Acme Oy',
      organization_fields: {
        customer_number: '10001',
        credit_limit: '2500.50',
        open_invoices: 3,
        oldest_due: '2026-12-31',
        tier: 'gold',
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.organization.organization_fields).toEqual({
      customer_number: '10001',
      credit_limit: 2500.5,
      open_invoices: 3,
      oldest_due: '2026-12-31T00:00:00+00:00',
      on_hold: null,
      tier: 'gold',
      vat: null,
    });
  });

  it('a fully populated organization conforms to OrganizationObject as published', async () => {
    await defineFields();
    await zd.delete(
      `/api/v2/organization_fields/${(await zd.get<{ organization_fields: Field[] }>('/api/v2/organization_fields')).body.organization_fields.find((f) => f.key === 'on_hold')!.id}`,
    );
    const r = await createOrg({
      name: 'Full AS',
      external_id: 'f',
      organization_fields: {
        customer_number: '1',
        credit_limit: 1,
        open_invoices: 1,
        oldest_due: '2026-01-01',
        tier: 'silver',
        vat: 'NO123MVA',
      },
    });
    expect(r.status).toBe(201);
    expect(validate('OrganizationObject', r.body.organization)).toEqual([]);
  });

  it('ignores keys without a definition by default and rejects them with unknownFieldPolicy=reject', async () => {
    await defineFields();
    const ignored = await createOrg({ name: 'Ign AS', organization_fields: { nonsense: 'x', tier: 'silver' } });
    expect(ignored.status).toBe(201);
    expect(ignored.body.organization.organization_fields).not.toHaveProperty('nonsense');
    sim.setKnobs({ unknownFieldPolicy: 'reject' });
    const rejected = await createOrg({ name: 'Rej AS', organization_fields: { nonsense: 'x' } });
    expect(rejected.status).toBe(422);
    expect((rejected.body as unknown as { details: Record<string, unknown> }).details).toHaveProperty('nonsense');
  });

  it.each([
    ['credit_limit', 'lots'],
    ['open_invoices', 2.5],
    ['open_invoices', '3x'],
    ['oldest_due', '31.12.2026'],
    ['oldest_due', '2026-02-30'],
    ['tier', 'platinum'],
    ['on_hold', 'yes'],
    ['vat', 'no123'],
  ])('refuses %s = %j with 422 RecordInvalid', async (key, value) => {
    await defineFields();
    const r = await createOrg({ name: 'Bad AS', organization_fields: { [key]: value } });
    expect(r.status).toBe(422);
    expect((r.body as unknown as { error: string; details: Record<string, unknown> }).error).toBe('RecordInvalid');
    expect(Object.keys((r.body as unknown as { details: Record<string, unknown> }).details)).toEqual([key]);
    expect(sim.organizationCount()).toBe(0);
  });

  it('updates merge field values; null clears one', async () => {
    await defineFields();
    const o = (await createOrg({ name: 'Merge AS', organization_fields: { tier: 'gold', open_invoices: 2 } })).body
      .organization;
    const u = await zd.put<{ organization: Org }>(`/api/v2/organizations/${o.id}`, {
      organization: { organization_fields: { open_invoices: null, on_hold: true } },
    });
    expect(u.body.organization.organization_fields).toMatchObject({ tier: 'gold', open_invoices: null, on_hold: true });
  });

  it('dateFieldFormat=date returns plain dates', async () => {
    await defineFields();
    sim.setKnobs({ dateFieldFormat: 'date' });
    const o = (await createOrg({ name: 'Date AS', organization_fields: { oldest_due: '2026-05-01' } })).body
      .organization;
    expect(o.organization_fields.oldest_due).toBe('2026-05-01');
  });

  it('removing a dropdown option clears it on organizations; deleting a field removes its key', async () => {
    const fields = await defineFields();
    const tier = fields.find((f) => f.key === 'tier')!;
    const o = (await createOrg({ name: 'Opt AS', organization_fields: { tier: 'silver', credit_limit: 5 } })).body
      .organization;
    const upd = await zd.put(`/api/v2/organization_fields/${tier.id}`, {
      organization_field: { custom_field_options: [{ name: 'Gold', value: 'gold' }] },
    });
    expect(upd.status).toBe(200);
    expect(
      (await zd.get<{ organization: Org }>(`/api/v2/organizations/${o.id}`)).body.organization.organization_fields.tier,
    ).toBeNull();
    const credit = fields.find((f) => f.key === 'credit_limit')!;
    expect((await zd.delete(`/api/v2/organization_fields/${credit.id}`)).status).toBe(204);
    expect(
      (await zd.get<{ organization: Org }>(`/api/v2/organizations/${o.id}`)).body.organization.organization_fields,
    ).not.toHaveProperty('credit_limit');
    expect((await zd.get(`/api/v2/organization_fields/${credit.id}`)).status).toBe(404);
    expect(sim.organizationFields().map((f) => f.key)).not.toContain('credit_limit');
  });
});
