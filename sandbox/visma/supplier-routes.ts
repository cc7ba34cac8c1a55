import type { SimServer } from '../framework/sim-server.js';
import type { SimRequest, SimResponse } from '../framework/types.js';
import type { VismaApiContext } from './api-context.js';
import { financialPeriod } from './dates.js';
import { supplierDto, supplierInvoiceDto } from './dto.js';
import { ippError } from './errors.js';
import { guarded, listPage, type Filter } from './list-page.js';
import { dateCondition, enumFilter, equalsFilter, FilterCache, numberCondition } from './list-query.js';
import {
  SUPPLIER_DOCUMENT_TYPE_FILTER,
  SUPPLIER_INVOICE_STATUSES,
  SUPPLIER_STATUSES,
  type SupplierInvoiceRecord,
  type SupplierRecord,
} from './records.js';

/** Suppliers (AP303000) and supplier invoices (AP301000), paths and filters as the spec names them. */
export function registerSupplierApi(server: SimServer, ctx: VismaApiContext): void {
  const supplierCache = new FilterCache<SupplierRecord>();
  const invoiceCache = new FilterCache<SupplierInvoiceRecord>();
  const ledger = () => ctx.store.payables;
  const read = <T>(fn: () => T): T => {
    ctx.noteSupplierRead?.();
    return fn();
  };

  server.api.get('/v1/supplier', (req) =>
    read(() =>
      guarded(() =>
        listPage(ctx, req, ledger().suppliers, supplierCache, supplierFilters(ctx, req), (s, m) =>
          supplierDto(s, ctx.render, m),
        ),
      ),
    ),
  );
  server.api.get('/v1/supplier/{supplierCd}', (req) =>
    read(() => {
      const s = ledger().supplier(req.params.supplierCd);
      if (!s) return ippError(404, `Supplier ${req.params.supplierCd} not found.`, '10404');
      return { status: 200, body: supplierDto(s, ctx.render) };
    }),
  );

  server.api.get('/v1/supplierInvoice', (req) =>
    read(() =>
      guarded(() => {
        const supplier = req.query.supplier;
        // The per-supplier index keeps `supplier=` queries from scanning every invoice.
        const base = supplier ? ledger().invoicesOf(supplier) : ledger().invoices;
        const filters = [
          supplier ? { predicate: () => true, key: `supplier=${supplier}` } : null,
          ...invoiceFilters(ctx, req),
        ];
        return listPage(ctx, req, base, invoiceCache, filters, (i, m) => supplierInvoiceDto(i, ctx.render, m));
      }),
    ),
  );
  server.api.get('/v1/supplierInvoice/{invoiceNumber}', (req) => read(() => oneInvoice(ctx, req.params.invoiceNumber)));
  // Reference numbers are unique per document type in Visma; here they are unique overall, so the type must match.
  server.api.get('/v1/supplierInvoice/{documentType}/{invoiceNumber}', (req) =>
    read(() => oneInvoice(ctx, req.params.invoiceNumber, req.params.documentType)),
  );
}

function supplierFilters(ctx: VismaApiContext, req: SimRequest): Filter<SupplierRecord>[] {
  const offset = ctx.knobs.timeZoneOffsetMinutes;
  return [
    dateCondition<SupplierRecord>(req.query, 'lastModifiedDateTime', (s) => s.modifiedMs, offset),
    enumFilter<SupplierRecord>(req.query, 'status', SUPPLIER_STATUSES, (s) => s.status),
  ];
}

function invoiceFilters(ctx: VismaApiContext, req: SimRequest): Filter<SupplierInvoiceRecord>[] {
  const offset = ctx.knobs.timeZoneOffsetMinutes;
  const q = req.query;
  return [
    dateCondition<SupplierInvoiceRecord>(q, 'lastModifiedDateTime', (i) => i.modifiedMs, offset),
    dateCondition<SupplierInvoiceRecord>(q, 'createdDateTime', (i) => i.createdMs, offset),
    dateCondition<SupplierInvoiceRecord>(q, 'dueDate', (i) => i.dueDateMs, offset),
    dateCondition<SupplierInvoiceRecord>(q, 'docDate', (i) => i.dateMs, offset),
    numberCondition<SupplierInvoiceRecord>(q, 'balance', (i) => i.balance),
    enumFilter<SupplierInvoiceRecord>(q, 'status', SUPPLIER_INVOICE_STATUSES, (i) => i.status),
    enumFilter<SupplierInvoiceRecord>(q, 'documentType', SUPPLIER_DOCUMENT_TYPE_FILTER, (i) => i.documentType),
    equalsFilter<SupplierInvoiceRecord>(q, 'financialPeriod', (i) => financialPeriod(i.dateMs)),
  ];
}

function oneInvoice(ctx: VismaApiContext, ref: string, documentType?: string): SimResponse {
  const i = ctx.store.payables.invoice(ref);
  if (!i || (documentType !== undefined && i.documentType !== documentType)) {
    return ippError(404, `Invoice ${documentType ? `${documentType} ` : ''}${ref} not found.`, '10404');
  }
  return { status: 200, body: supplierInvoiceDto(i, ctx.render) };
}
