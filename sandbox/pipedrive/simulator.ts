import { systemClock, type Clock } from '../framework/clock.js';
import { KnobError, KnobSet } from '../framework/knobs.js';
import { requestOrigin } from '../framework/origin.js';
import { Prng } from '../framework/prng.js';
import {
  AdminError,
  BaseSimulator,
  splitFaultKnobs,
  type ConnectionProfile,
  type ExpireTokensOptions,
} from '../framework/simulator.js';
import { textOf, type SimRequest } from '../framework/types.js';
import { registerPipedriveAdmin } from './admin-routes.js';
import { credentialsFromSeed, PipedriveAuth, type Caller } from './auth.js';
import { ENTITY_NAMES, type Account, type EntityName, type PipedriveContext, type WrittenIds } from './context.js';
import { ENTITY_SPECS } from './entities.js';
import { renderEntity, updateEntity } from './entity-writes.js';
import { EventLog, type ChangeEvent } from './events.js';
import { pipedriveErrorBodies } from './errors.js';
import { FieldStore, newFieldV2, renderFieldV2, type FieldEntity } from './fields.js';
import { PIPEDRIVE_KNOBS } from './knobs.js';
import { dailyBudget, DailyBudget } from './limits.js';
import { newUsage, rateLimits, requireAuth, type Usage } from './middleware.js';
import { NoteStore, renderNote } from './notes.js';
import { RecordStore } from './records.js';
import { registerEntityRoutes } from './routes-entities.js';
import { registerFieldRoutesV1, registerFieldRoutesV2 } from './routes-fields.js';
import { registerCatalogRoutes, registerV1MiscRoutes } from './routes-misc.js';
import { noteLinks, registerNoteRoutes } from './routes-notes.js';
import { registerSearchRoutes } from './search.js';
import { isPipedriveSnapshot, type PipedriveSnapshot } from './snapshot.js';
import {
  postWebhook,
  renderWebhook,
  subscribes,
  WebhookStore,
  webhookPayload,
  type WebhookDelivery,
} from './webhooks.js';

export interface PipedriveSimulatorOptions {
  seed?: number;
  clock?: Clock;
  /** Runtime knobs (knobs.ts); fault knobs are accepted too. */
  knobs?: Record<string, unknown>;
  faults?: Record<string, unknown>;
  snapshot?: unknown;
}

export interface PipedriveCredentialsView {
  api_token: string;
  client_id: string;
  client_secret: string;
  company_domain: string;
  /** A valid refresh token (also in the connection profile). */
  refresh_token: string;
  /** A fresh single-use authorization code. */
  authorization_code: string;
  /** The Basic credentials the sandbox's webhook deliveries carry unless a registration names others. */
  webhook_user: string;
  webhook_password: string;
}

export interface PipedriveUsage {
  dailyBudget: number;
  budgetUsed: number;
  budgetRemaining: number;
  /** When the budget resets (midnight at the reset offset), ISO. */
  budgetResetsAt: string;
  tokensSpent: number;
  tokensByClass: Record<string, number>;
  /** 429s by cause, and Cloudflare 403s. */
  refused: Usage['refused'];
}

/** Pipedrive simulator: v2 entities and search, v1 notes/fields/webhooks, token budget, OAuth and API token. */
export class PipedriveSimulator extends BaseSimulator<'pipedrive'> {
  readonly name = 'pipedrive' as const;
  readonly auth: PipedriveAuth;
  readonly hooks: WebhookStore;
  private readonly knobSet: KnobSet<typeof PIPEDRIVE_KNOBS>;
  private readonly ctx: PipedriveContext;
  private readonly usage: Usage;
  private profileRefreshToken: string;
  private readonly webhookSecret: { user: string; password: string };
  private adhocSeq = 1_000_000_000;

