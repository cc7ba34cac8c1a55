import type { Router } from '../framework/router.js';
import { isRecord, type SimRequest } from '../framework/types.js';
import { startJob } from './bulk.js';
import type { ZendeskContext } from './context.js';
import { badRequest, forbidden, recordInvalid, recordNotFound } from './errors.js';
import { paginate } from './pagination.js';
import { renderIdentity, type User } from './users.js';

function userOf(ctx: ZendeskContext, req: SimRequest, param = 'id'): User | undefined {
  const v = req.params[param];
  return /^\d+$/.test(v) ? ctx.users.get(Number(v)) : undefined;
}

export function registerUserRoutes(r: Router, ctx: ZendeskContext): void {
  const orgExists = (id: number) => ctx.orgs.get(id) !== undefined;
  const location = (u: User) => ({ Location: `${ctx.origin()}/api/v2/users/${u.id}.json` });

  r.get('/api/v2/users', (req) =>
    paginate(req, ctx.users.list(), {
      key: 'users',
      url: `${ctx.origin()}/api/v2/users.json`,
      offsetLimit: ctx.knobs.offsetPaginationLimit,
      render: ctx.renderUser,
    }),
  );

  r.post('/api/v2/users/create_or_update', (req) => {
    const input = isRecord(req.body) ? req.body.user : undefined;
    const res = ctx.users.upsert(input, ctx.nowMs(), orgExists);
    if (!res.ok) return recordInvalid(res.details);
    return { status: res.created ? 201 : 200, body: { user: ctx.renderUser(res.user) }, headers: location(res.user) };
  });

  r.post('/api/v2/users/create_or_update_many', (req) => {
    // Bulk user imports are off until Zendesk Support enables them for the account.
    if (!ctx.knobs.bulkUserImport)
      return forbidden(
        'Bulk user import is not enabled for this account. Contact Zendesk Customer Support to enable it.',
      );
    const items = isRecord(req.body) ? req.body.users : undefined;
    if (!Array.isArray(items)) return badRequest('InvalidValue', 'users must be an array');
    return startJob(
      ctx,
      { kind: 'users.create_or_update_many', items },
      'bulk_create_or_update_users',
      items.length,
      'users',
    );
  });

  r.get('/api/v2/users/search', (req) => {
    const { external_id: ext, query } = req.query;
    let found: User[];
    if (ext) found = [ctx.users.findByExternalId(ext)].filter((u): u is User => u !== undefined);
    else if (query) found = ctx.users.search(query);
    else return badRequest('InvalidValue', 'query or external_id is required');
    return {
      status: 200,
      body: { users: found.map(ctx.renderUser), next_page: null, previous_page: null, count: found.length },
    };
  });

  r.get('/api/v2/users/{id}', (req) => {
    const u = userOf(ctx, req);
    return u ? { status: 200, body: { user: ctx.renderUser(u) } } : recordNotFound();
  });

  r.get('/api/v2/users/{id}/identities', (req) => {
    const u = userOf(ctx, req);
    if (!u) return recordNotFound();
    const list = u.identities.map((i) => renderIdentity(i, u.id, ctx.origin()));
    return { status: 200, body: { identities: list, next_page: null, previous_page: null, count: list.length } };
  });

  r.post('/api/v2/users/{id}/identities', (req) => {
    const u = userOf(ctx, req);
    if (!u) return recordNotFound();
    const res = ctx.users.addIdentity(u, isRecord(req.body) ? req.body.identity : undefined, ctx.nowMs());
    if ('details' in res) return recordInvalid(res.details);
    return {
      status: 201,
      body: { identity: renderIdentity(res.identity, u.id, ctx.origin()) },
      headers: { Location: `${ctx.origin()}/api/v2/users/${u.id}/identities/${res.identity.id}.json` },
    };
  });

  r.put('/api/v2/users/{id}/identities/{identityId}/make_primary', (req) => {
    const u = userOf(ctx, req);
    const iid = /^\d+$/.test(req.params.identityId) ? Number(req.params.identityId) : -1;
    const list = u ? ctx.users.makePrimary(u, iid, ctx.nowMs()) : null;
    if (!u || !list) return recordNotFound();
    return { status: 200, body: { identities: list.map((i) => renderIdentity(i, u.id, ctx.origin())) } };
  });
}
