/**
 * A hand-written visma-zendesk sync, the yardstick for the engine's overhead. It does what the
 * mapping does with the same bulk endpoints and no engine code: Visma token, paged reads of
 * customers and invoices (pageNumber/pageSize), the open-invoice join in memory, the payload fields
 * computed by hand (no JSONata), provisioning of the same organization_fields, one listing of
 * the account (or show_many for a few keys) to find existing organizations, then create_many /
 * update_many in batches of 100 with job_statuses polling (up to 25 jobs in flight, polled with
 * show_many: first after 100 ms, backing off to the connector's 500 ms poll_interval while nothing
 * finishes, back to 100 ms when something does). At the end it writes its own small state file
 * (key -> target id and payload hash), as a real delta-capable script would.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent } from 'undici';

export interface Profile {
  connector: string;
  base_url: string;
  token_url?: string;
  values: Record<string, string>;
}

export interface BaselineOptions {
  visma: Profile;
  zendesk: Profile;
  /** Where the baseline keeps key -> id/hash (JSON) */
  statePath: string;
  now?: () => Date;
}

export interface BaselineResult {
  customers: number;
  invoices: number;
  created: number;
  updated: number;
  failed: number;
  failures: { key: string; reason: string }[];
  requests: { visma: number; zendesk: number };
  /** Milliseconds per phase */
  phases: Record<string, number>;
}

const PAGE_SIZE = 1000;
const BATCH = 100;
const MAX_IN_FLIGHT = 25;
const POLL_MS = 500;
const FIRST_POLL_MS = 100;
const DAY = 86_400_000;

/** The mapping's custom fields, written out by hand as a script would have them. */
export const ORGANIZATION_FIELDS: {
  key: string;
  title: string;
  type: string;
  description?: string;
  options?: { name: string; value: string }[];
}[] = [
  { key: 'erp_customer_number', title: 'ERP customer number', type: 'text' },
  { key: 'erp_customer_status', title: 'ERP customer status', type: 'text' },
  { key: 'erp_currency', title: 'ERP currency', type: 'text' },
  { key: 'contact_email', title: 'Contact email', type: 'text' },
  { key: 'contact_phone', title: 'Contact phone', type: 'text' },
  { key: 'credit_limit', title: 'Credit limit', type: 'decimal' },
  { key: 'outstanding_balance', title: 'Outstanding balance', type: 'decimal' },
  { key: 'open_invoice_count', title: 'Open invoices', type: 'integer' },
  { key: 'oldest_unpaid_invoice', title: 'Oldest unpaid invoice', type: 'text' },
  { key: 'oldest_unpaid_due_date', title: 'Oldest unpaid invoice due', type: 'date' },
  { key: 'days_overdue', title: 'Days overdue (oldest invoice)', type: 'integer' },
  { key: 'aging_current', title: 'AR aging: current', type: 'decimal' },
  { key: 'aging_1_30', title: 'AR aging: 1-30 days', type: 'decimal' },
  { key: 'aging_31_60', title: 'AR aging: 31-60 days', type: 'decimal' },
  { key: 'aging_61_90', title: 'AR aging: 61-90 days', type: 'decimal' },
  { key: 'aging_over_90', title: 'AR aging: over 90 days', type: 'decimal' },
  {
    key: 'credit_standing',
    title: 'Credit standing',
    type: 'dropdown',
    description: 'good, overdue, over credit limit, or credit hold (the ERP blocks new sales)',
    options: [
      { name: 'Good standing', value: 'credit_good' },
      { name: 'Overdue', value: 'credit_overdue' },
      { name: 'Over credit limit', value: 'credit_over_limit' },
      { name: 'Credit hold', value: 'credit_hold' },
    ],
  },
];

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// The payload, by hand. Same semantics as organization.jsonata (JSONata's $round is half-to-even,
// $trim collapses whitespace, $minBy keeps the first smallest due date, open invoices in
// reference-number order so sums add up in the same order).

