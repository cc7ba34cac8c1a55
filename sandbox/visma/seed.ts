import {
  COUNTRIES,
  companyDomain,
  companyIds,
  companyName,
  disambiguateCompanyName,
  personEmail,
  personName,
  phoneNumber,
  pickCountry,
  streetAddress,
  type Country,
} from '../framework/fake-nordic.js';
import { Prng } from '../framework/prng.js';
import { DAY_MS, startOfUtcDay } from './dates.js';
import { FIRST_SUPPLIER_INVOICE_REF, makeSupplierInvoices } from './supplier-invoice-seed.js';
import type {
  ContactRecord,
  Counters,
  CreditVerification,
  CustomerRecord,
  CustomerStatus,
  DocumentType,
  InvoiceRecord,
  InvoiceStatus,
  MainContact,
  SupplierInvoiceRecord,
  SupplierRecord,
  SupplierStatus,
} from './records.js';

export interface SeedParams {
  seed: number;
  /** Number of customers. */
  size: number;
  /** Seed data is generated relative to this instant; every timestamp is before it. */
  nowMs: number;
  /** Average invoices per customer (about 10% of customers get none). */
  invoicesPerCustomer: number;
  /** How many customers reuse an earlier customer's exact name (ERP registers do contain duplicates). */
  duplicateNames: number;
}

export interface SeedData {
  customers: CustomerRecord[];
  invoices: InvoiceRecord[];
  suppliers: SupplierRecord[];
  supplierInvoices: SupplierInvoiceRecord[];
  contacts: ContactRecord[];
  counters: Counters;
}

const HOUR_MS = 3_600_000;
const FIRST_CUSTOMER = 10001;
const FIRST_SUPPLIER = 50001;
const FIRST_INVOICE_REF = 100001;

const INVOICE_TEXTS = [
  'Konsulenttjenester',
  'Varer levert i henhold til ordre',
  'Serviceavtale kvartal',
  'Programvarelisens årlig',
  'Installasjon og oppstart',
  'Fakturerat enligt avtal',
  'Månadsavgift support',
  'Levering af varer',
  'Asiantuntijapalvelut',
  'Reservedeler og arbeid',
];

/** Generates the whole data set. Deterministic for (seed, size, nowMs, options). */
export function generateSeed(p: SeedParams): SeedData {
  const root = new Prng(p.seed);
  const counters: Counters = {
    rowVersion: 0,
    nextInvoiceRef: FIRST_INVOICE_REF,
    nextSupplierInvoiceRef: FIRST_SUPPLIER_INVOICE_REF,
    nextContactId: 1,
    nextAddressId: 1,
    mutations: 0,
  };
  const customers: CustomerRecord[] = [];
  const contacts: ContactRecord[] = [];
  const usedNames = new Map<string, number>();
  const crng = root.fork(1);

  for (let i = 0; i < p.size; i++) {
    const country = crng.chance(0.04) ? COUNTRIES[crng.pick(['NO', 'SE', 'DK', 'FI'] as const)] : pickCountry(crng);
    const name = uniqueName(crng, country, usedNames);
    const c = makeCustomer(crng, counters, p.nowMs, String(FIRST_CUSTOMER + i), i + 1, name, country);
    customers.push(c);
    contacts.push(makeContact(crng, counters, c, country));
  }
  applyDuplicateNames(root.fork(4), customers, p.duplicateNames);

  const invoices = makeInvoices(root.fork(2), counters, customers, p);
  const suppliers = makeSuppliers(root.fork(3), counters, Math.floor(p.size / 4), p.nowMs);
  // Own streams, drawn last: the records above stay what they were before these existed.
  const supplierInvoices = makeSupplierInvoices(root.fork(5), counters, suppliers, p.nowMs);
  addWebsites(root.fork(6), [...customers, ...suppliers]);
  return { customers, invoices, suppliers, supplierInvoices, contacts, counters };
}

/** Most companies list a web site on their main contact: `www.` and the domain their e-mail uses. */
function addWebsites(
  rng: Prng,
  companies: { name: string; mainContact: MainContact; mainAddress: { country: { id: string } } }[],
): void {
  for (const c of companies) {
    if (!rng.chance(0.7)) continue;
    // A country id may be one the fake data has no names for.
    const country = (COUNTRIES as Partial<Record<string, Country>>)[c.mainAddress.country.id];
    const domain = c.mainContact.email?.split('@')[1] ?? (country ? companyDomain(c.name, country) : undefined);
    if (domain) c.mainContact.web = `www.${domain}`;
  }
}

/** `used` maps each lower-cased name to the next disambiguation attempt for it, so repeats cost O(1). */
function uniqueName(rng: Prng, country: Country, used: Map<string, number>): string {
  const base = companyName(rng, country);
  const key = base.toLowerCase();
  let attempt = used.get(key) ?? 0;
  let name = base;
  if (attempt > 0) {
    do name = disambiguateCompanyName(base, country, attempt++);
    while (used.has(name.toLowerCase()));
  }
  used.set(key, Math.max(attempt, 1));
  used.set(name.toLowerCase(), used.get(name.toLowerCase()) ?? 1);
  return name;
}

