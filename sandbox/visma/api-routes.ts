import { FixedWindowLimiter } from '../framework/rate-limiter.js';
import type { SimServer } from '../framework/sim-server.js';
import type { Middleware, SimRequest } from '../framework/types.js';
import type { VismaApiContext } from './api-context.js';
import { contactDto, customerDto, invoiceDto } from './dto.js';
import { gatewayError, ippError, unauthorized } from './errors.js';
import { guarded, listPage } from './list-page.js';
import { dateCondition, enumFilter, FilterCache } from './list-query.js';
import {
  CUSTOMER_STATUSES,
  DOCUMENT_TYPES,
  INVOICE_STATUSES,
  type ContactRecord,
  type CustomerRecord,
  type InvoiceRecord,
} from './records.js';
import { registerSupplierApi } from './supplier-routes.js';

const HOUR_MS = 3_600_000;

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
  const contactCache = new FilterCache<ContactRecord>();
  const offset = () => ctx.knobs.timeZoneOffsetMinutes;

  server.api.get('/v1/customer', (req) =>
    guarded(() =>
      listPage(
        ctx,
        req,
        ctx.store.customers,
        customerCache,
        [
          dateCondition<CustomerRecord>(req.query, 'lastModifiedDateTime', (c) => c.modifiedMs, offset()),
          dateCondition<CustomerRecord>(req.query, 'createdDateTime', (c) => c.createdMs, offset()),
          enumFilter<CustomerRecord>(req.query, 'status', CUSTOMER_STATUSES, (c) => c.status),
        ],
        (c, m) => customerDto(c, ctx.render, m),
      ),
    ),
  );
  server.api.get('/v1/customer/{customerCd}', (req) => {
    const c = ctx.store.customer(req.params.customerCd);
    return c
      ? { status: 200, body: customerDto(c, ctx.render) }
      : ippError(404, `Customer ${req.params.customerCd} not found.`, '10404');
  });

  server.api.get('/v1/customerinvoice', (req) =>
    guarded(() => {
      const customer = req.query.customer;
      // The per-customer index keeps `customer=` queries from scanning every invoice.
      const base = customer ? ctx.store.invoicesOf(customer) : ctx.store.invoices;
      return listPage(
        ctx,
        req,
        base,
        invoiceCache,
        [
          customer ? { predicate: () => true, key: `customer=${customer}` } : null,
          dateCondition<InvoiceRecord>(req.query, 'lastModifiedDateTime', (i) => i.modifiedMs, offset()),
          dateCondition<InvoiceRecord>(req.query, 'createdDateTime', (i) => i.createdMs, offset()),
          dateCondition<InvoiceRecord>(req.query, 'documentDate', (i) => i.documentDateMs, offset()),
          dateCondition<InvoiceRecord>(req.query, 'documentDueDate', (i) => i.documentDueDateMs, offset()),
          enumFilter<InvoiceRecord>(req.query, 'status', INVOICE_STATUSES, (i) => i.status),
          enumFilter<InvoiceRecord>(req.query, 'documentType', DOCUMENT_TYPES, (i) => i.documentType),
        ],
        (i, m) => invoiceDto(i, ctx.render, m),
      );
    }),
  );
  server.api.get('/v1/customerinvoice/{invoiceNumber}', (req) => {
    const i = ctx.store.invoice(req.params.invoiceNumber);
    return i
      ? { status: 200, body: invoiceDto(i, ctx.render) }
      : ippError(404, `Invoice ${req.params.invoiceNumber} not found.`, '10404');
  });

  registerSupplierApi(server, ctx);

  server.api.get('/v1/contact', (req) =>
    guarded(() =>
      listPage(
        ctx,
        req,
        ctx.store.contacts,
        contactCache,
        [dateCondition<ContactRecord>(req.query, 'lastModifiedDateTime', (c) => c.modifiedMs, offset())],
        (c, m) => contactDto(c, ctx.render, m),
      ),
    ),
  );
  server.api.get('/v1/contact/{contactId}', (req) => {
    const c = ctx.store.contacts.find((x) => String(x.contactId) === req.params.contactId);
    return c
      ? { status: 200, body: contactDto(c, ctx.render) }
      : ippError(404, `Contact ${req.params.contactId} not found.`, '10404');
  });
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
      if (company !== ctx.auth.credentials.company_id)
        return ippError(401, `No access to company ${String(company)}.`, '10401');
    }
    return next();
  };
}
