import { systemClock, type Clock } from '../framework/clock.js';
import { KnobError, KnobSet, splitKnobs } from '../framework/knobs.js';
import { Prng } from '../framework/prng.js';
import { BaseSimulator, splitFaultKnobs, type ConnectionProfile } from '../framework/simulator.js';
import { registerMarketoAdmin } from './admin-routes.js';
import { credentialsFromSeed, MarketoAuth, type MarketoCredentials } from './auth.js';
import { CompanyStore, renderCompany } from './companies.js';
import { isoSeconds, type MarketoContext } from './context.js';
import { registerCustomObjectRoutes } from './custom-object-routes.js';
import { CustomObjectStore, parseCustomObjectTypes, renderCustomObject } from './custom-objects.js';
import { Envelopes, marketoErrorBodies } from './envelope.js';
import { CompanyFields, parseCustomFields, type FieldDef } from './fields.js';
import { MARKETO_INSTANCE_OPTIONS, MARKETO_KNOBS } from './knobs.js';
import { DailyQuota } from './limits.js';
import {
  callLimits,
  countErrorCodes,
  newUsage,
  requireJson,
  requireToken,
  sizeLimits,
  type Usage,
} from './middleware.js';
import { PageTokens } from './paging.js';
import { registerCompanyRoutes } from './routes-companies.js';
import { isMarketoSnapshot, type MarketoSnapshot } from './snapshot.js';

export interface MarketoSimulatorOptions {
  seed?: number;
  clock?: Clock;
  /** Runtime knobs (knobs.ts), fault knobs, and the instance settings `customFields`, `customObjects`, `quotaUsed`. */
  knobs?: Record<string, unknown>;
  faults?: Record<string, unknown>;
  snapshot?: unknown;
}

export interface MarketoUsage {
  /** Calls counted today (Marketo's day: midnight to midnight at the reset offset). */
  quotaUsed: number;
  dailyQuota: number;
  /** When the quota resets, ISO. */
  quotaResetsAt: string;
  /** Calls counted in the current rate window. */
  windowCalls: number;
  inFlight: number;
  /** Response-level error codes answered so far, by code. */
  errorCodes: Record<string, number>;
}

/** Adobe Marketo Engage simulator: Identity, companies, custom objects, limits and 200-envelope errors. */
export class MarketoSimulator extends BaseSimulator<'marketo'> {
  readonly name = 'marketo' as const;
  readonly auth: MarketoAuth;
  readonly companyStore: CompanyStore;
  readonly customObjectStore: CustomObjectStore;
  readonly fields: CompanyFields;
  private readonly knobSet: KnobSet<typeof MARKETO_KNOBS>;
  private readonly ctx: MarketoContext;
  private readonly usage: Usage;
  private schemaUpdated: string;

  constructor(opts: MarketoSimulatorOptions = {}) {
    const seed = opts.seed ?? 1;
    const clock = opts.clock ?? systemClock;
    const [faultKnobs, otherKnobs] = splitFaultKnobs(opts.knobs);
    // The error bodies need the router and the knobs, which exist only once super() has run.
    const late: { ctx?: MarketoContext; sim?: MarketoSimulator } = {};
    const env = new Envelopes(
      new Prng(seed ^ 0x4d4b_7430),
      () => clock().getTime(),
      () => late.ctx?.knobs.envelope ?? 'spec',
    );
    const errors = marketoErrorBodies(
      env,
      (req) => late.sim?.server.api.lookup(req.method, req.path).pathExists === true,
      () => [late.ctx?.knobs.rateLimitPerWindow ?? 100, late.ctx?.knobs.rateWindowSec ?? 20],
    );
    super({ seed, clock, errors, faults: { ...faultKnobs, ...opts.faults } });
    const [instance, runtime] = splitKnobs(otherKnobs, MARKETO_INSTANCE_OPTIONS);
    this.knobSet = new KnobSet(MARKETO_KNOBS, runtime);

    if (opts.snapshot !== undefined && !isMarketoSnapshot(opts.snapshot))
      throw new KnobError('snapshot is not a Marketo simulator snapshot (format mlc-sandbox/marketo, version 1)');
    const s = opts.snapshot ? structuredClone(opts.snapshot) : undefined;
    this.auth = new MarketoAuth(s?.auth.credentials ?? credentialsFromSeed(seed), s?.auth);
    this.companyStore = new CompanyStore(s?.companies);
    this.customObjectStore = new CustomObjectStore(s?.customObjects);
    this.fields = new CompanyFields(s?.customFields ?? []);
    this.usage = newUsage(new DailyQuota(s?.quota));
    this.schemaUpdated = s?.schemaUpdatedAt ?? isoSeconds(clock().getTime());
    this.ctx = {
      env,
      knobs: this.knobSet.values,
      fields: this.fields,
      companies: this.companyStore,
      customObjects: this.customObjectStore,
      pages: new PageTokens(),
      nowMs: () => this.clock().getTime(),
      schemaUpdatedAt: () => this.schemaUpdated,
    };
    late.ctx = this.ctx;
    late.sim = this;
    this.applyInstance(instance);
    this.registerRoutes();
  }

