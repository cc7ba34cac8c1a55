import type { Router } from '../framework/router.js';
import { json } from '../framework/types.js';
import { ACTIVITY_TYPES, PIPELINES, STAGES } from './catalog.js';
import type { PipedriveContext } from './context.js';
import { notFound, ok } from './errors.js';
import { pathId, v1, v2 } from './handlers.js';
import { cursorPage, v2Limit } from './paging.js';
import { v1Routes } from './routes-fields.js';
import { renderWebhook, type WebhookStore } from './webhooks.js';

/** v1-only endpoints besides notes and fields: the current user, activity types, webhooks. */
export function registerV1MiscRoutes(api: Router, ctx: PipedriveContext, hooks: WebhookStore): void {
  const a = ctx.account;
  v1Routes(
    api,
    'get',
    '/users/me',
    v1(() =>
      ok({
        id: a.userId,
        name: a.userName,
        email: a.userEmail,
        company_id: a.companyId,
        company_name: a.companyName,
        company_domain: a.companyDomain,
        is_admin: 1,
        active_flag: true,
        default_currency: 'EUR',
        locale: 'en_US',
        timezone_name: 'Europe/Helsinki',
      }),
    ),
  );
  v1Routes(
    api,
    'get',
    '/activityTypes',
    v1(() => ok(ACTIVITY_TYPES)),
  );
  registerWebhookRoutes(api, ctx, hooks);
}

/** `/v1/webhooks`: v1-only; answers carry `status: 'ok'` beside `success`. */
function registerWebhookRoutes(api: Router, ctx: PipedriveContext, hooks: WebhookStore): void {
  const a = ctx.account;
  v1Routes(
    api,
    'get',
    '/webhooks',
    v1(() => json(200, { status: 'ok', success: true, data: hooks.list().map((w) => renderWebhook(w, a)) })),
  );
  v1Routes(
    api,
    'post',
    '/webhooks',
    v1((req) => {
      const k = ctx.knobs;
      const o = {
        userId: a.userId,
        nowMs: ctx.nowMs(),
        max: k.maxWebhooks,
        httpsOnly: k.webhookHttpsOnly,
        lastSeq: ctx.events.lastSeq,
      };
      const w = hooks.add(req.body, o);
      return json(201, { status: 'ok', success: true, data: renderWebhook(w, a) });
    }),
  );
  v1Routes(
    api,
    'delete',
    '/webhooks/{id}',
    v1((req) => {
      const id = pathId(req.params.id);
      return id !== undefined && hooks.remove(id) ? json(200, { status: 'ok', success: true }) : notFound('Webhook');
    }),
  );
}

/** v2 pipelines and stages: a fresh company's one pipeline, read only. */
export function registerCatalogRoutes(api: Router): void {
  api.get(
    '/api/v2/pipelines',
    v2((req) => {
      const page = cursorPage(
        PIPELINES,
        (p) => [p.id, p.id] as const,
        false,
        req.query.cursor,
        v2Limit(req.query.limit),
      );
      return ok(page.items, { next_cursor: page.next_cursor });
    }),
  );
  api.get(
    '/api/v2/stages',
    v2((req) => {
      const stages = STAGES.filter(
        (s) => req.query.pipeline_id === undefined || String(s.pipeline_id) === req.query.pipeline_id,
      );
      const page = cursorPage(stages, (s) => [s.id, s.id] as const, false, req.query.cursor, v2Limit(req.query.limit));
      return ok(page.items, { next_cursor: page.next_cursor });
    }),
  );
  api.get(
    '/api/v2/stages/{id}',
    v2((req) => {
      const s = STAGES.find((x) => x.id === pathId(req.params.id));
      return s ? ok(s) : notFound('Stage');
    }),
  );
}
