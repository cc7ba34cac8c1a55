import type { KnobValues } from '../framework/knobs.js';
import { FixedWindowLimiter } from '../framework/rate-limiter.js';
import type { SimServer } from '../framework/sim-server.js';
import type { Middleware, SimRequest, SimResponse } from '../framework/types.js';
import type { VismaAuth } from './auth.js';
import { contactDto, customerDto, invoiceDto, supplierDto, type Metadata, type RenderContext } from './dto.js';
import { gatewayError, ippError, unauthorized } from './errors.js';
import type { VISMA_KNOBS } from './knobs.js';
import { applyPredicates, dateCondition, enumFilter, FilterCache, FilterError, parsePaging, type Predicate } from './list-query.js';
import { CUSTOMER_STATUSES, DOCUMENT_TYPES, INVOICE_STATUSES, SUPPLIER_STATUSES, type ContactRecord, type CustomerRecord, type InvoiceRecord, type SupplierRecord } from './records.js';
import type { VismaStore } from './store.js';

export interface VismaApiContext {
  store: VismaStore;
  auth: VismaAuth;
  knobs: KnobValues<typeof VISMA_KNOBS>;
  nowMs(): number;
  render: RenderContext;
  /** Fault: rewrites a list page before it is sent (bad records a real ERP has been seen to send) */
  spoilPage?(path: string, page: Record<string, unknown>[]): unknown[];
}

const HOUR_MS = 3_600_000;

type Filter<T> = { predicate: Predicate<T>; key: string } | null;

export function registerVismaApi(server: SimServer, ctx: VismaApiContext): void {
  const limiter = new FixedWindowLimiter({
    limit: () => ctx.knobs.rateLimitPerHour,
    windowMs: HOUR_MS,
    clock: () => new Date(ctx.nowMs()),
  });
  server.use(rateLimit(ctx, limiter));
  server.use(requireAuth(ctx));

  server.api.post('/connect/token', (req) => ctx.auth.issue(req.body, ctx.nowMs(), ctx.knobs.expiresIn));

  const customerCache = new FilterCache<CustomerRecord>();
  const invoiceCache = new FilterCache<InvoiceRecord>();
  const supplierCache = new FilterCache<SupplierRecord>();
  const contactCache = new FilterCache<ContactRecord>();
  const offset = () => ctx.knobs.timeZoneOffsetMinutes;

  server.api.get('/v1/customer', (req) =>
    guarded(() =>
      listPage(ctx, req, ctx.store.customers, customerCache, [
        dateCondition<CustomerRecord>(req.query, 'lastModifiedDateTime', (c) => c.modifiedMs, offset()),
        dateCondition<CustomerRecord>(req.query, 'createdDateTime', (c) => c.createdMs, offset()),
        enumFilter<CustomerRecord>(req.query, 'status', CUSTOMER_STATUSES, (c) => c.status),
      ], (c, m) => customerDto(c, ctx.render, m)),
    ),
  );
  server.api.get('/v1/customer/{customerCd}', (req) => {
    const c = ctx.store.customer(req.params.customerCd);
    return c ? { status: 200, body: customerDto(c, ctx.render) } : ippError(404, `Customer ${req.params.customerCd} not found.`, '10404');
  });

  server.api.get('/v1/customerinvoice', (req) =>
    guarded(() => {
      const customer = req.query.customer;
      // The per-customer index keeps `customer=` queries from scanning every invoice.
      const base = customer ? ctx.store.invoicesOf(customer) : ctx.store.invoices;
      return listPage(ctx, req, base, invoiceCache, [
        customer ? { predicate: () => true, key: `customer=${customer}` } : null,
        dateCondition<InvoiceRecord>(req.query, 'lastModifiedDateTime', (i) => i.modifiedMs, offset()),
        dateCondition<InvoiceRecord>(req.query, 'createdDateTime', (i) => i.createdMs, offset()),
        dateCondition<InvoiceRecord>(req.query, 'documentDate', (i) => i.documentDateMs, offset()),
        dateCondition<InvoiceRecord>(req.query, 'documentDueDate', (i) => i.documentDueDateMs, offset()),
        enumFilter<InvoiceRecord>(req.query, 'status', INVOICE_STATUSES, (i) => i.status),
        enumFilter<InvoiceRecord>(req.query, 'documentType', DOCUMENT_TYPES, (i) => i.documentType),
      ], (i, m) => invoiceDto(i, ctx.render, m));
    }),
  );
  server.api.get('/v1/customerinvoice/{invoiceNumber}', (req) => {
    const i = ctx.store.invoice(req.params.invoiceNumber);
    return i ? { status: 200, body: invoiceDto(i, ctx.render) } : ippError(404, `Invoice ${req.params.invoiceNumber} not found.`, '10404');
  });

  server.api.get('/v1/supplier', (req) =>
    guarded(() =>
      listPage(ctx, req, ctx.store.suppliers, supplierCache, [
        dateCondition<SupplierRecord>(req.query, 'lastModifiedDateTime', (s) => s.modifiedMs, offset()),
        enumFilter<SupplierRecord>(req.query, 'status', SUPPLIER_STATUSES, (s) => s.status),
      ], (s, m) => supplierDto(s, ctx.render, m)),
    ),
  );
  server.api.get('/v1/supplier/{supplierCd}', (req) => {
    const s = ctx.store.suppliers.find((x) => x.number === req.params.supplierCd);
    return s ? { status: 200, body: supplierDto(s, ctx.render) } : ippError(404, `Supplier ${req.params.supplierCd} not found.`, '10404');
  });

  server.api.get('/v1/contact', (req) =>
    guarded(() =>
      listPage(ctx, req, ctx.store.contacts, contactCache, [
        dateCondition<ContactRecord>(req.query, 'lastModifiedDateTime', (c) => c.modifiedMs, offset()),
      ], (c, m) => contactDto(c, ctx.render, m)),
    ),
  );
  server.api.get('/v1/contact/{contactId}', (req) => {
    const c = ctx.store.contacts.find((x) => String(x.contactId) === req.params.contactId);
    return c ? { status: 200, body: contactDto(c, ctx.render) } : ippError(404, `Contact ${req.params.contactId} not found.`, '10404');
  });
}

