import type {
  Oauth2AuthorizationCodeAuth,
  Oauth2ClientCredentialsAuth,
  Oauth2PasswordAuth,
  Oauth2RefreshTokenAuth,
} from '../config/types.generated.js';
import { HttpError, type HttpResponse, type RequestOptions } from '../http/client.js';
import { evaluate } from '../map/expression.js';
import { parseDuration } from '../util/duration.js';
import { render, renderMap, renderOptional } from '../util/template.js';
import type { AuthContext, AuthProvider } from './context.js';

type OAuthSpec =
  Oauth2ClientCredentialsAuth | Oauth2AuthorizationCodeAuth | Oauth2RefreshTokenAuth | Oauth2PasswordAuth;

interface Token {
  accessToken: string;
  /** When a new token is fetched: ahead of expiry, so a request in flight does not outlive it */
  refreshAt: number;
}

/** Refresh fraction of a token's lifetime: a 20-second token is used for 18 seconds. */
const REFRESH_FRACTION = 0.1;

/**
 * OAuth 2 for the four grants the connectors use. A token is fetched once and shared by every
 * concurrent request (single flight), refreshed before it expires and when the API rejects it,
 * and a rotated refresh token is persisted before the new access token is used.
 *
 * "Before it expires" is min(refresh_before, 10% of the lifetime): a fixed margin alone made a
 * token that lives less than refresh_before look expired on arrival, one token request per call.
 */
export class OAuth2Auth implements AuthProvider {
  private token?: Token;
  private inflight?: Promise<Token>;
  /** What an earlier run stored (a token still valid, a dictated base URL), read on first use */
  private restored?: Promise<void>;
  private dictatedBase?: string;
  private readonly refreshBeforeMs: number;

  constructor(
    private readonly spec: OAuthSpec,
    private readonly ctx: AuthContext,
  ) {
    this.refreshBeforeMs = parseDuration(spec.refresh_before, 60_000);
  }

  private async restore(): Promise<void> {
    const { tokens, now, http } = this.ctx;
    const kinds = ['access_token', 'base_url', 'refresh_token'];
    const [saved, base, refresh] = await Promise.all(kinds.map((k) => tokens.get(k)));
    if (saved?.expiresAt) {
      // The store keeps the expiry, not the lifetime: the life left is its lower bound.
      const refreshAt = saved.expiresAt - this.margin(saved.expiresAt - now());
      if (refreshAt > now()) this.token = { accessToken: saved.value, refreshAt };
    }
    if (base) this.dictatedBase = base.value;
    http.redactor.add(saved?.value);
    http.redactor.add(refresh?.value);
  }

  baseUrl(): string | undefined {
    return this.dictatedBase;
  }

  private margin(lifetimeMs: number): number {
    return Math.min(this.refreshBeforeMs, lifetimeMs * REFRESH_FRACTION);
  }

  async apply(req: { headers: Record<string, string> }): Promise<void> {
    await (this.restored ??= this.restore());
    const t = this.token && this.token.refreshAt > this.ctx.now() ? this.token : await this.fetchToken();
    req.headers.authorization = `Bearer ${t.accessToken}`;
  }

  async invalidate(used?: string): Promise<void> {
    // A 401 for a token that has since been replaced says nothing about the new one.
    if (used && this.token && used !== `Bearer ${this.token.accessToken}`) return;
    this.token = undefined;
    await this.ctx.tokens.delete('access_token');
  }