  constructor(opts: PipedriveSimulatorOptions = {}) {
    const seed = opts.seed ?? 1;
    const clock = opts.clock ?? systemClock;
    const [faultKnobs, runtime] = splitFaultKnobs(opts.knobs);
    super({ seed, clock, errors: pipedriveErrorBodies, faults: { ...faultKnobs, ...opts.faults } });
    this.knobSet = new KnobSet(PIPEDRIVE_KNOBS, runtime);
    if (opts.snapshot !== undefined && !isPipedriveSnapshot(opts.snapshot)) {
      throw new KnobError('snapshot is not a Pipedrive simulator snapshot (format mlc-sandbox/pipedrive, version 1)');
    }
    const s = opts.snapshot ? structuredClone(opts.snapshot) : undefined;
    const now = clock().getTime();
    this.auth = new PipedriveAuth(s?.auth.credentials ?? credentialsFromSeed(seed), s?.auth);
    this.hooks = new WebhookStore(s?.webhooks);
    this.usage = newUsage(new DailyBudget(s?.budget));
    const rng = new Prng(seed ^ 0x3e6b_4001);
    this.webhookSecret = { user: 'pipedrive-webhook', password: rng.hex(24) };
    this.ctx = this.context(s, seed, now);
    const k = this.knobSet.values;
    const kept = s?.profileRefreshToken;
    this.profileRefreshToken =
      kept && this.auth.refreshTokenValid(kept, now, k.refreshTokenIdleDays) ? kept : this.auth.issueRefreshToken(now);
    this.registerRoutes();
  }

  private context(s: PipedriveSnapshot | undefined, seed: number, now: number): PipedriveContext {
    const c = this.auth.credentials;
    const account: Account = {
      companyId: c.company_id,
      companyName: 'Sandbox Oy',
      companyDomain: c.company_domain,
      userId: c.user_id,
      userName: 'Integration User',
      userEmail: 'integration@sandbox.example',
    };
    const stores = Object.fromEntries(
      ENTITY_NAMES.map((e) => [e, new RecordStore(s?.records[e])]),
    ) as PipedriveContext['stores'];
    const written = Object.fromEntries([...ENTITY_NAMES, 'notes'].map((e) => [e, new Set<number>()])) as WrittenIds;
    return {
      knobs: this.knobSet.values,
      nowMs: () => this.clock().getTime(),
      account,
      fields: new FieldStore(seed, now, s?.fields),
      stores,
      notes: new NoteStore(s?.notes),
      events: new EventLog(s?.events),
      written,
    };
  }

  /** Auth, then the rate limits; OAuth at /oauth/token (oauth.pipedrive.com in real life). */
  private registerRoutes(): void {
    const callers = new WeakMap<SimRequest, Caller>();
    this.server.use(requireAuth(this.ctx, this.auth, callers)).use(rateLimits(this.ctx, this.usage, callers));
    const k = this.knobSet.values;
    this.server.api.post('/oauth/token', (req) => this.auth.grant(req, this.ctx.nowMs(), k, this.origin()));
    this.server.api.post('/oauth/revoke', (req) => this.auth.revoke(req));
    registerEntityRoutes(this.server.api, this.ctx);
    registerSearchRoutes(this.server.api, this.ctx);
    registerFieldRoutesV2(this.server.api, this.ctx);
    registerFieldRoutesV1(this.server.api, this.ctx);
    registerNoteRoutes(this.server.api, this.ctx);
    registerV1MiscRoutes(this.server.api, this.ctx, this.hooks);
    registerCatalogRoutes(this.server.api);
    registerPipedriveAdmin(this);
  }

  /** The origin a request came in on: OAuth's `api_domain` (https://acme.pipedrive.com in real life). */
  private origin(): string {
    return requestOrigin() ?? (this.server.started ? this.url : 'http://127.0.0.1');
  }

  get connection(): ConnectionProfile {
    const c = this.auth.credentials;
    return {
      connector: 'pipedrive',
      base_url: `${this.url}/api/v2`,
      token_url: `${this.url}/oauth/token`,
      values: {
        company_domain: c.company_domain,
        api_token: c.api_token,
        client_id: c.client_id,
        client_secret: c.client_secret,
        refresh_token: this.profileRefreshToken,
        webhook_user: this.webhookSecret.user,
        webhook_password: this.webhookSecret.password,
      },
    };
  }

