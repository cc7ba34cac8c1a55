import { listParam } from '../framework/query.js';
import type { Router } from '../framework/router.js';
import type { ZendeskContext } from './context.js';
import { badRequest, recordNotFound } from './errors.js';
import { renderJob, type Job } from './jobs.js';

export function registerJobRoutes(r: Router, ctx: ZendeskContext): void {
  const render = (j: Job) => renderJob(j, ctx.origin(), ctx.knobs.jobResultShape);

  r.get('/api/v2/job_statuses', () => ({
    status: 200,
    body: {
      job_statuses: ctx.jobs.list().map(render),
      next_page: null,
      previous_page: null,
      count: ctx.jobs.list().length,
    },
  }));

  // Every read of a job counts as a poll, here too.
  r.get('/api/v2/job_statuses/show_many', (req) => {
    const ids = listParam(req.query.ids);
    if (ids.length === 0) return badRequest('InvalidValue', 'ids is required');
    if (ids.length > 100) return badRequest('InvalidValue', `Too many ids: ${ids.length} given, the maximum is 100`);
    const jobs = ids.map((id) => ctx.jobs.poll(id, ctx.nowMs())).filter((j): j is Job => j !== undefined);
    return { status: 200, body: { job_statuses: jobs.map(render) } };
  });

  r.get('/api/v2/job_statuses/{id}', (req) => {
    const j = ctx.jobs.poll(req.params.id, ctx.nowMs());
    return j ? { status: 200, body: { job_status: render(j) } } : recordNotFound();
  });
}
