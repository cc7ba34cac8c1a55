import { systemClock, type Clock } from '../framework/clock.js';
import { KnobError, KnobSet, splitKnobs } from '../framework/knobs.js';
import { requestOrigin } from '../framework/origin.js';
import { Prng } from '../framework/prng.js';
import {
  BaseSimulator,
  splitFaultKnobs,
  type ConnectionProfile,
  type ExpireTokensOptions,
} from '../framework/simulator.js';
import { registerZendeskAdmin } from './admin-routes.js';
import { credentialsFromSeed, ZendeskAuth, type ZendeskCredentials } from './auth.js';
import { executeJob } from './bulk.js';
import type { ZendeskContext } from './context.js';
import { zendeskErrorBodies } from './errors.js';
import { JobStore, renderJob } from './jobs.js';
import { ZENDESK_KNOBS, ZENDESK_SEED_OPTIONS } from './knobs.js';
import { requireAuth, rateLimits, sweepJobs } from './middleware.js';
import { OrgFieldStore, renderField } from './org-fields.js';
import { OrgStore, renderOrg } from './organizations.js';
import { registerOrganizationFieldRoutes } from './routes-organization-fields.js';
import { registerOrganizationRoutes } from './routes-organizations.js';
import { registerJobRoutes } from './routes-jobs.js';
import { registerTicketRoutes } from './routes-tickets.js';
import { registerUserRoutes } from './routes-users.js';
import { seedTickets } from './seed.js';
import { isZendeskSnapshot, type ZendeskSnapshot } from './snapshot.js';
import { renderTicket, TicketStore } from './tickets.js';
import { renderUser, UserStore } from './users.js';
import { deliverSignedWebhook, type WebhookDelivery } from './webhooks.js';

export interface ZendeskSimulatorOptions {
  seed?: number;
  clock?: Clock;
  /**
   * Runtime knobs (see knobs.ts) plus seed options: `seedTickets` (boolean, default false:
   * no organizations, fields or tickets), `seedOrganizations` (default 5),
   * `ticketsPerOrganization` (default 3).
   */
  knobs?: Record<string, unknown>;
  faults?: Record<string, unknown>;
  snapshot?: unknown;
}

export type ZendeskCredentialsView = ZendeskCredentials & {
  /** A valid refresh token issued at start (also in the connection profile). */
  refresh_token: string;
  /** A usable authorization code (single use, valid authCodeTtlSec); a new one is minted once it is used or expired. */
  authorization_code: string;
  /** Key the simulator signs webhooks with when no secret is given. */
  webhook_secret: string;
};

/** Zendesk Support simulator: organizations, organization fields, users, tickets, jobs, OAuth. */
export class ZendeskSimulator extends BaseSimulator<'zendesk'> {
  readonly name = 'zendesk' as const;
  readonly orgStore: OrgStore;
  readonly fieldStore: OrgFieldStore;
  readonly userStore: UserStore;
  readonly ticketStore: TicketStore;
  readonly jobStore: JobStore;
  readonly auth: ZendeskAuth;
  private readonly knobSet: KnobSet<typeof ZENDESK_KNOBS>;
  private readonly ctx: ZendeskContext;
  private readonly adminId: number;
  private profileRefreshToken: string;
  private authCode = '';
  private readonly webhookSecret: string;

