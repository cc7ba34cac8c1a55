import { listParam } from '../framework/query.js';
import type { Router } from '../framework/router.js';
import { isRecord, type SimRequest, type SimResponse } from '../framework/types.js';
import { startJob } from './bulk.js';
import { MAX_BULK, type ZendeskContext } from './context.js';
import { badRequest, recordInvalid, recordNotFound } from './errors.js';
import { isoSeconds } from './org-fields.js';
import type { Org } from './organizations.js';
import { paginate } from './pagination.js';

function orgId(req: SimRequest): number | null {
  return /^\d+$/.test(req.params.id) ? Number(req.params.id) : null;
}

function root(req: SimRequest, key: string): unknown {
  return isRecord(req.body) ? req.body[key] : undefined;
}

/** `?ids=` or `?external_ids=`, exactly one of them. */
function idSelection(req: SimRequest): { by: 'ids' | 'external_ids'; keys: string[] } | SimResponse {
  const ids = listParam(req.query.ids);
  const ext = listParam(req.query.external_ids);
  if (ids.length > 0 && ext.length > 0) return badRequest('InvalidValue', 'Use either ids or external_ids, not both');
  if (ids.length === 0 && ext.length === 0) return badRequest('InvalidValue', 'ids or external_ids is required');
  if (ids.some((i) => !/^\d+$/.test(i))) return badRequest('InvalidValue', 'ids must be numeric');
  return ids.length > 0 ? { by: 'ids', keys: ids } : { by: 'external_ids', keys: ext };
}

export function registerOrganizationRoutes(r: Router, ctx: ZendeskContext): void {
  const one = (o: Org, status = 200, extra?: Record<string, string>): SimResponse => ({
    status,
    body: { organization: ctx.renderOrg(o) },
    headers: extra,
  });
  const location = (o: Org) => ({ Location: `${ctx.origin()}/api/v2/organizations/${o.id}.json` });

  r.get('/api/v2/organizations', (req) =>
    paginate(req, ctx.orgs.list(), {
      key: 'organizations',
      url: `${ctx.origin()}/api/v2/organizations.json`,
      offsetLimit: ctx.knobs.offsetPaginationLimit,
      render: ctx.renderOrg,
    }),
  );

  r.get('/api/v2/organizations/count', () => ({
    status: 200,
    body: { count: { value: ctx.orgs.count, refreshed_at: isoSeconds(ctx.nowMs()) } },
  }));

  r.get('/api/v2/organizations/show_many', (req) => {
    const sel = idSelection(req);
    if ('status' in sel) return sel;
    if (sel.keys.length > MAX_BULK)
      return badRequest('InvalidValue', `Too many ${sel.by}: ${sel.keys.length} given, the maximum is ${MAX_BULK}`);
    const found = sel.keys
      .map((k) => (sel.by === 'ids' ? ctx.orgs.get(Number(k)) : ctx.orgs.findByExternalId(k)))
      .filter((o): o is Org => o !== undefined);
    return {
      status: 200,
      body: {
        organizations: [...new Set(found)].map(ctx.renderOrg),
        next_page: null,
        previous_page: null,
        count: found.length,
      },
    };
  });

  r.get('/api/v2/organizations/search', (req) => {
    const { external_id: ext, name } = req.query;
    if (ext !== undefined && name !== undefined)
      return badRequest('InvalidValue', 'Search by external_id or name, not both');
    // Exact, case-insensitive match on either key.
    let hit: Org | undefined;
    if (ext) hit = ctx.orgs.findByExternalId(ext);
    else if (name) hit = ctx.orgs.list().find((o) => o.name.toLowerCase() === name.trim().toLowerCase());
    else return badRequest('InvalidValue', 'external_id or name is required');
    const list = hit ? [hit] : [];
    return {
      status: 200,
      body: { organizations: list.map(ctx.renderOrg), next_page: null, previous_page: null, count: list.length },
    };
  });

  r.post('/api/v2/organizations', (req) => {
    const res = ctx.orgs.create(root(req, 'organization'), ctx.nowMs());
    return res.ok ? one(res.org, 201, location(res.org)) : recordInvalid(res.details);
  });

  r.post('/api/v2/organizations/create_or_update', (req) => {
    const res = ctx.orgs.upsert(root(req, 'organization'), ctx.nowMs());
    if (!res.ok) return recordInvalid(res.details);
    return res.created ? one(res.org, 201, location(res.org)) : one(res.org, 200, location(res.org));
  });

  r.post('/api/v2/organizations/create_many', (req) => {
    const items = root(req, 'organizations');
    if (!Array.isArray(items)) return badRequest('InvalidValue', 'organizations must be an array');
    return startJob(
      ctx,
      { kind: 'organizations.create_many', items },
      'bulk_create_organizations',
      items.length,
      'organizations',
    );
  });

  r.put('/api/v2/organizations/update_many', (req) => {
    const batch = root(req, 'organizations');
    if (Array.isArray(batch)) {
      if (batch.some((o) => !isRecord(o) || (typeof o.id !== 'number' && typeof o.external_id !== 'string'))) {
        return badRequest('InvalidValue', 'every organization in a batch update needs an id (or external_id)');
      }
      return startJob(
        ctx,
        { kind: 'organizations.update_many', items: batch },
        'bulk_update_organizations',
        batch.length,
        'organizations',
      );
    }
    const patch = root(req, 'organization');
    if (!isRecord(patch))
      return badRequest(
        'InvalidValue',
        'Send {"organizations":[...]} (batch) or ?ids=/?external_ids= with {"organization":{...}} (bulk)',
      );
    const sel = idSelection(req);
    if ('status' in sel) return sel;
    return startJob(
      ctx,
      { kind: 'organizations.bulk_update', by: sel.by, keys: sel.keys, patch },
      'bulk_update_organizations',
      sel.keys.length,
      'organizations',
    );
  });

  r.delete('/api/v2/organizations/destroy_many', (req) => {
    const sel = idSelection(req);
    if ('status' in sel) return sel;
    return startJob(
      ctx,
      { kind: 'organizations.destroy_many', by: sel.by, keys: sel.keys },
      'bulk_delete_organizations',
      sel.keys.length,
      'organizations',
    );
  });

  r.get('/api/v2/organizations/{id}', (req) => {
    const id = orgId(req);
    const o = id === null ? undefined : ctx.orgs.get(id);
    return o ? one(o) : recordNotFound();
  });

  r.put('/api/v2/organizations/{id}', (req) => {
    const id = orgId(req);
    const o = id === null ? undefined : ctx.orgs.get(id);
    if (!o) return recordNotFound();
    const res = ctx.orgs.update(o, root(req, 'organization'), ctx.nowMs());
    return res.ok ? one(res.org) : recordInvalid(res.details);
  });

  r.delete('/api/v2/organizations/{id}', (req) => {
    const id = orgId(req);
    return id !== null && ctx.orgs.delete(id) ? { status: 204 } : recordNotFound();
  });
}
