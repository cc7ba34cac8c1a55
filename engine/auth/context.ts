import type { AuthApplier, HttpClient } from '../http/client.js';

/** Where an auth strategy keeps tokens between runs (encrypted in the state database). */
export interface TokenStore {
  get(kind: string): { value: string; expiresAt?: number } | undefined;
  /** Stores and persists at once: a rotated refresh token must survive a crash before it is used. */
  set(kind: string, value: string, expiresAt?: number): void;
  delete(kind: string): void;
}

export interface AuthContext {
  connection: string;
  /** Resolved connection values, for templates */
  vars: Record<string, string>;
  /** The connection's token_url override */
  tokenUrl?: string;
  baseUrl: string;
  http: HttpClient;
  tokens: TokenStore;
  now: () => number;
}

export type AuthProvider = AuthApplier & {
  /** Sign out where the API keeps sessions (Acumatica cookie login). */
  close?(): Promise<void>;
};