  /** Request pipeline: HTTP-level size limits, then the error-code tally, token, call limits, JSON. */
  private registerRoutes(): void {
    this.server
      .use(sizeLimits(this.ctx))
      .use(countErrorCodes(this.usage))
      .use(requireToken(this.ctx, this.auth))
      .use(callLimits(this.ctx, this.usage))
      .use(requireJson(this.ctx));
    const identity = (req: Parameters<MarketoAuth['identity']>[0]) =>
      this.auth.identity(
        req,
        this.ctx.nowMs(),
        this.knobSet.values.tokenTtlSec,
        this.knobSet.values.identityBodyCredentials,
      );
    this.server.api.get('/identity/oauth/token', identity);
    this.server.api.post('/identity/oauth/token', identity);
    registerCompanyRoutes(this.server.api, this.ctx);
    registerCustomObjectRoutes(this.server.api, this.ctx);
    registerMarketoAdmin(this);
  }

  /** `customFields`, `customObjects` and `quotaUsed`, at start or at run time. */
  private applyInstance(o: Record<string, unknown>): void {
    if (o.customFields !== undefined) this.setCustomFields(o.customFields);
    if (o.customObjects !== undefined) {
      this.customObjectStore.setTypes(parseCustomObjectTypes(o.customObjects));
      this.schemaUpdated = isoSeconds(this.clock().getTime());
    }
    if (o.quotaUsed !== undefined) this.setQuotaUsed(o.quotaUsed);
  }

  get connection(): ConnectionProfile {
    const c = this.auth.credentials;
    return {
      connector: 'marketo',
      base_url: `${this.url}/rest`,
      token_url: `${this.url}/identity/oauth/token`,
      values: { munchkin_id: c.munchkin_id, client_id: c.client_id, client_secret: c.client_secret },
    };
  }

  credentials(): MarketoCredentials {
    return { ...this.auth.credentials };
  }

  /** The current access token expires now (the next REST call gets 602; Identity issues a new one). */
  expireTokens(): void {
    this.auth.expire(this.clock().getTime());
  }

  /** Runtime knobs; fault knobs and the instance settings are accepted too. */
  setKnobs(partial: Record<string, unknown>): void {
    const [instance, rest] = splitKnobs(this.takeFaultKnobs(partial), MARKETO_INSTANCE_OPTIONS);
    this.knobSet.set(rest);
    this.applyInstance(instance);
  }

  knobs(): Record<string, unknown> {
    return {
      ...this.knobSet.toJSON(),
      customFields: this.fields.customFields(),
      customObjects: this.customObjectStore.typeList(),
      quotaUsed: this.usageView().quotaUsed,
    };
  }

  /** Replaces the instance's custom company fields (Marketo has no REST call to create them). */
  setCustomFields(spec: unknown): FieldDef[] {
    const defs = parseCustomFields(spec);
    this.fields.replaceCustom(defs);
    this.schemaUpdated = isoSeconds(this.clock().getTime());
    return defs;
  }

  /** Sets today's used calls: `dailyQuota` of them makes the next call 607. */
  setQuotaUsed(used: unknown): void {
    if (typeof used !== 'number' || !Number.isInteger(used) || used < 0)
      throw new KnobError('quotaUsed must be a non-negative integer');
    this.usage.quota.set(used, this.clock().getTime(), this.knobSet.values.quotaResetUtcOffsetMin);
  }

  /** Empties the rate window and today's count (a new day, a quiet instance). */
  resetLimits(): void {
    this.usage.window.reset();
    this.setQuotaUsed(0);
  }

  usageView(): MarketoUsage {
    const now = this.clock().getTime();
    const k = this.knobSet.values;
    return {
      quotaUsed: this.usage.quota.used(now, k.quotaResetUtcOffsetMin),
      dailyQuota: k.dailyQuota,
      quotaResetsAt: new Date(DailyQuota.resetAt(now, k.quotaResetUtcOffsetMin)).toISOString(),
      windowCalls: this.usage.window.count(now, k.rateWindowSec * 1000),
      inFlight: this.usage.inFlight,
      errorCodes: { ...this.usage.errorCodes },
    };
  }

  // --- in-process views (wire shapes) ---

  companies(): Record<string, unknown>[] {
    return this.companyStore.list().map((c) => renderCompany(c));
  }

  findCompany(externalCompanyId: string): Record<string, unknown> | undefined {
    const c = this.companyStore.findByExternalId(externalCompanyId);
    return c && renderCompany(c);
  }

  companyById(id: number): Record<string, unknown> | undefined {
    const c = this.companyStore.get(id);
    return c && renderCompany(c);
  }

  customObjects(apiName: string): Record<string, unknown>[] {
    const t = this.customObjectStore.type(apiName);
    if (!t) return [];
    const names = ['marketoGUID', ...t.fields.map((f) => f.name), 'createdAt', 'updatedAt'];
    return this.customObjectStore.list(apiName).map((r) => renderCustomObject(r, names));
  }

  state(full = false): Record<string, unknown> {
    const types = this.customObjectStore.typeList();
    const summary = {
      companies: this.companyStore.count,
      customFields: this.fields.customFields().length,
      customObjects: Object.fromEntries(types.map((t) => [t.apiName, this.customObjectStore.list(t.apiName).length])),
      usage: this.usageView(),
    };
    if (!full) return summary;
    return {
      ...summary,
      records: {
        companies: this.companies(),
        customObjects: Object.fromEntries(types.map((t) => [t.apiName, this.customObjects(t.apiName)])),
      },
    };
  }

  snapshot(): MarketoSnapshot {
    return structuredClone({
      format: 'mlc-sandbox/marketo' as const,
      version: 1 as const,
      companies: this.companyStore.toState(),
      customFields: this.fields.customFields(),
      customObjects: this.customObjectStore.toState(),
      auth: this.auth.toState(),
      quota: this.usage.quota.toState(),
      schemaUpdatedAt: this.schemaUpdated,
    });
  }
}
