import type { Oauth2AuthorizationCodeAuth, Oauth2ClientCredentialsAuth, Oauth2PasswordAuth, Oauth2RefreshTokenAuth } from '../config/types.generated.js';
import { HttpError } from '../http/client.js';
import { evaluate } from '../map/expression.js';
import { parseDuration } from '../util/duration.js';
import { render, renderMap, renderOptional } from '../util/template.js';
import type { AuthContext, AuthProvider } from './context.js';

type OAuthSpec = Oauth2ClientCredentialsAuth | Oauth2AuthorizationCodeAuth | Oauth2RefreshTokenAuth | Oauth2PasswordAuth;

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
  private dictatedBase?: string;
  private readonly refreshBeforeMs: number;

  constructor(
    private readonly spec: OAuthSpec,
    private readonly ctx: AuthContext,
  ) {
    this.refreshBeforeMs = parseDuration(spec.refresh_before, 60_000);
    const saved = ctx.tokens.get('access_token');
    if (saved?.expiresAt) {
      // The store keeps the expiry, not the lifetime: the life left is its lower bound.
      const refreshAt = saved.expiresAt - this.margin(saved.expiresAt - ctx.now());
      if (refreshAt > ctx.now()) this.token = { accessToken: saved.value, refreshAt };
    }
    const base = ctx.tokens.get('base_url');
    if (base) this.dictatedBase = base.value;
    ctx.http.redactor.add(saved?.value);
    ctx.http.redactor.add(ctx.tokens.get('refresh_token')?.value);
  }

  baseUrl(): string | undefined {
    return this.dictatedBase;
  }

  private margin(lifetimeMs: number): number {
    return Math.min(this.refreshBeforeMs, lifetimeMs * REFRESH_FRACTION);
  }

  async apply(req: { headers: Record<string, string> }): Promise<void> {
    const t = this.token && this.token.refreshAt > this.ctx.now() ? this.token : await this.fetchToken();
    req.headers.authorization = `Bearer ${t.accessToken}`;
  }

  invalidate(used?: string): void {
    // A 401 for a token that has since been replaced says nothing about the new one.
    if (used && this.token && used !== `Bearer ${this.token.accessToken}`) return;
    this.token = undefined;
    this.ctx.tokens.delete('access_token');
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
  private refreshToken(): string | undefined {
    const configured = this.configuredRefreshToken();
    const stored = this.ctx.tokens.get('refresh_token')?.value;
    if (stored && (!configured || this.ctx.tokens.get('refresh_token_origin')?.value === configured)) return stored;
    return configured;
  }

  private storeRefreshToken(value: string): void {
    const origin = this.configuredRefreshToken();
    if (origin) this.ctx.tokens.set('refresh_token_origin', origin);
    this.ctx.tokens.set('refresh_token', value);
  }

  private grant(): Record<string, string> {
    const v = this.ctx.vars;
    switch (this.spec.type) {
      case 'oauth2_client_credentials':
        return { grant_type: 'client_credentials' };
      case 'oauth2_password': {
        const rt = this.ctx.tokens.get('refresh_token')?.value;
        if (rt) return { grant_type: 'refresh_token', refresh_token: rt };
        return { grant_type: 'password', username: render(this.spec.username ?? '{username}', v), password: render(this.spec.password ?? '{password}', v) };
      }
      default: {
        const rt = this.refreshToken();
        if (!rt) throw new HttpError(`connection ${this.ctx.connection} has no refresh token: authorize it first and set refresh_token`, 'run');
        return { grant_type: 'refresh_token', refresh_token: rt };
      }
    }
  }

  private async requestToken(): Promise<Token> {
    try {
      return await this.requestTokenWith(this.grant());
    } catch (e) {
      // A password grant can start over when its refresh chain has expired (Acumatica: 30 days).
      if (this.spec.type !== 'oauth2_password' || !this.ctx.tokens.get('refresh_token')) throw e;
      this.ctx.tokens.delete('refresh_token');
      return this.requestTokenWith(this.grant());
    }
  }

  private async requestTokenWith(grant: Record<string, string>): Promise<Token> {
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
    let res;
    try {
      res = await this.ctx.http.request({
        method: s.token_method ?? 'POST',
        url,
        auth: false,
        headers,
        ...(format === 'json' ? { json: params } : format === 'query' ? { query: params } : { form: params }),
      });
    } catch (e) {
      const err = e as HttpError;
      const grantName = params.grant_type;
      // No HTTP answer at all (refused, DNS, timeout): the credentials were never judged, and
      // "authorize again" would send the user to fix what is not broken. The message names the URL.
      if (err.status === undefined) throw new HttpError(`connection ${this.ctx.connection}: token request (${grantName}) got no answer, a network error (the credentials were not checked): ${err.message}`, 'run');
      const hint = grantName === 'refresh_token' ? ': the refresh token was rejected or has expired; authorize the connection again and store the new refresh token' : ': check the client id, secret and other credentials of this connection';
      throw new HttpError(`connection ${this.ctx.connection}: token request (${grantName}) failed${hint}. ${err.message}`, 'run', err.status, err.body);
    }
    const body = res.body as Record<string, unknown>;
    const pick = async (expr: string | undefined, fallback: string) => (expr ? await evaluate(expr, body, `connector auth response ${fallback}`) : body?.[fallback]);
    const access = await pick(s.response?.access_token, 'access_token');
    if (typeof access !== 'string' || !access) throw new HttpError(`connection ${this.ctx.connection}: token response has no access token`, 'run', res.status);
    const expiresIn = Number(await pick(s.response?.expires_in, 'expires_in'));
    const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : parseDuration(s.expires_in_default, 3_600_000);
    const newRefresh = await pick(s.response?.refresh_token, 'refresh_token');
    const redactor = this.ctx.http.redactor;
    redactor.add(access);
    // Persist a rotated refresh token before anything uses the new access token: the old one is
    // already dead, and a crash must not lose the only valid one.
    if (typeof newRefresh === 'string' && newRefresh && newRefresh !== params.refresh_token) {
      redactor.add(newRefresh);
      this.storeRefreshToken(newRefresh);
    }
    const base = s.response?.base_url ? await evaluate(s.response.base_url, body, 'connector auth response base_url') : undefined;
    if (typeof base === 'string' && base) {
      this.dictatedBase = base;
      this.ctx.tokens.set('base_url', base);
    }
    const expiresAt = this.ctx.now() + lifetime;
    const token = { accessToken: access, refreshAt: expiresAt - this.margin(lifetime) };
    this.ctx.tokens.set('access_token', access, expiresAt);
    this.token = token;
    return token;
  }
}
