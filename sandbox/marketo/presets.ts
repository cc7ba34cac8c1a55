/**
 * The instance a sandbox session meets: the custom company fields and the custom object an ERP
 * integration (issue 14: Visma customers and suppliers as companies) writes. Marketo cannot create
 * either over REST, so an admin sets them up once; here they are a preset the definition applies.
 */
export const ERP_COMPANY_FIELDS = [
  { name: 'erpAccountType', displayName: 'ERP Account Type', dataType: 'string', length: 20 },
  { name: 'erpAccountNumber', displayName: 'ERP Account Number', dataType: 'string', length: 40 },
  { name: 'accountStatus', displayName: 'Account Status', dataType: 'string', length: 40 },
  { name: 'paymentTerms', displayName: 'Payment Terms', dataType: 'string', length: 100 },
  { name: 'customerClass', displayName: 'Customer Class', dataType: 'string', length: 100 },
  { name: 'supplierClass', displayName: 'Supplier Class', dataType: 'string', length: 100 },
  { name: 'currencyCode', displayName: 'Currency', dataType: 'string', length: 3 },
  { name: 'outstandingBalance', displayName: 'Outstanding Balance', dataType: 'currency' },
  { name: 'openInvoiceCount', displayName: 'Open Invoices', dataType: 'integer' },
  { name: 'oldestInvoiceDaysOverdue', displayName: 'Days Overdue (Oldest Invoice)', dataType: 'integer' },
  { name: 'isOverdue', displayName: 'Overdue', dataType: 'boolean' },
] as const;

/** One accounts-receivable snapshot per customer, keyed by the company's externalCompanyId. */
export const AR_SNAPSHOT_OBJECT = {
  apiName: 'ar_snapshot_c',
  displayName: 'AR Snapshot',
  dedupeFields: ['externalCompanyId'],
  fields: [
    { name: 'externalCompanyId', displayName: 'External Company Id', dataType: 'string', length: 100 },
    { name: 'snapshotDate', displayName: 'Snapshot Date', dataType: 'date' },
    { name: 'currencyCode', displayName: 'Currency', dataType: 'string', length: 3 },
    { name: 'outstandingBalance', displayName: 'Outstanding Balance', dataType: 'currency' },
    { name: 'overdueBalance', displayName: 'Overdue Balance', dataType: 'currency' },
    { name: 'openInvoiceCount', displayName: 'Open Invoices', dataType: 'integer' },
    { name: 'oldestInvoiceDaysOverdue', displayName: 'Days Overdue (Oldest Invoice)', dataType: 'integer' },
  ],
} as const;