  credentials(): PipedriveCredentialsView {
    const c = this.auth.credentials;
    return {
      api_token: c.api_token,
      client_id: c.client_id,
      client_secret: c.client_secret,
      company_domain: c.company_domain,
      refresh_token: this.profileRefreshToken,
      authorization_code: this.issueAuthorizationCode(),
      webhook_user: this.webhookSecret.user,
      webhook_password: this.webhookSecret.password,
    };
  }

  issueAuthorizationCode(): string {
    return this.auth.issueCode(this.clock().getTime(), this.knobSet.values.authCodeTtlSec);
  }

  expireTokens(opts: ExpireTokensOptions = {}): void {
    this.auth.expire(opts.includeRefresh === true);
  }

  setKnobs(partial: Record<string, unknown>): void {
    this.knobSet.set(this.takeFaultKnobs(partial));
  }

  knobs(): Record<string, unknown> {
    return this.knobSet.toJSON();
  }

  // --- limits ---

  usageView(): PipedriveUsage {
    const now = this.clock().getTime();
    const k = this.knobSet.values;
    const budget = dailyBudget(k);
    const used = this.usage.budget.used(now, k.budgetResetUtcOffsetMin);
    return {
      dailyBudget: budget,
      budgetUsed: used,
      budgetRemaining: Math.max(0, budget - used),
      budgetResetsAt: new Date(DailyBudget.resetAt(now, k.budgetResetUtcOffsetMin)).toISOString(),
      tokensSpent: this.usage.tokensSpent,
      tokensByClass: { ...this.usage.tokensByClass },
      refused: { ...this.usage.refused },
    };
  }

  /** Sets today's spent tokens: the whole budget makes the next request a daily-budget 429. */
  setBudgetUsed(used: unknown): void {
    if (typeof used !== 'number' || !Number.isInteger(used) || used < 0)
      throw new KnobError('used must be a non-negative integer');
    this.usage.budget.set(used, this.clock().getTime(), this.knobSet.values.budgetResetUtcOffsetMin);
  }

  /** A new day and quiet windows: the budget is whole again and no token is limited. */
  resetLimits(): void {
    this.usage.burst.reset();
    this.usage.search.reset();
    this.usage.strikes.clear();
    this.setBudgetUsed(0);
  }

  // --- in-process views (wire shapes) ---

  records(entity: EntityName): Record<string, unknown>[] {
    const spec = ENTITY_SPECS[entity];
    return this.ctx.stores[entity].list().map((r) => renderEntity(this.ctx, spec, r));
  }

  record(entity: EntityName, id: number): Record<string, unknown> | undefined {
    const r = this.ctx.stores[entity].get(id);
    return r && renderEntity(this.ctx, ENTITY_SPECS[entity], r);
  }

  notesView(): Record<string, unknown>[] {
    return this.ctx.notes.list().map((n) => renderNote(n, noteLinks(this.ctx), this.ctx.account));
  }

