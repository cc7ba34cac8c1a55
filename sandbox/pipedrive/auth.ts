import { Prng } from '../framework/prng.js';
import { randomHex } from '../framework/tokens.js';
import { isRecord, textOf, json, type SimRequest, type SimResponse } from '../framework/types.js';

export interface PipedriveCredentials {
  api_token: string;
  client_id: string;
  client_secret: string;
  company_domain: string;
  company_id: number;
  user_id: number;
}

interface IssuedToken {
  value: string;
  expiresMs: number;
}

interface RefreshToken {
  value: string;
  lastUsedMs: number;
}

export interface PipedriveAuthState {
  credentials: PipedriveCredentials;
  access: IssuedToken[];
  refresh: RefreshToken[];
  codes: IssuedToken[];
}

export interface OAuthSettings {
  accessTokenTtlSec: number;
  refreshTokenIdleDays: number;
  refreshTokenRotates: boolean;
}

/** Who a request authenticated as: the API token or an OAuth access token (the burst limits differ). */
export interface Caller {
  kind: 'api_token' | 'oauth';
  token: string;
}

export interface CallerSettings {
  apiTokenQueryV2: 'reject' | 'accept';
  apiTokenQueryV1: 'reject' | 'accept';
  apiTokenAsBearer: 'reject' | 'accept';
}

const DAY_MS = 86_400_000;
const SCOPE = 'base deals:full contacts:full activities:full admin';

/** Credentials derive from the seed, so a re-started sandbox accepts the same token and client. */
export function credentialsFromSeed(seed: number): PipedriveCredentials {
  const rng = new Prng(seed ^ 0x9d_01ed);
  return {
    api_token: rng.hex(40),
    client_id: rng.hex(16),
    client_secret: rng.hex(40),
    company_domain: `sandbox-${rng.hex(4)}`,
    company_id: rng.int(1_000_000, 9_999_999),
    user_id: rng.int(10_000_000, 19_999_999),
  };
}

function oauthError(status: number, error: string, description: string): SimResponse {
  // Pipedrive's OAuth error bodies are not documented; RFC 6749 names (UNCONFIRMED).
  return json(status, { error, error_description: description });
}

/** The API token (header, or query where allowed) and OAuth 2.0 with Basic client auth and `api_domain`. */
export class PipedriveAuth {
  private access: IssuedToken[];
  private refresh: RefreshToken[];
  private codes: IssuedToken[];

  constructor(
    readonly credentials: PipedriveCredentials,
    state?: PipedriveAuthState,
  ) {
    this.access = state?.access ?? [];
    this.refresh = state?.refresh ?? [];
    this.codes = state?.codes ?? [];
  }

  /** The caller of an API request, or undefined (401). */
  identify(req: SimRequest, nowMs: number, k: CallerSettings): Caller | undefined {
    const header = req.headers['x-api-token'];
    if (typeof header === 'string')
      return header === this.credentials.api_token ? { kind: 'api_token', token: header } : undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (m) {
      if (this.access.some((t) => t.value === m[1] && t.expiresMs > nowMs)) return { kind: 'oauth', token: m[1] };
      const asToken = m[1] === this.credentials.api_token && k.apiTokenAsBearer === 'accept';
      return asToken ? { kind: 'api_token', token: m[1] } : undefined;
    }
    const q = req.query.api_token;
    if (q === undefined) return undefined;
    const v1 = !req.path.startsWith('/api/v2/');
    if ((v1 ? k.apiTokenQueryV1 : k.apiTokenQueryV2) === 'reject') return undefined;
    return q === this.credentials.api_token ? { kind: 'api_token', token: q } : undefined;
  }