  private fetchToken(): Promise<Token> {
    this.inflight ??= this.requestToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private configuredRefreshToken(): string | undefined {
    return this.spec.refresh_token ? renderOptional(this.spec.refresh_token, this.ctx.vars) : undefined;
  }

  /**
   * The newest refresh token: a rotated one from the store, unless the user has authorized the
   * connection again since (its configured token is not the one the stored chain grew from).
   */
  private async refreshToken(): Promise<string | undefined> {
    const configured = this.configuredRefreshToken();
    const stored = (await this.ctx.tokens.get('refresh_token'))?.value;
    if (!stored) return configured;
    if (!configured || (await this.ctx.tokens.get('refresh_token_origin'))?.value === configured) return stored;
    return configured;
  }

  private async storeRefreshToken(value: string): Promise<void> {
    const origin = this.configuredRefreshToken();
    if (origin) await this.ctx.tokens.set('refresh_token_origin', origin);
    await this.ctx.tokens.set('refresh_token', value);
  }

  private async grant(): Promise<Record<string, string>> {
    const v = this.ctx.vars;
    switch (this.spec.type) {
      case 'oauth2_client_credentials':
        return { grant_type: 'client_credentials' };
      case 'oauth2_password': {
        const rt = (await this.ctx.tokens.get('refresh_token'))?.value;
        if (rt) return { grant_type: 'refresh_token', refresh_token: rt };
        const username = render(this.spec.username ?? '{username}', v);
        return { grant_type: 'password', username, password: render(this.spec.password ?? '{password}', v) };
      }
      default: {
        const rt = await this.refreshToken();
        if (!rt) {
          const why = 'has no refresh token: authorize it first and set refresh_token';
          throw new HttpError(`connection ${this.ctx.connection} ${why}`, 'run');
        }
        return { grant_type: 'refresh_token', refresh_token: rt };
      }
    }
  }

  private async requestToken(): Promise<Token> {
    try {
      return await this.requestTokenWith(await this.grant());
    } catch (e) {
      // A password grant can start over when its refresh chain has expired (Acumatica: 30 days).
      if (this.spec.type !== 'oauth2_password' || !(await this.ctx.tokens.get('refresh_token'))) throw e;
      await this.ctx.tokens.delete('refresh_token');
      return this.requestTokenWith(await this.grant());
    }
  }

  /** The token request for a grant: the client credentials, scope and params the spec declares. */
  private tokenRequest(grant: Record<string, string>): RequestOptions {
    const s = this.spec;
    const v = this.ctx.vars;
    const params: Record<string, string> = { ...grant };
    const headers: Record<string, string> = { accept: 'application/json', ...renderMap(s.headers, v) };
    const clientId = s.client_id ? renderOptional(s.client_id, v) : undefined;
    const clientSecret = s.client_secret ? renderOptional(s.client_secret, v) : undefined;
    if (s.client_auth === 'basic' && clientId) {
      headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret ?? ''}`).toString('base64')}`;
    } else {
      if (clientId) params.client_id = clientId;
      if (clientSecret) params.client_secret = clientSecret;
    }
    const scope = s.scope ? renderOptional(s.scope, v) : undefined;
    if (scope) params.scope = scope;
    Object.assign(params, renderMap(s.params, v));
    const url = this.ctx.tokenUrl ?? render(s.token_url, v);
    const format = s.body_format ?? 'form';
    const body = format === 'json' ? { json: params } : format === 'query' ? { query: params } : { form: params };
    return { method: s.token_method ?? 'POST', url, headers, ...body };
  }

  private async post(grant: Record<string, string>): Promise<HttpResponse> {
    try {
      return await this.ctx.http.request(this.tokenRequest(grant));
    } catch (e) {
      const err = e as HttpError;
      const grantName = grant.grant_type;
      const what = `connection ${this.ctx.connection}: token request (${grantName})`;
      // No HTTP answer at all (refused, DNS, timeout): the credentials were never judged, and
      // "authorize again" would send the user to fix what is not broken. The message names the URL.
      if (err.status === undefined) {
        const why = 'got no answer, a network error (the credentials were not checked)';
        throw new HttpError(`${what} ${why}: ${err.message}`, 'run');
      }
      const hint =
        grantName === 'refresh_token'
          ? ': the refresh token was rejected or has expired; ' +
            'authorize the connection again and store the new refresh token'
          : ': check the client id, secret and other credentials of this connection';
      throw new HttpError(`${what} failed${hint}. ${err.message}`, 'run', err.status, err.body);
    }
  }

  private async requestTokenWith(grant: Record<string, string>): Promise<Token> {
    const s = this.spec;
    const res = await this.post(grant);
    // A token endpoint may answer with an empty body (null) despite its 2xx.
    const body = res.body as Record<string, unknown> | null | undefined;
    const pick = async (expr: string | undefined, fallback: string) =>
      expr ? await evaluate(expr, body, `connector auth response ${fallback}`) : body?.[fallback];
    const access = await pick(s.response?.access_token, 'access_token');
    if (typeof access !== 'string' || !access) {
      throw new HttpError(`connection ${this.ctx.connection}: token response has no access token`, 'run', res.status);
    }
    const expiresIn = Number(await pick(s.response?.expires_in, 'expires_in'));
    const lifetime =
      Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : parseDuration(s.expires_in_default, 3_600_000);
    const newRefresh = await pick(s.response?.refresh_token, 'refresh_token');
    const redactor = this.ctx.http.redactor;
    redactor.add(access);
    // Persist a rotated refresh token before anything uses the new access token: the old one is
    // already dead, and a crash must not lose the only valid one.
    if (typeof newRefresh === 'string' && newRefresh && newRefresh !== grant.refresh_token) {
      redactor.add(newRefresh);
      await this.storeRefreshToken(newRefresh);
    }
    const base = s.response?.base_url
      ? await evaluate(s.response.base_url, body, 'connector auth response base_url')
      : undefined;
    if (typeof base === 'string' && base) {
      this.dictatedBase = base;
      await this.ctx.tokens.set('base_url', base);
    }
    const expiresAt = this.ctx.now() + lifetime;
    const token = { accessToken: access, refreshAt: expiresAt - this.margin(lifetime) };
    await this.ctx.tokens.set('access_token', access, expiresAt);
    this.token = token;
    return token;
  }
}
