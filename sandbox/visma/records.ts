/**
 * Internal Visma records. Kept flat where possible (400,000 invoices must fit
 * comfortably in memory) and JSON-serialisable for snapshots; DTOs are built on output.
 */

export const CUSTOMER_STATUSES = ['Active', 'OnHold', 'CreditHold', 'Inactive', 'OneTime'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export const SUPPLIER_STATUSES = ['Active', 'OnHold', 'HoldPayments', 'Inactive', 'OneTime'] as const;
export type SupplierStatus = (typeof SUPPLIER_STATUSES)[number];

export const INVOICE_STATUSES = [
  'Hold',
  'Balanced',
  'Voided',
  'Scheduled',
  'Open',
  'Closed',
  'PendingPrint',
  'PendingEmail',
  'CreditHold',
  'CcHold',
  'Reserved',
] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const DOCUMENT_TYPES = [
  'Invoice',
  'DebitNote',
  'CreditNote',
  'Payment',
  'VoidPayment',
  'Prepayment',
  'Refund',
  'FinCharge',
  'SmallBalanceWo',
  'SmallCreditWo',
  'CashSale',
  'CashReturn',
  'Undefined',
  'NoUpdate',
] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** SupplierInvoiceDto.status (the list's `status` filter takes the same values). */
export const SUPPLIER_INVOICE_STATUSES = [
  'Hold',
  'Balanced',
  'Voided',
  'Scheduled',
  'Open',
  'Closed',
  'Printed',
  'Prebooked',
  'Reserved',
] as const;
export type SupplierInvoiceStatus = (typeof SUPPLIER_INVOICE_STATUSES)[number];

/** SupplierInvoiceDto.documentType. */
export const SUPPLIER_DOCUMENT_TYPES = [
  'Check',
  'CreditAdj',
  'DebitAdj',
  'Invoice',
  'Prepayment',
  'QuickCheck',
  'Refund',
  'VoidCheck',
  'VoidQuickCheck',
] as const;
export type SupplierDocumentType = (typeof SUPPLIER_DOCUMENT_TYPES)[number];

/** The list's `documentType` filter: the spec gives it its own enum (Payment matches no invoice). */
export const SUPPLIER_DOCUMENT_TYPE_FILTER = [
  'Invoice',
  'CreditAdj',
  'DebitAdj',
  'Prepayment',
  'Refund',
  'Payment',
] as const;

export const CREDIT_VERIFICATIONS = ['Disabled', 'DaysPastDue', 'CreditLimit', 'LimitAndDaysPastDue'] as const;
export type CreditVerification = (typeof CREDIT_VERIFICATIONS)[number];

export const CREDIT_TERMS: Partial<Record<string, { description: string; days: number }>> = {
  '10': { description: '10 days', days: 10 },
  '14': { description: '14 days', days: 14 },
  '30': { description: '30 days', days: 30 },
};

export const CUSTOMER_CLASSES: Record<string, string> = {
  '1': 'Standard',
  '2': 'Key account',
  '3': 'Public sector',
};

export const SUPPLIER_CLASSES: Record<string, string> = {
  '1': 'Domestic',
  '2': 'Foreign',
};

export interface Address {
  addressId: number;
  addressLine1?: string;
  addressLine2?: string;
  postalCode?: string;
  city?: string;
  country: { id: string; name: string };
}

export interface MainContact {
  contactId: number;
  name?: string;
  email?: string;
  /** Web site (ContactInfo `web`); there is no website field elsewhere on CustomerDto or SupplierDto. */
  web?: string;
  phone1?: string;
}

export interface Attribute {
  id: string;
  value: string;
  description: string;
}

/** Bookkeeping shared by every record: times in epoch ms, and a rowversion for `timeStamp`. */
export interface Tracked {
  createdMs: number;
  modifiedMs: number;
  rowVersion: number;
}

export interface CustomerRecord extends Tracked {
  internalId: number;
  number: string;
  name: string;
  status: CustomerStatus;
  mainAddress: Address;
  mainContact: MainContact;
  customerClassId: string;
  creditTermsId: string;
  currencyId: string;
  creditVerification: CreditVerification;
  creditLimit: number;
  creditDaysPastDue: number;
  vatRegistrationId?: string;
  corporateId?: string;
  attributes: Attribute[];
}

export interface InvoiceRecord extends Tracked {
  referenceNumber: string;
  documentType: DocumentType;
  customerNumber: string;
  documentDateMs: number;
  documentDueDateMs: number;
  status: InvoiceStatus;
  currencyId: string;
  amount: number;
  balance: number;
  invoiceText: string;
  creditTermsId: string;
  paymentReference: string;
}

export interface SupplierRecord extends Tracked {
  internalId: number;
  number: string;
  name: string;
  status: SupplierStatus;
  mainAddress: Address;
  mainContact: MainContact;
  supplierClassId: string;
  creditTermsId: string;
  currencyId: string;
  vatRegistrationId?: string;
  corporateId?: string;
}

/** An accounts-payable document (AP301000): what the company owes a supplier. */
export interface SupplierInvoiceRecord extends Tracked {
  referenceNumber: string;
  documentType: SupplierDocumentType;
  supplierNumber: string;
  /** Document date (DTO `date`) and due date (DTO `dueDate`): not documentDate/documentDueDate as on AR. */
  dateMs: number;
  dueDateMs: number;
  /** When it was paid in full; absent while unpaid (the DTO's payDate is then the due date). */
  paidMs?: number;
  status: SupplierInvoiceStatus;
  currencyId: string;
  amount: number;
  balance: number;
  description: string;
  /** The supplier's own invoice number. */
  supplierReference: string;
  /** KID/OCR payment reference. */
  paymentRefNo: string;
  creditTermsId: string;
}

export interface ContactRecord extends Tracked {
  contactId: number;
  firstName: string;
  lastName: string;
  position: string;
  businessAccount: string;
  email?: string;
  phone1?: string;
  active: boolean;
  address: Address;
}

/** Sequence counters; part of every snapshot. */
export interface Counters {
  rowVersion: number;
  nextInvoiceRef: number;
  /** Absent in snapshots taken before supplier invoices existed; restore fills it in. */
  nextSupplierInvoiceRef: number;
  nextContactId: number;
  nextAddressId: number;
  mutations: number;
}
