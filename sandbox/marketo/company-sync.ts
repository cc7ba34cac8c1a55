import { isRecord, textOf, type SimResponse } from '../framework/types.js';
import type { Company } from './companies.js';
import { isoSeconds, reason, type MarketoContext, type Reason } from './context.js';
import { coerceValue } from './fields.js';

export type Action = 'createOnly' | 'updateOnly' | 'createOrUpdate';
export type KeyMode = 'dedupeFields' | 'idField';

export interface SyncRequest {
  action: Action;
  by: KeyMode;
  input: unknown[];
}

const ACTIONS: readonly string[] = ['createOnly', 'updateOnly', 'createOrUpdate'];
const KEY_MODES: readonly string[] = ['dedupeFields', 'idField'];

/**
 * Response-level checks of a sync or delete body; a failure envelope, or the parsed request. Codes
 * and messages for a bad action, key mode or an oversized batch are not documented: 1003 "Invalid
 * data" is used for each (UNCONFIRMED).
 */
export function parseBatch(
  ctx: MarketoContext,
  body: unknown,
  keyMember: 'dedupeBy' | 'deleteBy',
): SimResponse | SyncRequest {
  if (!isRecord(body) || body.input === undefined || (Array.isArray(body.input) && body.input.length === 0))
    return ctx.env.code('701', 'input cannot be blank');
  if (!Array.isArray(body.input)) return ctx.env.code('1003', "Invalid data: 'input' must be an array");
  const action = body.action ?? 'createOrUpdate';
  const by = body[keyMember] ?? 'dedupeFields';
  if (typeof action !== 'string' || !ACTIONS.includes(action))
    return ctx.env.code('1003', `Invalid action '${textOf(action)}'`);
  if (typeof by !== 'string' || !KEY_MODES.includes(by))
    return ctx.env.code('1003', `Invalid ${keyMember} '${textOf(by)}'`);
  if (body.input.length > ctx.knobs.maxBatch)
    return ctx.env.code('1003', `Batch size ${body.input.length} exceeds the maximum of ${ctx.knobs.maxBatch}`);
  return { action: action as Action, by: by as KeyMode, input: body.input };
}

