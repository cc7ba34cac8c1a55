import type { TokenStore } from '../auth/context.js';
import type { StateBackend, TokenRepository } from './backend.js';

/** Tokens of one connection, encrypted in the state and durable as soon as they change. */
export function tokenStore(state: { tokens: TokenRepository }, connection: string): TokenStore {
  return {
    get: (kind) => state.tokens.get(connection, kind),
    set: (kind, value, expiresAt) => state.tokens.set(connection, kind, value, expiresAt),
    delete: (kind) => state.tokens.delete(connection, kind),
  };
}

/** What a connection needs of the state: its tokens, and the stored credentials its values name. */
export interface ConnectionSecrets {
  tokens: TokenStore;
  credential(name: string): string | undefined;
}

export function connectionSecrets(
  state: Pick<StateBackend, 'tokens' | 'credentials'>,
  connection: string,
): ConnectionSecrets {
  return { tokens: tokenStore(state, connection), credential: (name) => state.credentials.get(name) };
}