  /** Target ids written through the API since this simulator started (a sandbox run), per entity. */
  written(): Record<EntityName | 'notes', number[]> {
    const w = this.ctx.written;
    return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, [...v]])) as Record<EntityName | 'notes', number[]>;
  }

  fieldDefinitions(entity: FieldEntity): Record<string, unknown>[] {
    return this.ctx.fields.list(entity).map(renderFieldV2);
  }

  /** A custom field made by an admin in the web app (v2 body: field_name, field_type, options). */
  addField(entity: FieldEntity, body: unknown): Record<string, unknown> {
    const def = this.ctx.fields.create(
      entity,
      newFieldV2(body),
      this.clock().getTime(),
      this.knobSet.values.duplicateFieldNames,
    );
    return renderFieldV2(def);
  }

  /** A change a user makes in the web app (v2 body, validated as v2 validates). */
  changeAsUser(entity: EntityName, id: number, body: unknown): Record<string, unknown> {
    const spec = ENTITY_SPECS[entity];
    const r = this.ctx.stores[entity].get(id);
    if (!r) throw new AdminError(`no ${entity} ${id}`, 404);
    return renderEntity(this.ctx, spec, updateEntity(this.ctx, spec, r, body, 'app'));
  }

  // --- webhooks ---

  webhooks(): Record<string, unknown> {
    const hooks = this.hooks.list();
    const pending = (seq: number) => this.ctx.events.after(seq).length;
    return {
      webhooks: hooks.map((w) => ({ ...renderWebhook(w, this.ctx.account), pending: pending(w.deliveredSeq) })),
    };
  }

  /** Delivers every change since each webhook's last delivery that it subscribes to, oldest first. */
  async flushWebhooks(): Promise<WebhookDelivery[]> {
    const out: WebhookDelivery[] = [];
    for (const w of this.hooks.list()) {
      for (const e of this.ctx.events.after(w.deliveredSeq)) {
        w.deliveredSeq = e.seq;
        if (!subscribes(w, e)) continue;
        const payload = webhookPayload(w, e, this.ctx.account, this.host());
        const r = await postWebhook(w.subscription_url, payload, w.http_auth_user, w.http_auth_password);
        w.lastDeliveryMs = this.clock().getTime();
        w.lastHttpStatus = r.status;
        out.push({ webhook_id: w.id, event: e.seq, url: w.subscription_url, ...r });
      }
    }
    return out;
  }

  /**
   * Sends one v2 webhook for a record now: `{url, entity, id, action?, user?, password?}`, with this
   * sandbox's webhook credentials unless others are given (the connection's webhook_user/password).
   */
  async deliverWebhook(b: Record<string, unknown>): Promise<WebhookDelivery> {
    if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url))
      throw new AdminError('url (http or https) is required');
    const entity = textOf(b.entity ?? '');
    const spec = Object.values(ENTITY_SPECS).find((s) => s.entity === entity);
    if (!spec) throw new AdminError('entity must be organization, person, deal or activity');
    const r = this.ctx.stores[spec.name].get(Number(b.id));
    if (!r) throw new AdminError(`no ${entity} ${String(b.id)}`, 404);
    const action = b.action === 'create' || b.action === 'delete' ? b.action : 'change';
    const data = renderEntity(this.ctx, spec, r);
    const e: ChangeEvent = {
      seq: this.adhocSeq++,
      action,
      entity,
      entityId: r.id,
      data: action === 'delete' ? null : data,
      previous: action === 'delete' ? data : null,
      atMs: this.clock().getTime(),
      changeSource: 'app',
    };
    const w = { id: 0, user_id: this.ctx.account.userId, version: '2.0' } as Parameters<typeof webhookPayload>[0];
    const user = typeof b.user === 'string' ? b.user : this.webhookSecret.user;
    const password = typeof b.password === 'string' ? b.password : this.webhookSecret.password;
    const res = await postWebhook(b.url, webhookPayload(w, e, this.ctx.account, this.host()), user, password);
    return { webhook_id: null, event: e.seq, url: b.url, ...res };
  }

  private host(): string {
    return `${this.ctx.account.companyDomain}.pipedrive.com`;
  }

  state(full = false): Record<string, unknown> {
    const counts = Object.fromEntries(ENTITY_NAMES.map((e) => [e, this.ctx.stores[e].count]));
    const summary = {
      ...counts,
      notes: this.ctx.notes.count,
      webhooks: this.hooks.list().length,
      usage: this.usageView(),
    };
    if (!full) return summary;
    const records = Object.fromEntries(ENTITY_NAMES.map((e) => [e, this.records(e)]));
    return { ...summary, records: { ...records, notes: this.notesView() } };
  }

  snapshot(): PipedriveSnapshot {
    const records = Object.fromEntries(
      ENTITY_NAMES.map((e) => [e, this.ctx.stores[e].toState()]),
    ) as PipedriveSnapshot['records'];
    return structuredClone({
      format: 'mlc-sandbox/pipedrive' as const,
      version: 1 as const,
      records,
      notes: this.ctx.notes.toState(),
      fields: this.ctx.fields.toState(),
      auth: this.auth.toState(),
      budget: this.usage.budget.toState(),
      webhooks: this.hooks.toState(),
      events: this.ctx.events.toState(),
      profileRefreshToken: this.profileRefreshToken,
    });
  }
}