function applyDuplicateNames(rng: Prng, customers: CustomerRecord[], n: number): void {
  if (customers.length < 2) return;
  for (let k = 0; k < n; k++) {
    const target = rng.int(1, customers.length - 1);
    customers[target].name = customers[rng.int(0, target - 1)].name;
  }
}

function makeCustomer(
  rng: Prng,
  counters: Counters,
  nowMs: number,
  number: string,
  internalId: number,
  name: string,
  country: Country,
): CustomerRecord {
  const createdMs = nowMs - rng.int(365, 6 * 365) * DAY_MS - rng.int(0, 86_399_999);
  const modifiedMs = createdMs + Math.floor(rng.next() * (nowMs - HOUR_MS - createdMs));
  const status = rng.weighted<CustomerStatus>([
    ['Active', 82],
    ['OnHold', 6],
    ['CreditHold', 5],
    ['Inactive', 6],
    ['OneTime', 1],
  ]);
  const verification = rng.weighted<CreditVerification>([
    ['CreditLimit', 50],
    ['LimitAndDaysPastDue', 30],
    ['DaysPastDue', 10],
    ['Disabled', 10],
  ]);
  const currencyId = rng.chance(0.05) ? 'EUR' : country.currency;
  const scale = currencyId === 'EUR' ? 0.1 : 1;
  const creditLimit =
    verification === 'Disabled' || verification === 'DaysPastDue'
      ? 0
      : rng.pick([10_000, 25_000, 50_000, 100_000, 250_000, 500_000]) * scale;
  const address = streetAddress(rng, country);
  const hasAddress = !rng.chance(0.05);
  const person = personName(rng, country);
  const domain = companyDomain(name, country);
  const hasEmail = !rng.chance(0.08);
  const email = rng.chance(0.5)
    ? personEmail(person, domain)
    : `${rng.pick(['post', 'faktura', 'invoice', 'firma'])}@${domain}`;
  const ids = companyIds(rng, country);
  const segment = rng.pick(['SMB', 'MID', 'ENT']);
  return {
    internalId,
    number,
    name,
    status,
    mainAddress: {
      addressId: counters.nextAddressId++,
      ...(hasAddress ? { addressLine1: address.addressLine1, postalCode: address.postalCode, city: address.city } : {}),
      ...(hasAddress && rng.chance(0.1) ? { addressLine2: `Postboks ${rng.int(1, 999)}` } : {}),
      country: { id: country.code, name: country.name },
    },
    mainContact: {
      contactId: counters.nextContactId,
      name: person.full,
      ...(hasEmail ? { email } : {}),
      phone1: phoneNumber(rng, country),
    },
    customerClassId: creditLimit >= 250_000 * scale ? '2' : rng.chance(0.05) ? '3' : '1',
    creditTermsId: rng.weighted([
      ['14', 40],
      ['30', 50],
      ['10', 10],
    ]),
    currencyId,
    creditVerification: verification,
    creditLimit,
    creditDaysPastDue:
      verification === 'DaysPastDue' || verification === 'LimitAndDaysPastDue' ? rng.pick([15, 30, 45]) : 0,
    ...(rng.chance(0.97) ? ids : {}),
    attributes: [{ id: 'SEGMENT', value: segment, description: 'Customer segment' }],
    createdMs,
    modifiedMs,
    rowVersion: ++counters.rowVersion,
  };
}

function makeContact(rng: Prng, counters: Counters, c: CustomerRecord, country: Country): ContactRecord {
  const [firstName, ...rest] = (c.mainContact.name ?? personName(rng, country).full).split(' ');
  return {
    contactId: counters.nextContactId++,
    firstName,
    lastName: rest.join(' '),
    position: rng.pick(['Daglig leder', 'Økonomiansvarlig', 'Inköpschef', 'CFO', 'Kontaktperson', 'Talouspäällikkö']),
    businessAccount: c.number,
    ...(c.mainContact.email ? { email: c.mainContact.email } : {}),
    ...(c.mainContact.phone1 ? { phone1: c.mainContact.phone1 } : {}),
    active: c.status !== 'Inactive',
    address: { ...c.mainAddress, addressId: counters.nextAddressId++ },
    createdMs: c.createdMs,
    modifiedMs: c.modifiedMs,
    rowVersion: ++counters.rowVersion,
  };
}

/** An invoice before its reference number and rowversion are assigned (in date order). */
type Draft = InvoiceRecord;