/** JSONata's $round(x, 2): decimal shift in a string, round half to even. */
export function round2(arg: number): number {
  let value = arg.toString().split('e');
  const shifted = +`${value[0]}e${value[1] ? +value[1] + 2 : 2}`;
  let result = Math.round(shifted);
  if (Math.abs(result - shifted) === 0.5 && Math.abs(result % 2) === 1) result -= 1;
  value = result.toString().split('e');
  result = +`${value[0]}e${value[1] ? +value[1] - 2 : -2}`;
  return Object.is(result, -0) ? 0 : result;
}

function trimWs(s: string): string {
  let r = s.replace(/[ \t\n\r]+/gm, ' ');
  if (r.charAt(0) === ' ') r = r.substring(1);
  if (r.charAt(r.length - 1) === ' ') r = r.substring(0, r.length - 1);
  return r;
}

function utcDay(v: string): number {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(v)
    ? Date.parse(`${v}T00:00:00Z`)
    : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  return Math.floor(t / DAY);
}

function bucketOf(days: number): number {
  return days <= 0 ? 0 : days <= 30 ? 1 : days <= 60 ? 2 : days <= 90 ? 3 : 4;
}

const present = (v: unknown): v is string => v !== undefined && v !== null && v !== '';

export function isOpen(inv: Json): boolean {
  return inv.status === 'Open' && typeof inv.balance === 'number' && inv.balance > 0;
}

/** A customer and its open invoices (already filtered, in reference-number order) -> the organization. */
export function organizationPayload(c: Json, open: Json[], today: number): Json {
  let balance = 0;
  const aging = [0, 0, 0, 0, 0];
  let oldest: Json | undefined;
  for (const inv of open) {
    const b = inv.balance as number;
    balance += b;
    const due = inv.documentDueDate as string;
    aging[bucketOf(Math.max(0, today - utcDay(due)))] += b;
    if (oldest === undefined || due < (oldest.documentDueDate as string)) oldest = inv;
  }
  balance = round2(balance);
  const days = oldest ? Math.max(0, today - utcDay(oldest.documentDueDate as string)) : 0;
  const limit = (c.creditLimit as number) || 0;
  const a = (c.mainAddress ?? {}) as Json;
  const postalCity = [a.postalCode, a.city].filter(present).join(' ');
  const address = [a.addressLine1, a.addressLine2, postalCity, (a.country as Json | undefined)?.name]
    .filter(present)
    .join(', ');
  const contact = (c.mainContact ?? {}) as Json;
  const status = c.status as string;
  const standing =
    status === 'CreditHold' || status === 'OnHold'
      ? 'credit_hold'
      : limit > 0 && balance > limit
        ? 'credit_over_limit'
        : days > 0
          ? 'credit_overdue'
          : 'credit_good';
  return {
    external_id: c.number,
    name: trimWs(c.name as string),
    details: address !== '' ? address : null,
    notes: `Synced from Visma.net ERP customer ${c.number as string}`,
    organization_fields: {
      erp_customer_number: c.number,
      erp_customer_status: status,
      erp_currency: c.currencyId ? c.currencyId : null,
      contact_email: contact.email ? contact.email : null,
      contact_phone: contact.phone1 ? contact.phone1 : null,
      credit_limit: limit,
      outstanding_balance: balance,
      open_invoice_count: open.length,
      oldest_unpaid_invoice: oldest ? oldest.referenceNumber : null,
      oldest_unpaid_due_date: oldest
        ? new Date(utcDay(oldest.documentDueDate as string) * DAY).toISOString().slice(0, 10)
        : null,
      days_overdue: days,
      aging_current: round2(aging[0]),
      aging_1_30: round2(aging[1]),
      aging_31_60: round2(aging[2]),
      aging_61_90: round2(aging[3]),
      aging_over_90: round2(aging[4]),
      credit_standing: standing,
    },
  };
}

