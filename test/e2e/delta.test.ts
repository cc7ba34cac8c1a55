import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/index.js';
import {
  compareAll,
  DAY_MS,
  expectedOrganization,
  FIXED_NOW,
  openInvoices,
  setup,
  writeRequests,
  type Dto,
  type E2E,
} from './helpers.js';

let e: E2E | undefined;
afterEach(async () => {
  await e?.stop();
  e = undefined;
});

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Customers picked for the delta, each by a property the test needs (asserted, so the pick is never vacuous). */
function pick(customers: Dto[], used: Set<string>, ok: (c: Dto) => boolean, what: string): Dto {
  const c = customers.find((x) => !used.has(String(x.number)) && ok(x));
  if (!c) throw new Error(`the seed has no customer that ${what}`);
  used.add(String(c.number));
  return c;
}

describe('visma-zendesk delta runs', () => {
  it('updates exactly the organizations whose customer or invoices changed, with correct values', async () => {
    const clock = manualClock(FIXED_NOW);
    e = await setup({ size: 80, seed: 21, clock: clock.now });
    const r1 = await e.sync();
    expect(r1.status, r1.error).toBe('ok');
    const v = e.visma;
    const customers = v.customers();
    const used = new Set<string>();
    const active = (c: Dto) => c.status === 'Active';
    // Active ones: an inactive customer's organization is marked (deletion.test.ts), not updated.
    const renamed = pick(customers, used, active, 'is active');
    const limitChanged = pick(customers, used, (c) => active(c) && Number(c.creditLimit) > 0, 'has a credit limit');
    // Overdue, so paying everything visibly moves it back to good standing.
    const paidInFull = pick(
      customers,
      used,
      (c) => active(c) && expectedOrganization(v, c, FIXED_NOW).fields.credit_standing === 'credit_overdue',
      'is active and overdue',
    );
    const paidOne = pick(
      customers,
      used,
      (c) => active(c) && openInvoices(v, String(c.number)).length >= 2,
      'is active with two open invoices',
    );
    const newInvoice = pick(
      customers,
      used,
      (c) => openInvoices(v, String(c.number)).length === 0 && active(c),
      'is active with nothing open',
    );

    clock.advance(60_000);
    const at = clock.now();
    v.patchCustomer(String(renamed.number), { name: `${String(renamed.name)} Holding` });
    v.patchCustomer(String(limitChanged.number), { creditLimit: Number(limitChanged.creditLimit) + 12_345 });
    for (const inv of openInvoices(v, String(paidInFull.number))) v.payInvoice(String(inv.referenceNumber));
    v.payInvoice(String(openInvoices(v, String(paidOne.number))[0].referenceNumber));
    v.createInvoice({
      customerNumber: String(newInvoice.number),
      amount: 4321.5,
      documentDate: new Date(at.getTime() - 40 * DAY_MS).toISOString(),
      documentDueDate: new Date(at.getTime() - 10 * DAY_MS).toISOString(),
    });
    const changed = [renamed, limitChanged, paidInFull, paidOne, newInvoice].map((c) => String(c.number)).sort();

    e.zendesk.resetStats();
    const r2 = await e.sync();
    expect(r2.status, r2.error).toBe('ok');
    const f = r2.flows[0];
    expect(f).toMatchObject({ created: 0, updated: changed.length, failed: 0 });

    // The audit log of the run names exactly the changed customers as updated.
    const audit = await e.audit(r2.runId);
    expect(
      audit
        .filter((a) => a.action === 'updated')
        .map((a) => a.key)
        .sort(),
    ).toEqual(changed);
    expect(audit.filter((a) => a.action === 'created' || a.action === 'failed')).toEqual([]);
    // Zendesk agrees: only those organizations have a new updated_at.
    const touched = e.zendesk
      .organizations()
      .filter((o) => o.updated_at === isoSeconds(at))
      .map((o) => String(o.external_id))
      .sort();
    expect(touched).toEqual(changed);
    expect(writeRequests(e.zendesk).filter((w) => w.path.endsWith('/create_many'))).toEqual([]);

    const c = compareAll(v, e.zendesk, clock.now());
    expect(c.problems).toEqual([]);
    expect(c.organizations).toBe(80);
    expect(c.duplicates).toEqual([]);
    const fields = (n: unknown) =>
      e!.zendesk.findOrganization(String(n))!.organization_fields as Record<string, unknown>;
    expect(e.zendesk.findOrganization(String(renamed.number))!.name).toBe(`${String(renamed.name).trim()} Holding`);
    expect(fields(paidInFull.number)).toMatchObject({
      credit_standing: 'credit_good',
      outstanding_balance: 0,
      open_invoice_count: 0,
      days_overdue: 0,
      oldest_unpaid_invoice: null,
    });
    expect(fields(newInvoice.number)).toMatchObject({
      open_invoice_count: 1,
      outstanding_balance: 4321.5,
      days_overdue: 10,
      aging_1_30: 4321.5,
    });

    // And once written, the delta is not written again.
    e.zendesk.resetStats();
    const r3 = await e.sync();
    expect(r3.flows[0]).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(e.zendesk.stats().total).toBe(0);
  }, 60_000);

  it('recomputes customers with open invoices when the clock moves 2 days, and writes nothing else', async () => {
    const clock = manualClock(FIXED_NOW);
    e = await setup({ size: 80, seed: 22, clock: clock.now });
    const r1 = await e.sync();
    expect(r1.status, r1.error).toBe('ok');
    const v = e.visma;
    const before = new Map(e.zendesk.organizations().map((o) => [String(o.external_id), o]));
    // An inactive customer's organization is marked, its credit cleared: the clock changes nothing of it.
    const recomputed = (c: Dto) => c.status !== 'Inactive' && openInvoices(v, String(c.number)).length > 0;
    const withOpen = v
      .customers()
      .filter(recomputed)
      .map((c) => String(c.number))
      .sort();
    const withoutOpen = v
      .customers()
      .filter((c) => !recomputed(c))
      .map((c) => String(c.number));
    expect(withOpen.length).toBeGreaterThan(10);
    expect(withoutOpen.length).toBeGreaterThan(3);
    const later = new Date(FIXED_NOW.getTime() + 2 * DAY_MS);
    // Which payloads a 2-day move changes, computed from the Visma data alone.
    const shouldChange = withOpen
      .filter(
        (n) =>
          JSON.stringify(expectedOrganization(v, v.customer(n)!, FIXED_NOW).fields) !==
          JSON.stringify(expectedOrganization(v, v.customer(n)!, later).fields),
      )
      .sort();
    expect(shouldChange.length).toBeGreaterThan(5);

    clock.set(later);
    e.zendesk.resetStats();
    const r2 = await e.sync();
    expect(r2.status, r2.error).toBe('ok');
    const audit = await e.audit(r2.runId);
    // Every customer with open invoices was re-mapped, and nobody else.
    expect(audit.map((a) => a.key).sort()).toEqual(withOpen);
    expect(
      audit
        .filter((a) => a.action === 'updated')
        .map((a) => a.key)
        .sort(),
    ).toEqual(shouldChange);
    expect(r2.flows[0]).toMatchObject({
      created: 0,
      updated: shouldChange.length,
      unchanged: withOpen.length - shouldChange.length,
      failed: 0,
    });

    const after = new Map(e.zendesk.organizations().map((o) => [String(o.external_id), o]));
    for (const n of withoutOpen) expect(after.get(n), n).toEqual(before.get(n));
    for (const n of withOpen) {
      const d0 = Number((before.get(n)!.organization_fields as Dto).days_overdue);
      const d2 = Number((after.get(n)!.organization_fields as Dto).days_overdue);
      if (d0 > 0) expect(d2, n).toBe(d0 + 2);
    }
    expect(compareAll(v, e.zendesk, later).problems).toEqual([]);
    // Writes carried only the changed organizations.
    const written = writeRequests(e.zendesk).filter((w) => w.path.includes('/organizations/'));
    expect(written.every((w) => w.path.endsWith('/update_many'))).toBe(true);

    // The recompute is due again only a day later: the same day, nothing is mapped or written.
    clock.advance(3_600_000);
    e.zendesk.resetStats();
    const r3 = await e.sync();
    expect(r3.flows[0]).toMatchObject({ affected: 0, created: 0, updated: 0 });
    expect(writeRequests(e.zendesk)).toEqual([]);
  }, 60_000);
});