function guarded(fn: () => SimResponse): SimResponse {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FilterError) return ippError(400, err.message);
    throw err;
  }
}

/** Bare JSON array; every element carries metadata {totalCount, maxPageSize}. */
function listPage<T>(
  ctx: VismaApiContext,
  req: SimRequest,
  all: readonly T[],
  cache: FilterCache<T>,
  filters: Filter<T>[],
  render: (r: T, m: Metadata) => Record<string, unknown>,
): SimResponse {
  const paging = parsePaging(req.query, ctx.knobs.defaultPageSize, ctx.knobs.maxPageSize);
  const active = filters.filter((f): f is NonNullable<Filter<T>> => f !== null);
  const items =
    active.length === 0 ? all : cache.get(active.map((f) => f.key).join('&'), ctx.store.version, () => applyPredicates(all, active.map((f) => f.predicate)));
  const start = (paging.pageNumber - 1) * paging.pageSize;
  const metadata: Metadata = { totalCount: items.length, maxPageSize: paging.maxPageSize };
  const page = items.slice(start, start + paging.pageSize).map((r) => render(r, metadata));
  return { status: 200, body: ctx.spoilPage ? ctx.spoilPage(req.path, page) : page };
}

function isApi(req: SimRequest): boolean {
  return req.path.startsWith('/v1/');
}

/** Policy 4-fixed-window: headers on every API response, 429 past the hourly limit. */
function rateLimit(ctx: VismaApiContext, limiter: FixedWindowLimiter): Middleware {
  return async (req, next) => {
    if (!isApi(req) || !ctx.knobs.rateLimitEnabled) return next();
    const d = limiter.take(ctx.auth.rateKey(req.headers.authorization));
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(d.limit),
      'X-RateLimit-Remaining': String(d.remaining),
      'X-RateLimit-Reset': String(d.resetSec),
      'X-RateLimit-Policy': '4-fixed-window',
    };
    if (!d.allowed) {
      if (ctx.knobs.sendRetryAfter) headers['Retry-After'] = String(d.resetSec);
      return gatewayError(429, `Rate limit is exceeded. Try again in ${d.resetSec} seconds.`, headers);
    }
    const res = await next();
    res.headers = { ...res.headers, ...headers };
    return res;
  };
}

function requireAuth(ctx: VismaApiContext): Middleware {
  return async (req, next) => {
    if (!isApi(req)) return next();
    const v = ctx.auth.verify(req.headers.authorization, ctx.nowMs());
    if (!v.ok) return unauthorized(v.message);
    if (ctx.knobs.requireCompanyHeader) {
      const company = req.headers['ipp-company-id'];
      if (company === undefined) return ippError(401, 'ipp-company-id header is required.', '10401');
      if (company !== ctx.auth.credentials.company_id) return ippError(401, `No access to company ${String(company)}.`, '10401');
    }
    return next();
  };
}
