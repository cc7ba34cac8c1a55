import { Prng } from '../framework/prng.js';
import { randomHex } from '../framework/tokens.js';
import { isRecord, textOf, json, type SimRequest, type SimResponse } from '../framework/types.js';

export interface MarketoCredentials {
  munchkin_id: string;
  client_id: string;
  client_secret: string;
  /** The API-only user that owns the custom service: Identity's `scope`. */
  scope: string;
}

interface IssuedToken {
  value: string;
  expiresMs: number;
}

export interface MarketoAuthState {
  credentials: MarketoCredentials;
  current: IssuedToken | null;
  /** Tokens issued before the current one: presented again they are expired (602), not unknown (601). */
  earlier: string[];
}

/** How many earlier tokens are remembered as expired rather than invalid. */
const EARLIER_KEPT = 50;

/** Credentials derive from the seed, so a re-started sandbox accepts the same client. */
export function credentialsFromSeed(seed: number): MarketoCredentials {
  const rng = new Prng(seed ^ 0x3a7c_e70a);
  const letters = () => Array.from({ length: 3 }, () => String.fromCharCode(65 + rng.int(0, 25))).join('');
  const uuid = () => `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
  return {
    munchkin_id: `${rng.digits(3)}-${letters()}-${rng.digits(3)}`,
    client_id: uuid(),
    client_secret: rng.hex(32),
    scope: 'mlc-api@sandbox.example',
  };
}

export type TokenCheck = 'ok' | 'invalid' | 'expired';

/**
 * Two-legged OAuth as authentication.md describes it: one token per custom service, the same token
 * (with its remaining lifespan) until it expires, then a new one.
 */
export class MarketoAuth {
  private current: IssuedToken | null;
  private earlier: string[];

  constructor(
    readonly credentials: MarketoCredentials,
    state?: MarketoAuthState,
  ) {
    this.current = state?.current ?? null;
    this.earlier = state?.earlier ?? [];
  }

  /** GET or POST /identity/oauth/token. */
  identity(req: SimRequest, nowMs: number, ttlSec: number, bodyCredentials: boolean): SimResponse {
    const form = bodyCredentials && isRecord(req.body) ? req.body : {};
    const param = (k: string): unknown => req.query[k] ?? form[k];
    // Identity's error bodies are not documented (only the 401); these follow OAuth 2.0. UNCONFIRMED.
    if (param('grant_type') !== 'client_credentials') {
      return json(400, {
        error: 'unsupported_grant_type',
        error_description: `Unsupported grant type: ${textOf(param('grant_type') ?? '')}`,
      });
    }
    const c = this.credentials;
    if (param('client_id') !== c.client_id || param('client_secret') !== c.client_secret) {
      return json(401, { error: 'invalid_client', error_description: 'Bad client credentials' });
    }
    const t = this.tokenAt(nowMs, ttlSec);
    const expires_in = Math.max(0, Math.floor((t.expiresMs - nowMs) / 1000));
    return json(200, { access_token: t.value, token_type: 'bearer', expires_in, scope: c.scope });
  }

  private tokenAt(nowMs: number, ttlSec: number): IssuedToken {
    if (this.current && this.current.expiresMs > nowMs) return this.current;
    if (this.current) this.remember(this.current.value);
    // Random, not seeded: a restored sandbox must never hand out a token it issued before.
    const h = randomHex(16);
    const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    // The pod suffix (":int", ":ab") is part of every documented token.
    this.current = { value: `${uuid}:sb`, expiresMs: nowMs + ttlSec * 1000 };
    return this.current;
  }

  private remember(token: string): void {
    this.earlier.push(token);
    if (this.earlier.length > EARLIER_KEPT) this.earlier.splice(0, this.earlier.length - EARLIER_KEPT);
  }

  check(token: string | undefined, nowMs: number): TokenCheck {
    if (!token) return 'invalid';
    if (this.current?.value === token) return this.current.expiresMs > nowMs ? 'ok' : 'expired';
    return this.earlier.includes(token) ? 'expired' : 'invalid';
  }

  /** The current token expires now; the next Identity call issues a new one. */
  expire(nowMs: number): void {
    if (this.current) this.current = { ...this.current, expiresMs: Math.min(this.current.expiresMs, nowMs) };
  }

  /** Remaining seconds of the current token, or null when none is live. */
  remainingSec(nowMs: number): number | null {
    return this.current && this.current.expiresMs > nowMs ? Math.floor((this.current.expiresMs - nowMs) / 1000) : null;
  }

  toState(): MarketoAuthState {
    return structuredClone({ credentials: this.credentials, current: this.current, earlier: this.earlier });
  }
}

/** The bearer token of a REST call: the Authorization header, or the query parameter when allowed. */
export function presentedToken(req: SimRequest, queryAllowed: boolean): { token?: string; viaQuery: boolean } {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  if (m) return { token: m[1], viaQuery: false };
  const q = req.query.access_token;
  if (q !== undefined) return { token: queryAllowed ? q : undefined, viaQuery: true };
  return { viaQuery: false };
}
