/**
 * Deactivations at the source reach the target (issue 20), on the Visma and Zendesk sandbox: a
 * customer set Inactive in Visma marks its organization and clears its credit standing in one
 * run, audited with the evidence; a second run writes nothing; a reactivated one is written back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/index.js';
import { compareAll, FIXED_NOW, openInvoices, setup, type Dto, type E2E } from './helpers.js';

let e: E2E | undefined;
afterEach(async () => {
  await e?.stop();
  e = undefined;
});

const fieldsOf = (env: E2E, n: string) =>
  env.zendesk.findOrganization(n)?.organization_fields as Record<string, unknown> | undefined;
const orgWrites = (env: E2E) => env.zendesk.stats().total;

describe('visma-zendesk: a customer deactivated in Visma', () => {
  it('marks its organization and clears its credit standing in one run, once; reactivated, it is written back', async () => {
    const clock = manualClock(FIXED_NOW);
    e = await setup({ size: 40, seed: 41, clock: clock.now });
    expect((await e.sync()).status).toBe('ok');
    const v = e.visma;
    // The deactivation picks among active customers; the check below needs one with credit data.
    clock.advance(60_000);
    const { deactivatedCustomers } = v.mutate({ deactivateCustomers: 2 });
    expect(deactivatedCustomers).toHaveLength(2);
    const [n] = deactivatedCustomers;
    const hadOpen = deactivatedCustomers.some((c) => openInvoices(v, c).length > 0);

    const r2 = await e.sync();
    expect(r2.status, r2.error).toBe('ok');
    expect(r2.flows[0]).toMatchObject({ created: 0, updated: 2, failed: 0, deleted: { marked: 2 } });
    for (const c of deactivatedCustomers) {
      expect(fieldsOf(e, c)).toMatchObject({
        erp_customer_number: c,
        erp_customer_status: 'inactive',
        credit_standing: null,
        outstanding_balance: null,
        open_invoice_count: null,
        days_overdue: null,
        aging_current: null,
        aging_over_90: null,
      });
    }
    // Some had open invoices, so clearing them is visible (the seed is fixed).
    expect(hadOpen).toBe(true);
    const audit = (await e.audit(r2.runId)).filter((a) => a.action === 'marked_deleted');
    expect(audit.map((a) => a.key).sort()).toEqual([...deactivatedCustomers].sort());
    for (const a of audit) {
      expect(JSON.parse(a.evidence ?? '{}')).toMatchObject({
        kind: 'status',
        detail: `status = 'Inactive' (status: "Inactive")`,
        runId: r2.runId,
      });
    }
    expect(compareAll(v, e.zendesk, clock.now()).problems).toEqual([]);

    // Marked once: the next run writes nothing.
    e.zendesk.resetStats();
    const r3 = await e.sync();
    expect(r3.flows[0]).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(r3.flows[0].deleted).toBeUndefined();
    expect(orgWrites(e)).toBe(0);

    // Back to Active: the organization gets its credit standing again.
    clock.advance(60_000);
    v.reactivateCustomer(n);
    const r4 = await e.sync();
    expect(r4.flows[0]).toMatchObject({ updated: 1, failed: 0 });
    expect(r4.flows[0].deleted).toBeUndefined();
    expect((await e.audit(r4.runId)).filter((a) => a.key === n).map((a) => a.action)).toEqual(['updated']);
    expect(fieldsOf(e, n)?.erp_customer_status).toBe('Active');
    expect(typeof fieldsOf(e, n)?.credit_standing).toBe('string');
    expect(compareAll(v, e.zendesk, clock.now()).problems).toEqual([]);
  }, 90_000);

  it('a dry run lists the planned mark with its evidence, and changes nothing', async () => {
    const clock = manualClock(FIXED_NOW);
    e = await setup({ size: 20, seed: 42, clock: clock.now });
    expect((await e.sync()).status).toBe('ok');
    clock.advance(60_000);
    const active = e.visma.customers().find((c: Dto) => c.status === 'Active');
    const n = String(active?.number);
    e.visma.deactivateCustomer(n);
    e.zendesk.resetStats();
    const dry = await e.sync({ dryRun: true });
    expect(orgWrites(e)).toBe(0);
    expect(dry.flows[0].deleted).toEqual({ marked: 1, archived: 0, deleted: 0, ignored: 0 });
    const planned = dry.flows[0].planned?.filter((p) => p.action !== 'unchanged');
    expect(planned).toMatchObject([
      { key: n, action: 'mark', payload: { organization_fields: { erp_customer_status: 'inactive' } } },
    ]);
    expect(planned?.[0].deletion).toMatchObject({ kind: 'status', detail: `status = 'Inactive' (status: "Inactive")` });
    // The dry run stored nothing: the sync marks it.
    expect((await e.sync()).flows[0].deleted).toMatchObject({ marked: 1 });
    expect(fieldsOf(e, n)?.erp_customer_status).toBe('inactive');
  }, 60_000);
});
