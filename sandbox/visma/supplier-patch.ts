import {
  patchAddress,
  patchContact,
  requireDate,
  requireEnum,
  requireNumber,
  requireObject,
  setOptional,
} from './patch-values.js';
import {
  SUPPLIER_DOCUMENT_TYPES,
  SUPPLIER_INVOICE_STATUSES,
  SUPPLIER_STATUSES,
  type SupplierInvoiceRecord,
  type SupplierRecord,
} from './records.js';
import { StoreError } from './store-error.js';

/** Applies a SupplierDto-shaped partial update; an unknown field or bad value throws before anything changes. */
export function applySupplierPatch(target: SupplierRecord, patch: Record<string, unknown>): void {
  const s = structuredClone(target);
  for (const [k, v] of Object.entries(patch)) {
    switch (k) {
      case 'name':
        if (typeof v !== 'string' || v.trim() === '') throw new StoreError('name must be a non-empty string');
        s.name = v;
        break;
      case 'status':
        s.status = requireEnum(v, SUPPLIER_STATUSES, k);
        break;
      case 'currencyId':
        if (typeof v !== 'string') throw new StoreError('currencyId must be a string');
        s.currencyId = v;
        break;
      case 'supplierClass':
        s.supplierClassId = String(requireObject(v, k).id);
        break;
      case 'creditTerms':
        s.creditTermsId = String(requireObject(v, k).id);
        break;
      case 'vatRegistrationId':
      case 'corporateId':
        setOptional(s, k, v, k);
        break;
      case 'mainAddress':
        patchAddress(s.mainAddress, v, k);
        break;
      case 'mainContact':
        patchContact(s.mainContact, v, k);
        break;
      default:
        throw new StoreError(`unknown or read-only supplier field "${k}"`);
    }
  }
  Object.assign(target, s);
}

/** Applies a SupplierInvoiceDto-shaped partial update (`date` and `dueDate`, as the DTO names them). */
export function applySupplierInvoicePatch(target: SupplierInvoiceRecord, patch: Record<string, unknown>): void {
  const i = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    switch (k) {
      case 'status':
        i.status = requireEnum(v, SUPPLIER_INVOICE_STATUSES, k);
        break;
      case 'documentType':
        i.documentType = requireEnum(v, SUPPLIER_DOCUMENT_TYPES, k);
        break;
      case 'amount':
      case 'balance':
        i[k] = requireNumber(v, k);
        break;
      case 'description':
      case 'supplierReference':
      case 'paymentRefNo':
      case 'currencyId':
        if (typeof v !== 'string') throw new StoreError(`${k} must be a string`);
        i[k] = v;
        break;
      case 'date':
        i.dateMs = requireDate(v, k);
        break;
      case 'dueDate':
        i.dueDateMs = requireDate(v, k);
        break;
      default:
        throw new StoreError(`unknown or read-only supplier invoice field "${k}"`);
    }
  }
  Object.assign(target, i);
}
