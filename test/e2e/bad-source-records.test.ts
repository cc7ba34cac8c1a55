// Bad source records against the Visma simulator (issue 10, items 2, 4, 7): records that cannot be
// keyed, non-objects, object keys, duplicates, a future timestamp, an unreadable one and an
// invoice its join filter cannot judge. None vanishes, none stops the run, the cursor stays sane.
import { afterEach, describe, expect, it } from 'vitest';
import { runningClock, setup, type Dto, type E2E } from './helpers.js';

let e: E2E | undefined;
afterEach(async () => {
  await e?.stop();
  e = undefined;
});

const SIZE = 12;

describe('bad source records', () => {
  it('each becomes a failure with its stream, position or key and reason; duplicates keep the higher version; the run goes on', async () => {
    const clock = runningClock();
    e = await setup({ size: SIZE, seed: 77, clock });
    const env = e;
    const customers = env.visma.customers();
    const [first, future, undated] = customers.map((c) => String(c.number));
    const badInvoice = env.visma
      .invoices()
      .find((i) => i.status === 'Open' && Number(i.balance) > 0 && (i.customer as Dto).number !== first)!;
    const badRef = badInvoice.referenceNumber as string;
    const badInvoiceOwner = String((badInvoice.customer as Dto).number);
    env.visma.spoilPage = (path, page) => {
      if (path === '/v1/customer') {
        const out: unknown[] = page.map((c) => {
          if (c.number === future) return { ...c, lastModifiedDateTime: '9999-12-31T23:59:59Z' };
          if (c.number === undated) return { ...c, lastModifiedDateTime: null };
          return c;
        });
        const copy = page.find((c) => c.number === first)!;
        out.push(
          { ...copy, number: null },
          { ...copy, number: '' },
          { ...copy, number: undefined },
          { ...copy, number: { id: 1 } },
          { ...copy, number: { id: 2 } },
          'garbage',
          // An older copy of the first customer, later in the read: the higher version stays.
          { ...copy, name: 'STALE COPY', lastModifiedDateTime: '2001-01-01T00:00:00.000', timeStamp: 'AAAAAAAAAAE=' },
        );
        return out;
      }
      if (path === '/v1/customerinvoice')
        return page.map((i) => (i.referenceNumber === badInvoice.referenceNumber ? { ...i, balance: '100' } : i));
      return page;
    };

    const started = Date.now();
    const r = await env.sync();
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('failed_records');

    const failures = await env.failures();
    const read = failures.filter((f) => f.stage === 'read');
    const reasons = read.map((f) => `${f.key} ${f.reason}`);
    // Unkeyable records: one failure each, by position (never merged), naming stream and page.
    for (const what of ['null', 'empty', 'missing'])
      expect(
        reasons.some(
          (x) =>
            x.startsWith('#customers:p1:') &&
            x.includes(`stream customers, page 1, record`) &&
            x.includes(`primary key number is ${what}`),
        ),
      ).toBe(true);
    expect(read.filter((f) => f.key.startsWith('#customers:{"id":'))).toHaveLength(2);
    expect(reasons.some((x) => x.includes('the record is a string ("garbage"), not an object'))).toBe(true);
    // The unreadable timestamp names the record key and field; the record itself was synced.
    expect(
      reasons.some(
        (x) =>
          x.startsWith(`#customers:${undated} `) &&
          x.includes('lastModifiedDateTime null cannot be read as a timestamp'),
      ),
    ).toBe(true);
    // The join filter names the real operator and the invoice key.
    const inv = read.find((f) => f.key === `#customer_invoices:${badRef}`);
    expect(inv?.reason).toContain(`record ${badRef}`);
    expect(inv?.reason).toContain('operator ">" cannot compare balance = "100" (a string) with 0 (a number)');
    // The customer of that invoice is not written without it: its mapping fails too.
    expect(failures.some((f) => f.key === badInvoiceOwner && f.stage === 'map')).toBe(true);

    const flow = r.flows[0];
    expect(flow.read).toBe(SIZE + 7);
    expect(flow.failed).toBe(read.length + 1);

    // The future-stamped record was synced, with a warning; the cursor did not follow it.
    expect(r.warnings?.some((w) => w.key === future && w.message.includes('lies in the future'))).toBe(true);
    // ... and kept with the run, for `mlc runs`.
    const stored = await env.withState(
      (s) => s.get<{ summary: string }>('SELECT summary FROM runs WHERE id = ?', [r.runId])!.summary,
    );
    expect((JSON.parse(stored) as { warnings: { key: string }[] }).warnings.map((w) => w.key)).toContain(future);
    const orgs = new Map(env.zendesk.organizations().map((o) => [String(o.external_id), o]));
    expect(orgs.has(future)).toBe(true);
    expect(orgs.has(undated)).toBe(true);
    expect(orgs.get(first)?.name).toBe(customers[0].name);
    expect(orgs.has(badInvoiceOwner)).toBe(false);
    const cursor = await env.withState(
      (s) => s.get<{ value: string }>("SELECT value FROM cursors WHERE stream = 'customers'")?.value,
    );
    expect(Date.parse(cursor!)).toBeLessThanOrEqual(started + 5 * 60_000 + 60_000);

    // Later: the source is fixed and a customer changes. The change is read (the cursor was not
    // poisoned), and the map step has not quietly dropped the read failures meanwhile.
    env.visma.spoilPage = undefined;
    env.visma.patchCustomer(first, { name: 'Renamed after the bad run' });
    const r2 = await env.sync();
    expect(r2.error).toBeUndefined();
    expect(env.zendesk.organizations().find((o) => String(o.external_id) === first)?.name).toBe(
      'Renamed after the bad run',
    );
    const left = (await env.failures()).filter((f) => f.stage === 'read').map((f) => f.key);
    expect(left).toContain(`#customer_invoices:${badRef}`);
  }, 60_000);
});