function makeInvoices(rng: Prng, counters: Counters, customers: CustomerRecord[], p: SeedParams): InvoiceRecord[] {
  const today = startOfUtcDay(p.nowMs);
  // 10% of customers have no invoices; the rest get 1..n so the overall mean is about invoicesPerCustomer.
  const maxPer = Math.max(1, Math.round((2 * p.invoicesPerCustomer) / 0.9) - 1);
  const drafts: Draft[] = [];
  for (const c of customers) {
    if (p.invoicesPerCustomer <= 0 || rng.chance(0.1)) continue;
    const n = rng.int(1, maxPer);
    for (let k = 0; k < n; k++) drafts.push(makeInvoice(rng, c, today, p.nowMs));
    // Some customers owe more than their credit limit.
    if (c.creditLimit > 0 && rng.chance(0.04)) {
      const d = makeInvoice(rng, c, today, p.nowMs, 'open');
      d.amount = Math.round(c.creditLimit * (1.05 + rng.next() * 0.5) * 100) / 100;
      d.balance = d.amount;
      drafts.push(d);
    }
  }
  // Reference numbers follow document dates, as a real number series would.
  drafts.sort((a, b) => a.documentDateMs - b.documentDateMs || a.createdMs - b.createdMs);
  for (const d of drafts) {
    d.referenceNumber = String(counters.nextInvoiceRef++);
    d.rowVersion = ++counters.rowVersion;
  }
  return drafts;
}

function makeInvoice(rng: Prng, c: CustomerRecord, today: number, nowMs: number, force?: 'open'): Draft {
  const terms = Number(c.creditTermsId);
  const kind =
    force ??
    rng.weighted<'closed' | 'open' | 'overdue' | 'credit' | 'hold'>([
      ['closed', 58],
      ['open', 22],
      ['overdue', 14],
      ['credit', 3],
      ['hold', 3],
    ]);
  let documentDateMs: number;
  let status: InvoiceStatus = 'Open';
  let documentType: DocumentType = 'Invoice';
  switch (kind) {
    case 'open':
      documentDateMs = today - rng.int(0, terms - 1) * DAY_MS;
      break;
    case 'overdue':
      documentDateMs = today - rng.int(1, 180) * DAY_MS - terms * DAY_MS;
      break;
    case 'hold':
      documentDateMs = today - rng.int(0, 20) * DAY_MS;
      status = 'Hold';
      break;
    case 'credit':
      documentType = 'CreditNote';
      status = 'Closed';
      documentDateMs = today - rng.int(terms + 1, 720) * DAY_MS;
      break;
    default:
      status = 'Closed';
      documentDateMs = today - rng.int(terms + 1, 720) * DAY_MS;
  }
  // Never newer than "now" (documents dated today were created during the past hours).
  const createdMs = Math.min(
    documentDateMs + rng.int(7, 16) * HOUR_MS + rng.int(0, 3_599_999),
    nowMs - rng.int(2, 60) * 60_000,
  );
  const amount =
    Math.round(
      Math.exp(Math.log(500) + rng.next() * (Math.log(150_000) - Math.log(500))) * (c.currencyId === 'EUR' ? 10 : 100),
    ) / 100;
  let balance = status === 'Closed' ? 0 : amount;
  let modifiedMs = createdMs;
  if (status === 'Closed') {
    modifiedMs = Math.min(documentDateMs + rng.int(3, terms + 20) * DAY_MS + rng.int(0, 86_399_999), nowMs - HOUR_MS);
  } else if (status === 'Open' && rng.chance(0.15)) {
    balance = Math.round(amount * (0.1 + rng.next() * 0.8) * 100) / 100;
    modifiedMs = createdMs + Math.floor(rng.next() * Math.max(0, nowMs - 60_000 - createdMs));
  }
  return {
    referenceNumber: '',
    documentType,
    customerNumber: c.number,
    documentDateMs,
    documentDueDateMs: documentDateMs + terms * DAY_MS,
    status,
    currencyId: c.currencyId,
    amount,
    balance,
    invoiceText: rng.pick(INVOICE_TEXTS),
    creditTermsId: c.creditTermsId,
    paymentReference: rng.digits(10),
    createdMs,
    modifiedMs: Math.max(modifiedMs, createdMs),
    rowVersion: 0,
  };
}

function makeSuppliers(rng: Prng, counters: Counters, n: number, nowMs: number): SupplierRecord[] {
  const out: SupplierRecord[] = [];
  const used = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const country = pickCountry(rng);
    const name = uniqueName(rng, country, used);
    const address = streetAddress(rng, country);
    const person = personName(rng, country);
    const createdMs = nowMs - rng.int(200, 5 * 365) * DAY_MS;
    out.push({
      internalId: i + 1,
      number: String(FIRST_SUPPLIER + i),
      name,
      status: rng.weighted<SupplierStatus>([
        ['Active', 86],
        ['OnHold', 4],
        ['HoldPayments', 3],
        ['Inactive', 5],
        ['OneTime', 2],
      ]),
      mainAddress: {
        addressId: counters.nextAddressId++,
        addressLine1: address.addressLine1,
        postalCode: address.postalCode,
        city: address.city,
        country: { id: country.code, name: country.name },
      },
      mainContact: {
        contactId: counters.nextContactId++,
        name: person.full,
        email: personEmail(person, companyDomain(name, country)),
        phone1: phoneNumber(rng, country),
      },
      supplierClassId: rng.chance(0.85) ? '1' : '2',
      creditTermsId: rng.pick(['14', '30']),
      currencyId: country.currency,
      ...companyIds(rng, country),
      createdMs,
      modifiedMs: createdMs + Math.floor(rng.next() * (nowMs - HOUR_MS - createdMs)),
      rowVersion: ++counters.rowVersion,
    });
  }
  return out;
}
