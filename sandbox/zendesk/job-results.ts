import type { JobResult } from './jobs.js';

export type JobResultShape = 'spec' | 'all_fields';

/**
 * The rows of a completed job as Zendesk's OpenAPI (zendesk-openapi.yaml, JobStatusResultObject)
 * defines them; jobs keep the all-fields row internally and are rendered at read time, so the
 * knob also applies to jobs that completed before it changed.
 *
 * - CreateResourceResult: `{id, index}`, both required, nothing else (no status, no success).
 * - UpdateResourceResult: `{action, id, status, success}`, no index; the docs' completed example
 *   (targets.md 1.4) shows exactly that, and the bulk-delete example uses it for deletes too.
 * - FailedResult: `{action, id, error, details, success: false}`. No schema or example shows an
 *   index on a failure, and `status` would make the row match UpdateResourceResult as well
 *   (the oneOf would then fail), so neither is sent when the failed record has an id. A failed
 *   create (or an update of an unknown external_id) has no id to give; the schema still requires
 *   one, and a row with neither could not be tied to a record, so such a row carries the
 *   record's `index` instead, as targets.md 1.4 reads it ("expect index instead").
 */
export function renderResult(r: JobResult, shape: JobResultShape): Record<string, unknown> {
  if (shape === 'all_fields') return { ...r };
  if (!r.success) {
    const where = r.id !== undefined ? { id: r.id } : { index: r.index };
    return { action: r.action, ...where, error: r.error, details: r.details, success: false };
  }
  if (r.action === 'create') return { id: r.id, index: r.index };
  return { action: r.action, id: r.id, status: r.status, success: true };
}
