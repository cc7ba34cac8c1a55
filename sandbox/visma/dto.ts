import { financialPeriod, formatTimestamp, rowVersionStamp, type TimestampZone } from './dates.js';
import {
  CREDIT_TERMS,
  CUSTOMER_CLASSES,
  SUPPLIER_CLASSES,
  type ContactRecord,
  type CustomerRecord,
  type InvoiceRecord,
  type SupplierInvoiceRecord,
  type SupplierRecord,
} from './records.js';

export interface RenderContext {
  zone: TimestampZone;
  offsetMinutes: number;
  /** Current customer name by number: invoices show the customer as it is now. */
  customerName(number: string): string | undefined;
  /** The same for supplier invoices: the supplier's current name and internal id. */
  supplierOf(number: string): { internalId: number; name: string } | undefined;
}

export interface Metadata {
  totalCount: number;
  maxPageSize: number;
}

/**
 * Wire DTOs. Absent values are omitted rather than sent as null: no property in the
 * Visma OpenAPI is nullable.
 */

function ts(ctx: RenderContext, ms: number): string {
  return formatTimestamp(ms, ctx.zone, ctx.offsetMinutes);
}

function terms(id: string): { id: string; description: string } {
  return { id, description: CREDIT_TERMS[id]?.description ?? `${id} days` };
}

export function customerDto(c: CustomerRecord, ctx: RenderContext, metadata?: Metadata): Record<string, unknown> {
  return {
    internalId: c.internalId,
    number: c.number,
    name: c.name,
    status: c.status,
    mainAddress: c.mainAddress,
    mainContact: c.mainContact,
    customerClass: { id: c.customerClassId, description: CUSTOMER_CLASSES[c.customerClassId] ?? c.customerClassId },
    creditTerms: terms(c.creditTermsId),
    currencyId: c.currencyId,
    creditVerification: c.creditVerification,
    creditLimit: c.creditLimit,
    creditDaysPastDue: c.creditDaysPastDue,
    invoiceAddress: c.mainAddress,
    invoiceContact: c.mainContact,
    statementType: 'OpenItem',
    ...(c.vatRegistrationId !== undefined ? { vatRegistrationId: c.vatRegistrationId } : {}),
    ...(c.corporateId !== undefined ? { corporateId: c.corporateId } : {}),
    attributes: c.attributes,
    lastModifiedDateTime: ts(ctx, c.modifiedMs),
    createdDateTime: ts(ctx, c.createdMs),
    excludeDebtCollection: false,
    // Not in the 2025-04 OpenAPI's CustomerDto but listed by the 2026 one (sources.md): sent on every DTO.
    timeStamp: rowVersionStamp(c.rowVersion),
    ...(metadata ? { metadata } : {}),
  };
}

export function invoiceDto(i: InvoiceRecord, ctx: RenderContext, metadata?: Metadata): Record<string, unknown> {
  // Amounts include 25% VAT; the split is cosmetic but keeps the totals consistent.
  const net = Math.round((i.amount / 1.25) * 100) / 100;
  const vat = Math.round((i.amount - net) * 100) / 100;
  const period = financialPeriod(i.documentDateMs);
  return {
    creditTerms: terms(i.creditTermsId),
    documentDueDate: ts(ctx, i.documentDueDateMs),
    cashDiscountDate: ts(ctx, i.documentDateMs),
    exchangeRate: 1,
    hold: i.status === 'Hold',
    detailTotal: net,
    detailTotalInCurrency: net,
    vatTaxableTotal: net,
    vatTaxableTotalInCurrency: net,
    vatExemptTotal: 0,
    vatExemptTotalInCurrency: 0,
    paymentReference: i.paymentReference,
    customer: { number: i.customerNumber, name: ctx.customerName(i.customerNumber) ?? '' },
    documentType: i.documentType,
    referenceNumber: i.referenceNumber,
    postPeriod: period,
    financialPeriod: period,
    documentDate: ts(ctx, i.documentDateMs),
    origInvoiceDate: ts(ctx, i.documentDateMs),
    status: i.status,
    currencyId: i.currencyId,
    amount: i.amount,
    amountInCurrency: i.amount,
    balance: i.balance,
    balanceInCurrency: i.balance,
    cashDiscount: 0,
    cashDiscountInCurrency: 0,
    invoiceText: i.invoiceText,
    lastModifiedDateTime: ts(ctx, i.modifiedMs),
    createdDateTime: ts(ctx, i.createdMs),
    vatTotal: vat,
    vatTotalInCurrency: vat,
    timeStamp: rowVersionStamp(i.rowVersion),
    ...(metadata ? { metadata } : {}),
  };
}

