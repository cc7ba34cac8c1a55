import type { AuthApplier, HttpClient } from '../http/client.js';

/**
 * Where an auth strategy keeps tokens between runs (encrypted in the state). Async, so a networked
 * state backend serves it as well as the embedded one.
 */
export interface TokenStore {
  get(kind: string): Promise<{ value: string; expiresAt?: number } | undefined>;
  /** Durable before it resolves: a rotated refresh token must survive a crash before it is used. */
  set(kind: string, value: string, expiresAt?: number): Promise<void>;
  delete(kind: string): Promise<void>;
}

/** What an auth strategy is given when it is created. */
export interface AuthContext {
  connection: string;
  /** Resolved connection values, for templates */
  vars: Record<string, string>;
  /** The connection's token_url override */
  tokenUrl?: string;
  baseUrl: string;
  /**
   * The client for the strategy's own requests (token, sign-in, sign-out): it applies no auth and
   * none of the API's default headers and query. It shares the API client's limits, statistics
   * and redactor; the API client is built afterwards, with this strategy as its auth.
   */
  http: HttpClient;
  tokens: TokenStore;
  now: () => number;
}

export type AuthProvider = AuthApplier & {
  /** Sign out where the API keeps sessions (Acumatica cookie login). */
  close?(): Promise<void>;
};