/** Open invoices per customer number, each list in reference-number order. */
export function openInvoicesByCustomer(invoices: Json[]): Map<string, Json[]> {
  const by = new Map<string, Json[]>();
  for (const inv of invoices) {
    if (!isOpen(inv)) continue;
    const k = String((inv.customer as Json | undefined)?.number);
    let list = by.get(k);
    if (!list) by.set(k, (list = []));
    list.push(inv);
  }
  for (const list of by.values())
    list.sort((x, y) => ((x.referenceNumber as string) < (y.referenceNumber as string) ? -1 : 1));
  return by;
}

// ---------------------------------------------------------------------------------------------
// HTTP: fetch on a keep-alive undici pool, retrying 429 (Retry-After) and 5xx a few times.

class Http {
  requests = 0;
  private readonly dispatcher = new Agent({ connections: 16, keepAliveTimeout: 10_000 });

  async call(
    method: string,
    url: string,
    o: { token?: string; json?: unknown; form?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] = 'application/json';
    } else if (o.form) {
      body = new URLSearchParams(o.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    for (let attempt = 0; ; attempt++) {
      this.requests++;
      const res = await fetch(url, { method, headers, body, dispatcher: this.dispatcher } as RequestInit);
      const text = await res.text();
      if ((res.status === 429 || res.status >= 500) && attempt < 8) {
        const ra = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(ra) && ra > 0 ? ra * 1000 : 250 * 2 ** attempt);
        continue;
      }
      const parsed = text ? (JSON.parse(text) as unknown) : undefined;
      if (res.status >= 400)
        throw new Error(`${method} ${url.split('?')[0]}: HTTP ${res.status} ${text.slice(0, 300)}`);
      return { status: res.status, body: parsed };
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Every customer and invoice from Visma, as the baseline reads them (also used by the mapper benchmark). */
export async function fetchVisma(p: Profile): Promise<{ customers: Json[]; invoices: Json[]; requests: number }> {
  const http = new Http();
  try {
    const base = p.base_url.replace(/\/+$/, '');
    const token = await vismaToken(http, p);
    const customers = await readAll(http, base, '/v1/customer', token);
    const invoices = await readAll(http, base, '/v1/customerinvoice', token);
    return { customers, invoices, requests: http.requests };
  } finally {
    await http.close();
  }
}

async function vismaToken(http: Http, p: Profile): Promise<string> {
  const v = p.values;
  const res = await http.call('POST', p.token_url ?? 'https://connect.visma.com/connect/token', {
    form: {
      grant_type: 'client_credentials',
      client_id: v.client_id,
      client_secret: v.client_secret,
      scope: 'vismanet_erp_service_api:read',
      tenant_id: v.tenant_id,
    },
  });
  return (res.body as Json).access_token as string;
}

async function readAll(http: Http, base: string, path: string, token: string, filter = ''): Promise<Json[]> {
  const out: Json[] = [];
  for (let page = 1; ; page++) {
    const res = await http.call('GET', `${base}${path}?${filter}pageNumber=${page}&pageSize=${PAGE_SIZE}`, { token });
    const rows = res.body as Json[];
    if (!rows.length) break;
    for (const r of rows) out.push(r);
    const total = Number((rows[0].metadata as Json | undefined)?.totalCount);
    if (Number.isFinite(total) ? out.length >= total : rows.length < PAGE_SIZE) break;
  }
  return out;
}

async function zendeskToken(http: Http, p: Profile): Promise<string> {
  const v = p.values;
  const res = await http.call('POST', p.token_url!, {
    json: {
      grant_type: 'refresh_token',
      refresh_token: v.refresh_token,
      client_id: v.client_id,
      client_secret: v.client_secret,
    },
  });
  return (res.body as Json).access_token as string;
}

/** Cursor-paged listing (organizations, organization_fields). */
async function listAll(http: Http, url: string, key: string, token: string): Promise<Json[]> {
  const out: Json[] = [];
  let after: string | undefined;
  for (;;) {
    const q = new URLSearchParams({ 'page[size]': '100', ...(after ? { 'page[after]': after } : {}) });
    const res = await http.call('GET', `${url}?${q}`, { token });
    const body = res.body as Json;
    for (const r of body[key] as Json[]) out.push(r);
    const meta = body.meta as Json;
    if (!meta.has_more || !meta.after_cursor) break;
    after = meta.after_cursor as string;
  }
  return out;
}

interface Item {
  key: string;
  payload: Json;
  id?: number;
}

/** create_many / update_many jobs, up to 25 in flight, polled with show_many (100 ms, backing off to 500 ms). */
async function writeJobs(
  http: Http,
  base: string,
  token: string,
  items: Item[],
  kind: 'create' | 'update',
  onResult: (item: Item, ok: boolean, id: number | undefined, error?: string) => void,
): Promise<void> {
  const queue = chunk(items, BATCH);
  const running = new Map<string, Item[]>();
  const path = kind === 'create' ? 'organizations/create_many' : 'organizations/update_many';
  let wait = FIRST_POLL_MS;
  while (queue.length || running.size) {
    if (queue.length && running.size < MAX_IN_FLIGHT) wait = FIRST_POLL_MS;
    while (queue.length && running.size < MAX_IN_FLIGHT) {
      const batch = queue.shift()!;
      const organizations = batch.map((i) => (kind === 'update' ? { ...i.payload, id: i.id } : i.payload));
      const res = await http.call(kind === 'create' ? 'POST' : 'PUT', `${base}/${path}`, {
        token,
        json: { organizations },
      });
      running.set(((res.body as Json).job_status as Json).id as string, batch);
    }
    await sleep(wait);
    const pending = running.size;
    for (const ids of chunk([...running.keys()], 100)) {
      const res = await http.call('GET', `${base}/job_statuses/show_many?ids=${ids.join(',')}`, { token });
      for (const job of (res.body as Json).job_statuses as Json[]) {
        const batch = running.get(job.id as string);
        if (!batch) continue;
        if (job.status === 'completed') {
          running.delete(job.id as string);
          // Create rows are {id, index}; update rows {action, id, status, success} carry no index.
          const rows = (job.results as Json[] | undefined) ?? [];
          const byIndex = new Map(rows.filter((r) => r.index !== undefined).map((r) => [r.index as number, r]));
          const byId = new Map(rows.filter((r) => r.index === undefined).map((r) => [r.id as number, r]));
          batch.forEach((item, i) => {
            const r = byIndex.get(i) ?? (kind === 'update' ? byId.get(item.id!) : undefined);
            const ok =
              !!r && (r.success === undefined ? r.id !== undefined && r.error === undefined : r.success === true);
            onResult(
              item,
              ok,
              r?.id as number | undefined,
              ok ? undefined : r ? `${String(r.error)}: ${String(r.details)}` : 'no result',
            );
          });
        } else if (job.status === 'failed' || job.status === 'killed') {
          running.delete(job.id as string);
          for (const item of batch) onResult(item, false, undefined, `job ${String(job.id)} ${job.status}`);
        }
      }
    }
    wait = running.size < pending ? FIRST_POLL_MS : Math.min(POLL_MS, wait * 2);
  }
}

export async function runBaseline(o: BaselineOptions): Promise<BaselineResult> {
  const now = o.now ?? (() => new Date());
  const phases: Record<string, number> = {};
  let t = performance.now();
  const mark = (name: string) => {
    const n = performance.now();
    phases[name] = (phases[name] ?? 0) + (n - t);
    t = n;
  };
  const visma = new Http();
  const zd = new Http();
  const result: BaselineResult = {
    customers: 0,
    invoices: 0,
    created: 0,
    updated: 0,
    failed: 0,
    failures: [],
    requests: { visma: 0, zendesk: 0 },
    phases,
  };
  try {
    // 1. Read Visma.
    const vbase = o.visma.base_url.replace(/\/+$/, '');
    const vtoken = await vismaToken(visma, o.visma);
    const customers = await readAll(visma, vbase, '/v1/customer', vtoken);
    // A hand-written initial load asks Visma for the open invoices only.
    const invoices = await readAll(visma, vbase, '/v1/customerinvoice', vtoken, 'status=Open&');
    result.customers = customers.length;
    result.invoices = invoices.length;
    mark('read');

    // 2. Join and compute every payload.
    const today = Math.floor(now().getTime() / DAY);
    const open = openInvoicesByCustomer(invoices);
    const items: Item[] = customers.map((c) => ({
      key: String(c.number),
      payload: organizationPayload(c, open.get(String(c.number)) ?? [], today),
    }));
    mark('map');

    // 3. Provision the custom fields.
    const zbase = o.zendesk.base_url.replace(/\/+$/, '');
    const ztoken = await zendeskToken(zd, o.zendesk);
    const existing = new Set(
      (await listAll(zd, `${zbase}/organization_fields`, 'organization_fields', ztoken)).map((f) => f.key as string),
    );
    for (const f of ORGANIZATION_FIELDS) {
      if (existing.has(f.key)) continue;
      await zd.call('POST', `${zbase}/organization_fields`, {
        token: ztoken,
        json: {
          organization_field: {
            key: f.key,
            title: f.title,
            type: f.type,
            ...(f.description ? { description: f.description } : {}),
            ...(f.options ? { custom_field_options: f.options } : {}),
          },
        },
      });
    }
    mark('provision');

    // 4. Existing organizations by external_id: one listing for many keys, show_many for a few.
    const ids = new Map<string, number>();
    const remember = (orgs: Json[]) => {
      for (const org of orgs) {
        // Zendesk's external_id is a string or null.
        const ext = org.external_id;
        if (typeof ext === 'string' && ext) ids.set(ext.toLowerCase(), org.id as number);
      }
    };
    if (items.length > 300) remember(await listAll(zd, `${zbase}/organizations`, 'organizations', ztoken));
    else
      for (const b of chunk(items, 100))
        remember(
          (
            (
              await zd.call(
                'GET',
                `${zbase}/organizations/show_many?external_ids=${b.map((i) => encodeURIComponent(i.key)).join(',')}`,
                { token: ztoken },
              )
            ).body as Json
          ).organizations as Json[],
        );
    for (const i of items) i.id = ids.get(i.key.toLowerCase());
    mark('lookup');

    // 5. Write.
    const state: Record<string, [number | null, string]> = {};
    const onResult = (item: Item, ok: boolean, id: number | undefined, error?: string) => {
      if (!ok) {
        result.failed++;
        if (result.failures.length < 20) result.failures.push({ key: item.key, reason: error ?? '' });
        return;
      }
      state[item.key] = [
        id ?? item.id ?? null,
        createHash('sha256').update(JSON.stringify(item.payload)).digest('hex').slice(0, 32),
      ];
    };
    const creates = items.filter((i) => i.id === undefined);
    const updates = items.filter((i) => i.id !== undefined);
    await writeJobs(zd, zbase, ztoken, creates, 'create', (i, ok, id, e) => {
      if (ok) result.created++;
      onResult(i, ok, id, e);
    });
    await writeJobs(zd, zbase, ztoken, updates, 'update', (i, ok, id, e) => {
      if (ok) result.updated++;
      onResult(i, ok, id, e);
    });
    mark('write');
    writeFileSync(o.statePath, JSON.stringify(state));
    mark('state');
  } finally {
    result.requests = { visma: visma.requests, zendesk: zd.requests };
    await Promise.all([visma.close(), zd.close()]);
  }
  return result;
}
