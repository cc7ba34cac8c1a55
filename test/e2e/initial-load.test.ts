import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAll, customerNumbers, expectedAll, FIXED_NOW, setup, writeRequests, type E2E } from './helpers.js';
import type { SyncResult } from '../../engine/sync/events.js';

/** The custom fields the integration promises (README, mapping.yaml), written down independently. */
const FIELDS: Record<string, string> = {
  erp_customer_number: 'text',
  erp_customer_status: 'text',
  erp_currency: 'text',
  contact_email: 'text',
  contact_phone: 'text',
  credit_limit: 'decimal',
  outstanding_balance: 'decimal',
  open_invoice_count: 'integer',
  oldest_unpaid_invoice: 'text',
  oldest_unpaid_due_date: 'date',
  days_overdue: 'integer',
  aging_current: 'decimal',
  aging_1_30: 'decimal',
  aging_31_60: 'decimal',
  aging_61_90: 'decimal',
  aging_over_90: 'decimal',
  credit_standing: 'dropdown',
};
const STANDINGS = ['credit_good', 'credit_overdue', 'credit_over_limit', 'credit_hold'];

describe('visma-zendesk initial load, then a run with no change', () => {
  const clock = () => FIXED_NOW;
  let e: E2E;
  let first: SyncResult;

  beforeAll(async () => {
    e = await setup({ size: 120, seed: 5, clock });
    first = await e.sync();
  }, 60_000);
  // Unassigned when beforeAll failed.
  afterAll(() => (e as E2E | undefined)?.stop());

  it('has data worth testing: every credit standing and every aging bucket occurs', () => {
    const exp = [...expectedAll(e.visma, FIXED_NOW).values()];
    for (const s of STANDINGS)
      expect(
        exp.some((x) => x.fields.credit_standing === s),
        s,
      ).toBe(true);
    for (const k of ['aging_current', 'aging_1_30', 'aging_31_60', 'aging_61_90', 'aging_over_90'])
      expect(
        exp.some((x) => Number(x.fields[k]) > 0),
        k,
      ).toBe(true);
    expect(exp.some((x) => x.fields.open_invoice_count === 0)).toBe(true);
  });

  it('reports an ok run that created one organization per customer', () => {
    expect(first.status, first.error).toBe('ok');
    const f = first.flows.find((x) => x.flow === 'organizations')!;
    expect(f).toMatchObject({ read: 120, created: 120, updated: 0, failed: 0 });
    expect(f.requests.target).toBeGreaterThan(0);
  });

  it('writes every Visma customer as exactly one organization, matched on external_id', () => {
    const c = compareAll(e.visma, e.zendesk, FIXED_NOW);
    expect(c.duplicates).toEqual([]);
    expect(c.organizations).toBe(c.customers);
    expect(c.externalIds).toEqual(customerNumbers(e.visma));
    expect(e.zendesk.organizationCount()).toBe(120);
  });

  it('sets every custom field to the value computed from the Visma invoices', () => {
    const c = compareAll(e.visma, e.zendesk, FIXED_NOW);
    expect(c.problems).toEqual([]);
  });

  it('provisions the custom fields with their types and the dropdown options', () => {
    const defs = e.zendesk.organizationFields();
    const byKey = new Map(defs.map((d) => [String(d.key), d]));
    for (const [key, type] of Object.entries(FIELDS)) {
      expect(byKey.get(key), key).toBeDefined();
      expect(byKey.get(key)!.type, key).toBe(type);
    }
    expect(defs).toHaveLength(Object.keys(FIELDS).length);
    const options = (byKey.get('credit_standing')!.custom_field_options as { name: string; value: string }[]).map(
      (o) => o.value,
    );
    expect(options.sort()).toEqual([...STANDINGS].sort());
    expect(first.provisioned.flatMap((p) => p.created).sort()).toEqual(Object.keys(FIELDS).sort());
  });

  it('audits one created outcome per customer with its Zendesk id', async () => {
    const rows = await e.audit(first.runId);
    expect(rows.map((r) => r.action).every((a) => a === 'created')).toBe(true);
    expect(rows.map((r) => r.key).sort()).toEqual(customerNumbers(e.visma));
    for (const r of rows) expect(r.target_id).toBe(String(e.zendesk.findOrganization(r.key)!.id));
  });

  describe('a second run with no change in Visma', () => {
    let second: SyncResult;
    let orgsBefore: string;
    beforeAll(async () => {
      orgsBefore = JSON.stringify(e.zendesk.organizations());
      e.zendesk.resetStats();
      second = await e.sync();
    }, 60_000);

    it('creates and updates nothing', () => {
      expect(second.status, second.error).toBe('ok');
      const f = second.flows.find((x) => x.flow === 'organizations')!;
      expect(f.created).toBe(0);
      expect(f.updated).toBe(0);
      expect(f.failed).toBe(0);
      expect(f.requests.target).toBe(0);
      expect(JSON.stringify(e.zendesk.organizations())).toBe(orgsBefore);
    });

    it('sends no request at all to Zendesk (no write, no lookup, no token)', () => {
      expect(writeRequests(e.zendesk)).toEqual([]);
      expect(e.zendesk.stats().log).toEqual([]);
    });
  });
});
