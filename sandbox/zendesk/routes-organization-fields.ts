import type { Router } from '../framework/router.js';
import { isRecord, type SimRequest } from '../framework/types.js';
import type { ZendeskContext } from './context.js';
import { recordInvalid, recordNotFound } from './errors.js';
import { renderField } from './org-fields.js';
import { paginate } from './pagination.js';

function fieldId(req: SimRequest): number {
  return /^\d+$/.test(req.params.id) ? Number(req.params.id) : -1;
}

function root(req: SimRequest): unknown {
  return isRecord(req.body) ? req.body.organization_field : undefined;
}

export function registerOrganizationFieldRoutes(r: Router, ctx: ZendeskContext): void {
  const render = (f: Parameters<typeof renderField>[0]) => renderField(f, ctx.origin());

  r.get('/api/v2/organization_fields', (req) =>
    paginate(
      req,
      [...ctx.fields.list()].sort((a, b) => a.id - b.id),
      {
        key: 'organization_fields',
        url: `${ctx.origin()}/api/v2/organization_fields.json`,
        offsetLimit: ctx.knobs.offsetPaginationLimit,
        render,
      },
    ),
  );

  r.post('/api/v2/organization_fields', (req) => {
    const res = ctx.fields.create(root(req), ctx.nowMs());
    if ('errors' in res) return recordInvalid(res.errors);
    return {
      status: 201,
      body: { organization_field: render(res.field) },
      headers: { Location: `${ctx.origin()}/api/v2/organization_fields/${res.field.id}.json` },
    };
  });

  r.get('/api/v2/organization_fields/{id}', (req) => {
    const f = ctx.fields.get(fieldId(req));
    return f ? { status: 200, body: { organization_field: render(f) } } : recordNotFound();
  });

  r.put('/api/v2/organization_fields/{id}', (req) => {
    const res = ctx.fields.update(fieldId(req), root(req), ctx.nowMs());
    if (res === null) return recordNotFound();
    if ('errors' in res) return recordInvalid(res.errors);
    // Options left out are removed, and so are organization values that used them (documented).
    if (res.removedOptions.length > 0) ctx.orgs.dropFieldValues(res.field.key, res.removedOptions);
    return { status: 200, body: { organization_field: render(res.field) } };
  });

  r.delete('/api/v2/organization_fields/{id}', (req) => {
    const f = ctx.fields.delete(fieldId(req));
    if (!f) return recordNotFound();
    ctx.orgs.dropFieldValues(f.key);
    return { status: 204 };
  });
}
