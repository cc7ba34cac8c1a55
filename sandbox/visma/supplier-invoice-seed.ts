import type { Prng } from '../framework/prng.js';
import { DAY_MS, startOfUtcDay } from './dates.js';
import type { Counters, SupplierInvoiceRecord, SupplierInvoiceStatus, SupplierRecord } from './records.js';

export const FIRST_SUPPLIER_INVOICE_REF = 700001;

const HOUR_MS = 3_600_000;

const DESCRIPTIONS = [
  'Husleie',
  'Strøm og nettleie',
  'Varekjøp',
  'Frakt',
  'Kontorrekvisita',
  'IT-drift og lisenser',
  'Renhold',
  'Revisjonshonorar',
  'Leasing bil',
  'Inköp av material',
  'Konsulentbistand',
  'Telefoni og bredbånd',
];

/** What a seeded document is, relative to the generator's "now". */
type Kind = 'paid' | 'open' | 'dueSoon' | 'overdue' | 'hold' | 'prebooked' | 'credit';

/** The first supplier able to have open documents gets one of each state, so even a tiny sandbox shows them all. */
const EVERY_STATE: Kind[] = ['paid', 'open', 'dueSoon', 'overdue'];

interface Ctx {
  rng: Prng;
  today: number;
  nowMs: number;
}

/**
 * Supplier invoices per supplier, deterministic from the seed: mostly paid, some open, some due
 * within 7 days of `nowMs`, some overdue, a few on hold, prebooked or credit adjustments. Inactive
 * suppliers keep only old paid documents; a one-time supplier has a single one.
 */
export function makeSupplierInvoices(
  rng: Prng,
  counters: Counters,
  suppliers: readonly SupplierRecord[],
  nowMs: number,
): SupplierInvoiceRecord[] {
  const ctx: Ctx = { rng, today: startOfUtcDay(nowMs), nowMs };
  const drafts: SupplierInvoiceRecord[] = [];
  const showcase = suppliers.find((s) => s.status !== 'Inactive' && s.status !== 'OneTime');
  for (const s of suppliers) {
    for (const kind of kindsFor(rng, s, s === showcase)) drafts.push(makeDocument(ctx, s, kind));
  }
  // Reference numbers follow document dates, as a real number series would.
  drafts.sort((a, b) => a.dateMs - b.dateMs || a.createdMs - b.createdMs);
  for (const d of drafts) {
    d.referenceNumber = String(counters.nextSupplierInvoiceRef++);
    d.rowVersion = ++counters.rowVersion;
  }
  return drafts;
}

function kindsFor(rng: Prng, s: SupplierRecord, showcase: boolean): Kind[] {
  if (s.status === 'Inactive')
    return Array.from({ length: rng.int(0, 2) }, () =>
      rng.weighted<Kind>([
        ['paid', 9],
        ['credit', 1],
      ]),
    );
  if (s.status === 'OneTime') return [randomKind(rng)];
  const n = rng.int(1, 7);
  if (showcase)
    return [...EVERY_STATE, ...Array.from({ length: Math.max(0, n - EVERY_STATE.length) }, () => randomKind(rng))];
  return Array.from({ length: n }, () => randomKind(rng));
}

function randomKind(rng: Prng): Kind {
  return rng.weighted<Kind>([
    ['paid', 55],
    ['open', 15],
    ['dueSoon', 10],
    ['overdue', 12],
    ['hold', 4],
    ['prebooked', 2],
    ['credit', 2],
  ]);
}

/** Due date by kind; the document date is the due date less the supplier's terms. */
function dueDateFor(ctx: Ctx, kind: Kind, terms: number): number {
  const { rng, today } = ctx;
  switch (kind) {
    case 'dueSoon':
      return today + rng.int(0, 7) * DAY_MS;
    case 'open':
      return today + rng.int(8, Math.max(8, terms - 1)) * DAY_MS;
    case 'overdue':
      return today - rng.int(1, 120) * DAY_MS;
    case 'hold':
    case 'prebooked':
      return today + rng.int(0, terms) * DAY_MS;
    default:
      return today - rng.int(1, 700) * DAY_MS;
  }
}

function statusFor(kind: Kind): SupplierInvoiceStatus {
  if (kind === 'paid' || kind === 'credit') return 'Closed';
  if (kind === 'hold') return 'Hold';
  if (kind === 'prebooked') return 'Prebooked';
  return 'Open';
}

function makeDocument(ctx: Ctx, s: SupplierRecord, kind: Kind): SupplierInvoiceRecord {
  const { rng, nowMs } = ctx;
  const terms = Number(s.creditTermsId) || 30;
  const dueDateMs = dueDateFor(ctx, kind, terms);
  const dateMs = Math.min(dueDateMs - terms * DAY_MS, ctx.today);
  // Registered when the bill arrived: the same day up to three days later, never after "now".
  const createdMs = Math.min(
    dateMs + rng.int(0, 3) * DAY_MS + rng.int(8, 15) * HOUR_MS,
    nowMs - rng.int(5, 120) * 60_000,
  );
  const scale = s.currencyId === 'EUR' ? 0.1 : 1;
  const amount =
    Math.round(Math.exp(Math.log(1_000) + rng.next() * (Math.log(250_000) - Math.log(1_000))) * scale * 100) / 100;
  const status = statusFor(kind);
  // Paid around the due date: a few days early to a couple of weeks late.
  const paidMs =
    status === 'Closed'
      ? Math.min(dueDateMs + rng.int(-5, 14) * DAY_MS + rng.int(8, 16) * HOUR_MS, nowMs - HOUR_MS)
      : undefined;
  return {
    referenceNumber: '',
    documentType: kind === 'credit' ? 'CreditAdj' : 'Invoice',
    supplierNumber: s.number,
    dateMs,
    dueDateMs,
    ...(paidMs !== undefined ? { paidMs: Math.max(paidMs, createdMs) } : {}),
    status,
    currencyId: s.currencyId,
    amount,
    balance: status === 'Closed' ? 0 : amount,
    description: rng.pick(DESCRIPTIONS),
    supplierReference: `${rng.int(1, 9)}${rng.digits(5)}`,
    paymentRefNo: rng.digits(12),
    creditTermsId: s.creditTermsId,
    createdMs,
    modifiedMs: paidMs !== undefined ? Math.max(paidMs, createdMs) : createdMs,
    rowVersion: 0,
  };
}
