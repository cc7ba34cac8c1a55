import { Prng } from '../framework/prng.js';
import { randomToken } from '../framework/tokens.js';
import { isRecord, type SimResponse } from '../framework/types.js';

export interface ZendeskCredentials {
  subdomain: string;
  client_id: string;
  client_secret: string;
  redirect_uri: string;
  /** Agent (admin) identity for API-token Basic auth. */
  email: string;
  api_token: string;
}

interface AccessToken {
  scope: string;
  /** Null: the token request gave no expires_in, which Zendesk documents as "never expires". */
  expiresMs: number | null;
  /** Absent for client_credentials tokens, which come without a refresh token. */
  refreshToken?: string;
}

interface RefreshToken {
  scope: string;
  expiresMs: number;
  accessToken: string;
}

interface AuthCode {
  scope: string;
  expiresMs: number;
}

export interface ZendeskAuthState {
  credentials: ZendeskCredentials;
  access: Array<[string, AccessToken]>;
  refresh: Array<[string, RefreshToken]>;
  codes: Array<[string, AuthCode]>;
}

export interface TokenTtls {
  /** Null: access tokens never expire. */
  accessTokenTtlSec: number | null;
  refreshTokenTtlSec: number;
}

/** What a valid credential may do; API-token (Basic) requests act as the admin agent, with every scope. */
export interface Grant {
  scope: string;
}

const expiry = (nowMs: number, ttlSec: number | null): number | null =>
  ttlSec === null ? null : nowMs + ttlSec * 1000;
const alive = (expiresMs: number | null, nowMs: number): boolean => expiresMs === null || expiresMs > nowMs;

/** Credentials derive from the seed, so a re-started sandbox accepts the same client and API token. */
export function credentialsFromSeed(seed: number): ZendeskCredentials {
  const rng = new Prng(seed ^ 0x2e4d_e5c0);
  const b62 = () => {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < 40; i++) s += chars[rng.int(0, chars.length - 1)];
    return s;
  };
  return {
    subdomain: 'sandbox',
    client_id: `mlc_sandbox_${rng.hex(6)}`,
    client_secret: rng.hex(64),
    redirect_uri: 'http://127.0.0.1/oauth/callback',
    email: 'integration@sandbox.example',
    api_token: b62(),
  };
}

const INVALID_GRANT =
  'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.';

function oauthError(status: number, error: string, description: string): SimResponse {
  return { status, body: { error, error_description: description } };
}

/** OAuth (authorization_code, refresh_token with rotation, client_credentials) and API-token Basic auth. */
export class ZendeskAuth {
  readonly credentials: ZendeskCredentials;
  private access = new Map<string, AccessToken>();
  private refresh = new Map<string, RefreshToken>();
  private codes = new Map<string, AuthCode>();

  constructor(credentials: ZendeskCredentials, state?: ZendeskAuthState) {
    this.credentials = state?.credentials ?? credentials;
    if (state) {
      this.access = new Map(state.access);
      this.refresh = new Map(state.refresh);
      this.codes = new Map(state.codes);
    }
  }

  issueCode(nowMs: number, ttlSec: number, scope = 'read write'): string {
    const code = randomToken(16);
    this.codes.set(code, { scope, expiresMs: nowMs + ttlSec * 1000 });
    return code;
  }

  /** A fresh access+refresh pair outside the token endpoint (the sandbox's pre-issued credentials). */
  issuePair(nowMs: number, ttls: TokenTtls, scope = 'read write'): { access_token: string; refresh_token: string } {
    const access_token = randomToken(32);
    const refresh_token = randomToken(32);
    this.access.set(access_token, {
      scope,
      expiresMs: expiry(nowMs, ttls.accessTokenTtlSec),
      refreshToken: refresh_token,
    });
    this.refresh.set(refresh_token, {
      scope,
      expiresMs: nowMs + ttls.refreshTokenTtlSec * 1000,
      accessToken: access_token,
    });
    return { access_token, refresh_token };
  }

  codeValid(code: string, nowMs: number): boolean {
    const c = this.codes.get(code);
    return c !== undefined && c.expiresMs > nowMs;
  }

  refreshTokenValid(token: string, nowMs: number): boolean {
    const r = this.refresh.get(token);
    return r !== undefined && r.expiresMs > nowMs;
  }