  constructor(opts: ZendeskSimulatorOptions = {}) {
    const seed = opts.seed ?? 1;
    const clock = opts.clock ?? systemClock;
    const [faultKnobs, otherKnobs] = splitFaultKnobs(opts.knobs);
    super({
      seed,
      clock,
      errors: zendeskErrorBodies,
      faults: { ...faultKnobs, ...opts.faults },
      normalizePath: (p) => p.replace(/\.json$/, ''),
    });
    const [seedOpts, runtime] = splitKnobs(otherKnobs, ZENDESK_SEED_OPTIONS);
    this.knobSet = new KnobSet(ZENDESK_KNOBS, runtime);
    const k = this.knobSet.values;

    const snap = opts.snapshot;
    if (snap !== undefined && !isZendeskSnapshot(snap))
      throw new KnobError('snapshot is not a Zendesk simulator snapshot (format mlc-sandbox/zendesk, version 1)');
    const s = snap ? structuredClone(snap) : undefined;
    this.fieldStore = new OrgFieldStore(s?.organizationFields);
    this.orgStore = new OrgStore(
      this.fieldStore,
      () => ({ unknownFieldPolicy: k.unknownFieldPolicy, orgNameCaseSensitive: k.orgNameCaseSensitive }),
      s?.organizations,
    );
    this.userStore = new UserStore(s?.users);
    this.ticketStore = new TicketStore(s?.tickets);
    this.auth = new ZendeskAuth(credentialsFromSeed(seed), s?.auth);
    this.webhookSecret = s?.webhookSecret ?? Buffer.from(new Prng(seed ^ 0x7e6b).hex(32), 'hex').toString('base64');

    const now = clock().getTime();
    this.adminId = s?.adminUserId ?? this.createAdminUser(now);
    // Jobs run later (on a poll), by which time ctx exists.
    this.jobStore = new JobStore(
      (op, nowMs) => executeJob(this.ctx, op, nowMs),
      () => k,
      s?.jobs,
    );
    this.ctx = {
      orgs: this.orgStore,
      fields: this.fieldStore,
      users: this.userStore,
      tickets: this.ticketStore,
      jobs: this.jobStore,
      auth: this.auth,
      knobs: k,
      nowMs: () => this.clock().getTime(),
      origin: () => this.origin(),
      renderOrg: (o) => renderOrg(o, this.fieldStore, { origin: this.origin(), dateFieldFormat: k.dateFieldFormat }),
      renderUser: (u) => renderUser(u, this.userStore, this.origin()),
      adminUserId: () => this.adminId,
    };

    if (!s && seedOpts.seedTickets === true) {
      seedTickets(
        seed,
        now,
        {
          organizations: count(seedOpts.seedOrganizations, 5, 'seedOrganizations'),
          ticketsPerOrganization: count(seedOpts.ticketsPerOrganization, 3, 'ticketsPerOrganization'),
        },
        { orgs: this.orgStore, users: this.userStore, tickets: this.ticketStore },
      );
    } else if (seedOpts.seedTickets !== undefined && typeof seedOpts.seedTickets !== 'boolean') {
      throw new KnobError('seedTickets must be a boolean');
    }

    // The profile must carry a refresh token that works now, even after a restore in which the old one was rotated away.
    const kept = s?.profileRefreshToken;
    this.profileRefreshToken =
      kept && this.auth.refreshTokenValid(kept, now) ? kept : this.auth.issuePair(now, k).refresh_token;

    this.server.use(rateLimits(this.ctx)).use(requireAuth(this.ctx)).use(sweepJobs(this.ctx));
    this.server.api.post('/oauth/tokens', (req) =>
      this.auth.grant(
        req.body,
        req.headers.authorization,
        this.ctx.nowMs(),
        k,
        k.profileRefreshTokenRotates ? undefined : this.profileRefreshToken,
      ),
    );
    registerOrganizationRoutes(this.server.api, this.ctx);
    registerOrganizationFieldRoutes(this.server.api, this.ctx);
    registerUserRoutes(this.server.api, this.ctx);
    registerTicketRoutes(this.server.api, this.ctx);
    registerJobRoutes(this.server.api, this.ctx);
    registerZendeskAdmin(this);
  }

  private createAdminUser(nowMs: number): number {
    const r = this.userStore.create(
      { name: 'Integration Admin', email: this.auth.credentials.email, role: 'admin' },
      nowMs,
      () => true,
    );
    if (!r.ok) throw new Error('could not create the admin user');
    return r.user.id;
  }

  /**
   * Origin for URLs in responses: the one the request came in on (Host), so links work behind a
   * proxy; outside a request the listening address, and before start() a placeholder.
   */
  private origin(): string {
    return requestOrigin() ?? (this.server.started ? this.url : 'http://127.0.0.1');
  }

  get connection(): ConnectionProfile {
    const c = this.auth.credentials;
    return {
      connector: 'zendesk',
      base_url: `${this.url}/api/v2`,
      token_url: `${this.url}/oauth/tokens`,
      values: {
        subdomain: c.subdomain,
        client_id: c.client_id,
        client_secret: c.client_secret,
        refresh_token: this.profileRefreshToken,
        email: c.email,
        api_token: c.api_token,
      },
    };
  }

