/**
 * A join's source_query: the initial load asks Visma for open invoices only, and later runs still
 * read every change (a paid invoice must reach its organization).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/index.js';
import { compareAll, FIXED_NOW, openInvoices, setup, type E2E } from './helpers.js';

let e: E2E | undefined;
afterEach(async () => {
  await e?.stop();
  e = undefined;
});

const invoiceReads = (e: E2E) =>
  e.visma.stats().log.filter((l) => l.method === 'GET' && l.path === '/v1/customerinvoice');

describe('visma-zendesk invoices filtered at the source', () => {
  it('reads only open invoices on the initial load, then every change', async () => {
    const clock = manualClock(FIXED_NOW);
    e = await setup({ size: 150, seed: 31, clock: clock.now });
    const all = e.visma.invoices({}).length;
    const open = e.visma.invoices({}).filter((i) => i.status === 'Open').length;
    expect(open).toBeLessThan(all * 0.75);

    e.visma.resetStats();
    const first = await e.sync();
    expect(first.status, first.error).toBe('ok');
    const reads = invoiceReads(e);
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) expect(new URLSearchParams(r.query).get('status')).toBe('Open');
    const pageSize = Number(new URLSearchParams(reads[0].query).get('pageSize'));
    expect(reads.length).toBe(Math.ceil(open / pageSize) || 1);
    expect(compareAll(e.visma, e.zendesk, FIXED_NOW).problems).toEqual([]);

    // A paid invoice is no longer Open: the delta must see it anyway.
    const customer = e.visma.customers().find((c) => openInvoices(e!.visma, String(c.number)).length > 0)!;
    clock.advance(60_000);
    for (const inv of openInvoices(e.visma, String(customer.number))) e.visma.payInvoice(String(inv.referenceNumber));
    e.visma.resetStats();
    const second = await e.sync();
    expect(second.status, second.error).toBe('ok');
    for (const r of invoiceReads(e)) expect(new URLSearchParams(r.query).get('status')).toBeNull();
    expect(second.flows[0].updated).toBeGreaterThanOrEqual(1);
    expect(compareAll(e.visma, e.zendesk, FIXED_NOW).problems).toEqual([]);

    // --full over a filled mirror reads everything: a filtered read could not see what left the filter.
    e.visma.resetStats();
    const full = await e.sync({ full: true });
    expect(full.status, full.error).toBe('ok');
    for (const r of invoiceReads(e)) expect(new URLSearchParams(r.query).get('status')).toBeNull();
    expect(compareAll(e.visma, e.zendesk, FIXED_NOW).problems).toEqual([]);
  }, 90_000);
});