  /** POST /oauth/tokens. `durable`: a refresh token that stays valid when used (not rotated). */
  grant(body: unknown, basicHeader: string | undefined, nowMs: number, ttls: TokenTtls, durable?: string): SimResponse {
    const b = isRecord(body) ? body : {};
    const str = (k: string) => (typeof b[k] === 'string' ? b[k] : undefined);
    const num = (k: string) =>
      typeof b[k] === 'number' ? b[k] : typeof b[k] === 'string' && /^\d+$/.test(b[k]) ? Number(b[k]) : undefined;

    const client = clientFromBasic(basicHeader) ?? { id: str('client_id'), secret: str('client_secret') };
    if (client.id !== this.credentials.client_id || client.secret !== this.credentials.client_secret) {
      return oauthError(
        401,
        'invalid_client',
        'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
      );
    }

    // Bounds from ZD-OAS: 300 < expires_in < 172,800 and < refresh_token_expires_in; 604,800 < refresh < 7,776,000.
    const refreshTtl = num('refresh_token_expires_in') ?? ttls.refreshTokenTtlSec;
    const accessTtl = num('expires_in') ?? ttls.accessTokenTtlSec;
    if (num('refresh_token_expires_in') !== undefined && (refreshTtl <= 604_800 || refreshTtl >= 7_776_000)) {
      return oauthError(
        400,
        'invalid_request',
        'refresh_token_expires_in must be more than 604800 and less than 7776000 seconds',
      );
    }
    if (
      accessTtl !== null &&
      num('expires_in') !== undefined &&
      (accessTtl <= 300 || accessTtl >= 172_800 || accessTtl >= refreshTtl)
    ) {
      return oauthError(
        400,
        'invalid_request',
        'expires_in must be more than 300 and less than 172800 seconds, and less than refresh_token_expires_in',
      );
    }

    // The docs: a token asked for with a malformed scope (an array, say) is still issued, and every
    // request made with it is Forbidden. An empty scope grants nothing, which does exactly that.
    const asked = b.scope === undefined ? undefined : typeof b.scope === 'string' ? b.scope : '';
    let scope = asked ?? 'read write';
    switch (str('grant_type')) {
      case 'authorization_code': {
        const code = str('code');
        const c = code ? this.codes.get(code) : undefined;
        if (!code || !c || c.expiresMs <= nowMs) return oauthError(400, 'invalid_grant', INVALID_GRANT);
        this.codes.delete(code);
        scope = asked ?? c.scope;
        break;
      }
      case 'refresh_token': {
        const token = str('refresh_token');
        const r = token ? this.refresh.get(token) : undefined;
        if (!token || !r || r.expiresMs <= nowMs) return oauthError(400, 'invalid_grant', INVALID_GRANT);
        // Rotation: the old pair stops working as soon as the new one exists.
        if (token !== durable) {
          this.refresh.delete(token);
          this.access.delete(r.accessToken);
        }
        scope = asked ?? r.scope;
        break;
      }
      case 'client_credentials': {
        // A client acting as itself has nothing to refresh: it asks again with its secret.
        const access_token = randomToken(32);
        this.access.set(access_token, { scope, expiresMs: expiry(nowMs, accessTtl) });
        return { status: 201, body: { access_token, token_type: 'bearer', scope, expires_in: accessTtl } };
      }
      case undefined:
        return oauthError(400, 'invalid_request', 'grant_type is required');
      default:
        return oauthError(
          400,
          'unsupported_grant_type',
          'The authorization grant type is not supported by the authorization server.',
        );
    }
    const pair = this.issuePair(nowMs, { accessTokenTtlSec: accessTtl, refreshTokenTtlSec: refreshTtl }, scope);
    // expires_in is null for a token that never expires (the documented default), not left out, so
    // a client can tell "never" from "not said".
    return {
      status: 201,
      body: {
        access_token: pair.access_token,
        token_type: 'bearer',
        scope,
        refresh_token: pair.refresh_token,
        expires_in: accessTtl,
        refresh_token_expires_in: refreshTtl,
      },
    };
  }

  /** Checks an API request's Authorization header; null when it does not authenticate. */
  authenticate(header: string | undefined, nowMs: number, apiTokensEnabled: boolean): Grant | null {
    if (!header) return null;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    if (bearer) {
      const t = this.access.get(bearer[1]);
      return t !== undefined && alive(t.expiresMs, nowMs) ? { scope: t.scope } : null;
    }
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (basic && apiTokensEnabled) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      return decoded === `${this.credentials.email}/token:${this.credentials.api_token}`
        ? { scope: 'read write' }
        : null;
    }
    return null;
  }

  /** Access tokens stop working; refresh tokens survive unless `includeRefresh` (so a client can recover by refreshing). */
  expire(includeRefresh: boolean): void {
    this.access.clear();
    if (includeRefresh) this.refresh.clear();
  }

  toState(): ZendeskAuthState {
    return {
      credentials: this.credentials,
      access: [...this.access],
      refresh: [...this.refresh],
      codes: [...this.codes],
    };
  }
}

function clientFromBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? undefined : { id: decoded.slice(0, i), secret: decoded.slice(i + 1) };
}