/** The key a record is matched by, as a string for duplicate detection; undefined when missing. */
export function keyOf(rec: unknown, by: KeyMode): string | undefined {
  if (!isRecord(rec)) return undefined;
  const v = by === 'idField' ? rec.id : rec.externalCompanyId;
  if (by === 'idField') return typeof v === 'number' && Number.isInteger(v) ? String(v) : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Which input positions repeat a key seen in the same call (1036). */
export function duplicatePositions(input: unknown[], by: KeyMode, policy: 'later' | 'all'): Set<number> {
  const first = new Map<string, number>();
  const dup = new Set<number>();
  input.forEach((rec, i) => {
    const k = keyOf(rec, by);
    if (k === undefined) return;
    const at = first.get(k);
    if (at === undefined) return void first.set(k, i);
    dup.add(i);
    if (policy === 'all') dup.add(at);
  });
  return dup;
}

/** The first field a batch names that the instance lacks (for the response-level 1006). */
export function firstUnknownField(ctx: MarketoContext, input: unknown[]): string | undefined {
  for (const rec of input) {
    if (!isRecord(rec)) continue;
    const unknown = Object.keys(rec).find((k) => !ctx.fields.get(k));
    if (unknown) return unknown;
  }
  return undefined;
}

const skipped = (seq: number, reasons: Reason[]) => ({ seq, status: 'skipped', reasons });

/** POST /rest/v1/companies.json: per-record results in input order. */
export function syncCompanies(ctx: MarketoContext, body: unknown): SimResponse {
  const req = parseBatch(ctx, body, 'dedupeBy');
  if ('status' in req) return req;
  const crm = crmRefusal(ctx, req.input.length);
  if (crm) return crm;
  if (ctx.knobs.unknownFieldError === 'response') {
    const unknown = firstUnknownField(ctx, req.input);
    if (unknown) return ctx.env.code('1006', `Field '${unknown}' not found`);
  }
  const dups = duplicatePositions(req.input, req.by, ctx.knobs.duplicateInput);
  const now = isoSeconds(ctx.nowMs());
  const result = req.input.map((rec, seq) =>
    dups.has(seq)
      ? skipped(seq, [reason('1036', 'Duplicate object found in input')])
      : syncOne(ctx, req, rec, seq, now),
  );
  return ctx.env.ok(result);
}

/** A CRM-enabled instance refuses company writes: the whole call, or every record (knob). */
export function crmRefusal(ctx: MarketoContext, records: number): SimResponse | undefined {
  if (!ctx.knobs.crmEnabled) return undefined;
  if (ctx.knobs.crmEnabledError === 'response') return ctx.env.code('1018', 'CRM Enabled');
  return ctx.env.ok(Array.from({ length: records }, (_, seq) => skipped(seq, [reason('1018', 'CRM Enabled')])));
}

function syncOne(
  ctx: MarketoContext,
  req: SyncRequest,
  rec: unknown,
  seq: number,
  now: string,
): Record<string, unknown> {
  if (!isRecord(rec)) return skipped(seq, [reason('1003', 'Invalid data')]);
  const keyName = req.by === 'idField' ? 'id' : 'externalCompanyId';
  const key = keyOf(rec, req.by);
  if (key === undefined) return skipped(seq, [reason('1002', `Missing value for required parameter '${keyName}'`)]);
  if (req.action === 'createOnly' && rec.id !== undefined) return skipped(seq, [reason('1003', 'Invalid data')]);
  const { values, reasons } = recordValues(ctx, rec, keyName);
  if (reasons.length) return skipped(seq, reasons);
  const existing = req.by === 'idField' ? ctx.companies.get(Number(key)) : ctx.companies.findByExternalId(key);
  if (existing) return updateExisting(ctx, req.action, existing, values, seq, now);
  if (req.action === 'updateOnly' || req.by === 'idField') return skipped(seq, [missing(ctx)]);
  const c = ctx.companies.create(key, values, now);
  return { seq, status: 'created', id: c.id };
}

function updateExisting(
  ctx: MarketoContext,
  action: Action,
  c: Company,
  values: Record<string, unknown>,
  seq: number,
  now: string,
): Record<string, unknown> {
  // createOnly on an existing company: 1017 "Object already exists" (the generic code; leads use 1005). UNCONFIRMED.
  if (action === 'createOnly') return skipped(seq, [reason('1017', 'Object already exists')]);
  ctx.companies.update(c, values, now);
  return { seq, status: 'updated', id: c.id };
}

export function missing(ctx: MarketoContext): Reason {
  return ctx.knobs.updateOnlyMissingCode === '1004'
    ? reason('1004', 'Lead not found')
    : reason('1013', 'Record not found');
}

/** The record's writable values, or the reasons it is refused (unknown fields, read-only fields, bad values). */
function recordValues(
  ctx: MarketoContext,
  rec: Record<string, unknown>,
  keyName: string,
): { values: Record<string, unknown>; reasons: Reason[] } {
  const values: Record<string, unknown> = {};
  const reasons: Reason[] = [];
  for (const [name, v] of Object.entries(rec)) {
    if (name === keyName) continue;
    const f = ctx.fields.get(name);
    if (!f) {
      if (ctx.knobs.unknownFieldError === 'record') reasons.push(reason('1006', `Field '${name}' not found`));
      continue;
    }
    // Writing a system field (createdAt, or externalCompanyId on an update by id): "Invalid data". UNCONFIRMED.
    if (!f.updateable) {
      reasons.push(reason('1003', `Invalid data: field '${name}' is not updateable`));
      continue;
    }
    const c = coerceValue(f, v, ctx.knobs.overlongStrings);
    if (c.ok) values[name] = c.value;
    else reasons.push(reason('1001', c.message));
  }
  return { values, reasons };
}

/** POST /rest/v1/companies/delete.json: `deleteBy` dedupeFields (default) or idField. */
export function deleteCompanies(ctx: MarketoContext, body: unknown): SimResponse {
  const req = parseBatch(ctx, body, 'deleteBy');
  if ('status' in req) return req;
  const crm = crmRefusal(ctx, req.input.length);
  if (crm) return crm;
  const result = req.input.map((rec, seq) => {
    const key = keyOf(rec, req.by);
    const c =
      key === undefined
        ? undefined
        : req.by === 'idField'
          ? ctx.companies.get(Number(key))
          : ctx.companies.findByExternalId(key);
    if (!c) return skipped(seq, [reason('1013', 'Record not found')]);
    ctx.companies.delete(c);
    return { seq, id: c.id, status: 'deleted' };
  });
  return ctx.env.ok(result);
}
