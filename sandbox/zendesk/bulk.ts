import { isRecord, type SimResponse } from '../framework/types.js';
import type { ZendeskContext } from './context.js';
import { MAX_BULK } from './context.js';
import { badRequest, type ErrorDetails } from './errors.js';
import { renderJob, type JobOp, type JobResult } from './jobs.js';
import type { Org } from './organizations.js';

function describe(details: ErrorDetails): string {
  return Object.values(details)
    .flat()
    .map((d) => d.description)
    .join('; ');
}

function failed(
  index: number,
  action: 'create' | 'update' | 'delete',
  error: string,
  details: string,
  id?: number,
): JobResult {
  return { index, ...(id !== undefined ? { id } : {}), action, error, details, status: 'Failed', success: false };
}

function ok(index: number, id: number, action: 'create' | 'update' | 'delete'): JobResult {
  return {
    index,
    id,
    action,
    status: action === 'create' ? 'Created' : action === 'update' ? 'Updated' : 'Deleted',
    success: true,
  };
}

function findOrg(ctx: ZendeskContext, by: 'ids' | 'external_ids', key: string): Org | undefined {
  return by === 'ids' ? ctx.orgs.get(Number(key)) : ctx.orgs.findByExternalId(key);
}

/**
 * Applies a job's writes. Per-item validation failures (duplicate name, unknown id)
 * become Failed rows; they never fail the job.
 */
export function executeJob(ctx: ZendeskContext, op: JobOp, nowMs: number): JobResult[] {
  switch (op.kind) {
    case 'organizations.create_many':
      return op.items.map((item, index) => {
        const r = ctx.orgs.create(item, nowMs);
        return r.ok ? ok(index, r.org.id, 'create') : failed(index, 'create', 'RecordInvalid', describe(r.details));
      });
    case 'organizations.update_many':
      return op.items.map((item, index) => {
        const rec = isRecord(item) ? item : {};
        const org =
          typeof rec.id === 'number'
            ? ctx.orgs.get(rec.id)
            : typeof rec.external_id === 'string'
              ? ctx.orgs.findByExternalId(rec.external_id)
              : undefined;
        if (!org)
          return failed(
            index,
            'update',
            'RecordNotFound',
            'Not found',
            typeof rec.id === 'number' ? rec.id : undefined,
          );
        const { id: _id, ...patch } = rec;
        const r = ctx.orgs.update(org, patch, nowMs);
        return r.ok
          ? ok(index, org.id, 'update')
          : failed(index, 'update', 'RecordInvalid', describe(r.details), org.id);
      });
    case 'organizations.bulk_update':
      return op.keys.map((key, index) => {
        const org = findOrg(ctx, op.by, key);
        if (!org)
          return failed(index, 'update', 'RecordNotFound', 'Not found', op.by === 'ids' ? Number(key) : undefined);
        const r = ctx.orgs.update(org, op.patch, nowMs);
        return r.ok
          ? ok(index, org.id, 'update')
          : failed(index, 'update', 'RecordInvalid', describe(r.details), org.id);
      });
    case 'organizations.destroy_many':
      return op.keys.map((key, index) => {
        const org = findOrg(ctx, op.by, key);
        if (!org)
          return failed(index, 'delete', 'RecordNotFound', 'Not found', op.by === 'ids' ? Number(key) : undefined);
        ctx.orgs.delete(org.id);
        return ok(index, org.id, 'delete');
      });
    case 'users.create_or_update_many':
      return op.items.map((item, index) => {
        const r = ctx.users.upsert(item, nowMs, (id) => ctx.orgs.get(id) !== undefined);
        return r.ok
          ? ok(index, r.user.id, r.created ? 'create' : 'update')
          : failed(index, 'create', 'RecordInvalid', describe(r.details));
      });
  }
}

/** Validates the item count, enqueues, and answers with the queued job_status. */
export function startJob(ctx: ZendeskContext, op: JobOp, jobType: string, total: number, noun: string): SimResponse {
  if (total === 0) return badRequest('InvalidValue', `No ${noun} given`);
  if (total > MAX_BULK)
    return badRequest('InvalidValue', `Too many ${noun}: ${total} given, the maximum per request is ${MAX_BULK}`);
  const job = ctx.jobs.enqueue(op, jobType, total, ctx.nowMs());
  if (!job) {
    // Job-limit body UNCONFIRMED; no Retry-After because jobs finish when polled, not with time.
    return {
      status: 429,
      body: {
        error: 'TooManyJobs',
        description: `The account already has ${ctx.knobs.maxActiveJobs} queued or running jobs. Wait for some to complete.`,
      },
    };
  }
  return { status: 200, body: { job_status: renderJob(job, ctx.origin(), ctx.knobs.jobResultShape) } };
}
