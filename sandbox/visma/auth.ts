import { Prng } from '../framework/prng.js';
import { randomToken } from '../framework/tokens.js';
import { isRecord, type SimResponse } from '../framework/types.js';
import { oauthError } from './errors.js';

export interface VismaCredentials {
  client_id: string;
  client_secret: string;
  /** The company tenant: the only one whose tokens work on the API. */
  tenant_id: string;
  company_id: string;
}

interface IssuedToken {
  clientId: string;
  tenantId: string;
  scope: string;
  expiresMs: number;
  /** Tokens from an older epoch were revoked by expireTokens(). */
  epoch: number;
}

export interface VismaAuthState {
  credentials: VismaCredentials;
  epoch: number;
  tokens: Array<[string, IssuedToken]>;
}

export const DEFAULT_SCOPE =
  'vismanet_erp_service_api:create vismanet_erp_service_api:delete vismanet_erp_service_api:read vismanet_erp_service_api:update';

function uuidFrom(rng: Prng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Credentials derive from the seed, so a re-started sandbox accepts the same client. */
export function credentialsFromSeed(seed: number): VismaCredentials {
  const rng = new Prng(seed ^ 0x0a17_c0de);
  return {
    client_id: `mlc-sandbox-${rng.hex(8)}`,
    client_secret: rng.hex(40),
    tenant_id: uuidFrom(rng),
    company_id: String(rng.int(1_000_000, 9_999_999)),
  };
}

export type Verified = { ok: true; key: string } | { ok: false; message: string };

/** Visma Connect client_credentials, as far as the API can observe it. */
export class VismaAuth {
  credentials: VismaCredentials;
  private epoch = 0;
  private tokens = new Map<string, IssuedToken>();

  constructor(credentials: VismaCredentials, state?: VismaAuthState) {
    this.credentials = state?.credentials ?? credentials;
    if (state) {
      this.epoch = state.epoch;
      this.tokens = new Map(state.tokens);
    }
  }

  /** POST /connect/token. */
  issue(body: unknown, nowMs: number, expiresIn: number): SimResponse {
    const form = isRecord(body) ? body : {};
    const str = (k: string) => (typeof form[k] === 'string' ? form[k] : undefined);
    if (str('grant_type') !== 'client_credentials') {
      return str('grant_type') === undefined
        ? oauthError('invalid_request', 'grant_type is required')
        : oauthError('unsupported_grant_type');
    }
    if (str('client_id') !== this.credentials.client_id || str('client_secret') !== this.credentials.client_secret) {
      return oauthError('invalid_client');
    }
    const tenantId = str('tenant_id');
    if (!tenantId) return oauthError('invalid_request', 'tenant_id is required');
    const scope = str('scope') ?? DEFAULT_SCOPE;
    const token = randomToken(32);
    this.prune(nowMs);
    // A token for another tenant (e.g. the customer tenant) is still issued; the API rejects it (fix401error doc).
    this.tokens.set(token, {
      clientId: this.credentials.client_id,
      tenantId,
      scope,
      expiresMs: nowMs + expiresIn * 1000,
      epoch: this.epoch,
    });
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope } };
  }

  verify(authorization: string | undefined, nowMs: number): Verified {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return { ok: false, message: 'Access denied due to missing or invalid Authorization header.' };
    const t = this.tokens.get(m[1]);
    if (!t || t.epoch !== this.epoch) return { ok: false, message: 'Access denied due to invalid access token.' };
    if (t.expiresMs <= nowMs) return { ok: false, message: 'Access denied due to expired access token.' };
    if (t.tenantId !== this.credentials.tenant_id) {
      return { ok: false, message: 'Unauthorized: the token was issued for a tenant that is not a company tenant.' };
    }
    return { ok: true, key: `${t.clientId}|${t.tenantId}` };
  }

  /** Rate-limit key for a request, valid token or not. */
  rateKey(authorization: string | undefined): string {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const t = m ? this.tokens.get(m[1]) : undefined;
    return t ? `${t.clientId}|${t.tenantId}` : 'anonymous';
  }

  expireAll(): void {
    this.epoch++;
    this.tokens.clear();
  }

  private prune(nowMs: number): void {
    if (this.tokens.size < 1000) return;
    for (const [k, t] of this.tokens) if (t.expiresMs <= nowMs || t.epoch !== this.epoch) this.tokens.delete(k);
  }

  toState(): VismaAuthState {
    return { credentials: this.credentials, epoch: this.epoch, tokens: [...this.tokens] };
  }
}