  /** POST /oauth/token: `Authorization: Basic base64(client_id:client_secret)`, a form body. */
  grant(req: SimRequest, nowMs: number, s: OAuthSettings, apiDomain: string): SimResponse {
    if (!this.clientAuthenticated(req.headers.authorization)) {
      return oauthError(401, 'invalid_client', 'Client authentication failed (Basic client_id:client_secret)');
    }
    const b = isRecord(req.body) ? req.body : {};
    let refresh: RefreshToken | undefined;
    if (b.grant_type === 'authorization_code') {
      const i = this.codes.findIndex((c) => c.value === b.code && c.expiresMs > nowMs);
      if (i < 0) return oauthError(400, 'invalid_grant', 'Invalid or expired authorization code');
      this.codes.splice(i, 1);
      refresh = this.newRefresh(nowMs);
    } else if (b.grant_type === 'refresh_token') {
      refresh = this.useRefresh(textOf(b.refresh_token ?? ''), nowMs, s);
      if (!refresh) return oauthError(400, 'invalid_grant', 'Invalid or expired refresh token');
    } else {
      return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${textOf(b.grant_type ?? '')}`);
    }
    const access = { value: `v1:${randomHex(32)}`, expiresMs: nowMs + s.accessTokenTtlSec * 1000 };
    this.access = this.access.filter((t) => t.expiresMs > nowMs - DAY_MS);
    this.access.push(access);
    return json(200, {
      access_token: access.value,
      token_type: 'Bearer',
      refresh_token: refresh.value,
      scope: SCOPE,
      expires_in: s.accessTokenTtlSec,
      api_domain: apiDomain,
    });
  }

  private clientAuthenticated(header: string | string[] | undefined): boolean {
    const m = /^Basic\s+(\S+)\s*$/i.exec(String(header ?? ''));
    if (!m) return false;
    const [id, ...secret] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    return id === this.credentials.client_id && secret.join(':') === this.credentials.client_secret;
  }

  private newRefresh(nowMs: number): RefreshToken {
    const c = this.credentials;
    const t = { value: `${c.company_id}:${c.user_id}:${randomHex(20)}`, lastUsedMs: nowMs };
    this.refresh.push(t);
    return t;
  }

  /** A refresh token unused for `refreshTokenIdleDays` has expired; a rotating one is replaced. */
  private useRefresh(value: string, nowMs: number, s: OAuthSettings): RefreshToken | undefined {
    const t = this.refresh.find((r) => r.value === value);
    if (!t || nowMs - t.lastUsedMs > s.refreshTokenIdleDays * DAY_MS) return undefined;
    if (!s.refreshTokenRotates) {
      t.lastUsedMs = nowMs;
      return t;
    }
    this.refresh = this.refresh.filter((r) => r !== t);
    return this.newRefresh(nowMs);
  }

  /** POST /oauth/revoke: `token` (and `token_type_hint`); an unknown token is not an error. */
  revoke(req: SimRequest): SimResponse {
    if (!this.clientAuthenticated(req.headers.authorization))
      return oauthError(401, 'invalid_client', 'Client authentication failed');
    const token = isRecord(req.body) ? textOf(req.body.token ?? '') : '';
    this.access = this.access.filter((t) => t.value !== token);
    this.refresh = this.refresh.filter((t) => t.value !== token);
    return json(200, { success: true });
  }

  /** A refresh token issued now, as if the user had just authorized the app. */
  issueRefreshToken(nowMs: number): string {
    return this.newRefresh(nowMs).value;
  }

  refreshTokenValid(value: string, nowMs: number, idleDays: number): boolean {
    return this.refresh.some((r) => r.value === value && nowMs - r.lastUsedMs <= idleDays * DAY_MS);
  }

  issueCode(nowMs: number, ttlSec: number): string {
    const code = randomHex(16);
    this.codes = this.codes.filter((c) => c.expiresMs > nowMs);
    this.codes.push({ value: code, expiresMs: nowMs + ttlSec * 1000 });
    return code;
  }

  /** Access tokens stop working now; refresh tokens too with `includeRefresh`. */
  expire(includeRefresh: boolean): void {
    this.access = [];
    if (includeRefresh) this.refresh = [];
  }

  toState(): PipedriveAuthState {
    return structuredClone({
      credentials: this.credentials,
      access: this.access,
      refresh: this.refresh,
      codes: this.codes,
    });
  }
}