  credentials(): ZendeskCredentialsView {
    if (!this.auth.codeValid(this.authCode, this.clock().getTime())) this.authCode = this.issueAuthorizationCode();
    return {
      ...this.auth.credentials,
      refresh_token: this.profileRefreshToken,
      authorization_code: this.authCode,
      webhook_secret: this.webhookSecret,
    };
  }

  /** A fresh single-use authorization code (valid `authCodeTtlSec`, default 120 s). */
  issueAuthorizationCode(): string {
    return this.auth.issueCode(this.clock().getTime(), this.knobSet.values.authCodeTtlSec);
  }

  /** Access tokens become invalid now; refresh tokens too with `includeRefresh`. */
  expireTokens(opts: ExpireTokensOptions = {}): void {
    this.auth.expire(opts.includeRefresh === true);
  }

  /** Runtime knobs; fault knobs (errorRate, latencyMs, ...) are accepted here too. */
  setKnobs(partial: Record<string, unknown>): void {
    this.knobSet.set(this.takeFaultKnobs(partial));
  }

  knobs(): Record<string, unknown> {
    return this.knobSet.toJSON();
  }

  // --- in-process views (wire shapes) ---

  organizations(): Record<string, unknown>[] {
    return this.orgStore.list().map(this.ctx.renderOrg);
  }

  findOrganization(externalId: string): Record<string, unknown> | undefined {
    const o = this.orgStore.findByExternalId(externalId);
    return o && this.ctx.renderOrg(o);
  }

  organizationCount(): number {
    return this.orgStore.count;
  }

  organizationFields(): Record<string, unknown>[] {
    return this.fieldStore.list().map((f) => renderField(f, this.origin()));
  }

  jobStatuses(): Record<string, unknown>[] {
    return this.jobStore.list().map((j) => renderJob(j, this.origin(), this.knobSet.values.jobResultShape));
  }

  users(): Record<string, unknown>[] {
    return this.userStore.list().map(this.ctx.renderUser);
  }

  findUser(externalIdOrEmail: string): Record<string, unknown> | undefined {
    const u = this.userStore.findByExternalId(externalIdOrEmail) ?? this.userStore.findByEmail(externalIdOrEmail);
    return u && this.ctx.renderUser(u);
  }

  tickets(): Record<string, unknown>[] {
    return this.ticketStore.list().map((t) => renderTicket(t, this.origin()));
  }

  /** Completes every queued or working job now. */
  drainJobs(): void {
    this.jobStore.drain(this.clock().getTime());
  }

  /** Sends a signed webhook; the secret defaults to this simulator's signing secret. */
  deliverWebhook(url: string, body: unknown, secret?: string): Promise<WebhookDelivery> {
    return deliverSignedWebhook(url, body, secret ?? this.webhookSecret, this.clock());
  }

  state(full = false): Record<string, unknown> {
    const summary = {
      organizations: this.orgStore.count,
      organizationFields: this.fieldStore.list().length,
      users: this.userStore.list().length,
      tickets: this.ticketStore.list().length,
      jobs: this.jobStore.list().length,
      activeJobs: this.jobStore.activeCount,
    };
    return full
      ? {
          ...summary,
          records: {
            organizations: this.organizations(),
            organizationFields: this.organizationFields(),
            users: this.users(),
            tickets: this.tickets(),
            jobStatuses: this.jobStatuses(),
          },
        }
      : summary;
  }

  snapshot(): ZendeskSnapshot {
    return structuredClone({
      format: 'mlc-sandbox/zendesk' as const,
      version: 1 as const,
      organizations: this.orgStore.toState(),
      organizationFields: this.fieldStore.toState(),
      users: this.userStore.toState(),
      tickets: this.ticketStore.toState(),
      jobs: this.jobStore.toState(),
      auth: this.auth.toState(),
      adminUserId: this.adminId,
      profileRefreshToken: this.profileRefreshToken,
      webhookSecret: this.webhookSecret,
    });
  }
}

function count(v: unknown, def: number, key: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new KnobError(`${key} must be a non-negative integer`);
  return v;
}