/**
 * SupplierInvoiceDto. Unlike CustomerInvoiceDto its dates are `date` and `dueDate`, the text is
 * `description`, the KID is `paymentRefNo`, and it has no `amountInCurrency`.
 */
export function supplierInvoiceDto(
  i: SupplierInvoiceRecord,
  ctx: RenderContext,
  metadata?: Metadata,
): Record<string, unknown> {
  const net = Math.round((i.amount / 1.25) * 100) / 100;
  const vat = Math.round((i.amount - net) * 100) / 100;
  const period = financialPeriod(i.dateMs);
  const supplier = ctx.supplierOf(i.supplierNumber);
  return {
    hold: i.status === 'Hold',
    exchangeRate: 1,
    paymentRefNo: i.paymentRefNo,
    creditTerms: terms(i.creditTermsId),
    cashDiscountDate: ts(ctx, i.dateMs),
    detailTotal: net,
    detailTotalInCurrency: net,
    discountTotal: 0,
    discountTotalInCurrency: 0,
    vatTaxableTotal: net,
    vatTaxableTotalInCurrency: net,
    vatExemptTotal: 0,
    vatExemptTotalInCurrency: 0,
    amount: i.amount,
    vatAmount: vat,
    taxCalculationMode: 'TaxSetting',
    supplier: {
      ...(supplier ? { internalId: supplier.internalId } : {}),
      number: i.supplierNumber,
      name: supplier?.name ?? '',
    },
    documentType: i.documentType,
    referenceNumber: i.referenceNumber,
    postPeriod: period,
    financialPeriod: period,
    date: ts(ctx, i.dateMs),
    origInvoiceDate: ts(ctx, i.dateMs),
    dueDate: ts(ctx, i.dueDateMs),
    status: i.status,
    currencyId: i.currencyId,
    balance: i.balance,
    balanceInCurrency: i.balance,
    cashDiscount: 0,
    cashDiscountInCurrency: 0,
    supplierReference: i.supplierReference,
    description: i.description,
    createdDateTime: ts(ctx, i.createdMs),
    lastModifiedDateTime: ts(ctx, i.modifiedMs),
    ...(i.paidMs !== undefined ? { closedFinancialPeriod: financialPeriod(i.paidMs) } : {}),
    vatTotal: vat,
    vatTotalInCurrency: vat,
    // Paid: when; unpaid: when it is planned to be paid, which is the due date until someone moves it.
    payDate: ts(ctx, i.paidMs ?? i.dueDateMs),
    timeStamp: rowVersionStamp(i.rowVersion),
    ...(metadata ? { metadata } : {}),
  };
}

export function supplierDto(s: SupplierRecord, ctx: RenderContext, metadata?: Metadata): Record<string, unknown> {
  return {
    internalId: s.internalId,
    number: s.number,
    name: s.name,
    status: s.status,
    mainAddress: s.mainAddress,
    mainContact: s.mainContact,
    supplierClass: { id: s.supplierClassId, description: SUPPLIER_CLASSES[s.supplierClassId] ?? s.supplierClassId },
    creditTerms: terms(s.creditTermsId),
    currencyId: s.currencyId,
    ...(s.vatRegistrationId !== undefined ? { vatRegistrationId: s.vatRegistrationId } : {}),
    ...(s.corporateId !== undefined ? { corporateId: s.corporateId } : {}),
    attributes: [],
    lastModifiedDateTime: ts(ctx, s.modifiedMs),
    timeStamp: rowVersionStamp(s.rowVersion),
    ...(metadata ? { metadata } : {}),
  };
}

export function contactDto(c: ContactRecord, ctx: RenderContext, metadata?: Metadata): Record<string, unknown> {
  return {
    displayName: `${c.firstName} ${c.lastName}`.trim(),
    active: c.active,
    firstName: c.firstName,
    lastName: c.lastName,
    position: c.position,
    businessAccount: c.businessAccount,
    businessAccountType: 'Customer',
    sameAsAccount: true,
    address: c.address,
    ...(c.email !== undefined ? { email: c.email } : {}),
    ...(c.phone1 !== undefined ? { phone1: c.phone1 } : {}),
    lastModifiedDateTime: ts(ctx, c.modifiedMs),
    contactId: c.contactId,
    timeStamp: rowVersionStamp(c.rowVersion),
    ...(metadata ? { metadata } : {}),
  };
}
