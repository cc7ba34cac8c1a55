import type { TokenStore } from '../auth/context.js';
import { checkMasterKey } from './key-check.js';
import type { StateStore } from './state.js';

/** Tokens of one connection, encrypted in the state database and persisted as soon as they change. */
export function tokenStore(state: StateStore, connection: string): TokenStore {
  return {
    get(kind) {
      const row = state.get<{ value: string; expires_at: string | null }>('SELECT value, expires_at FROM tokens WHERE connection = ? AND kind = ?', [connection, kind]);
      if (!row) return undefined;
      return { value: state.secrets.decrypt(row.value), expiresAt: row.expires_at ? Number(row.expires_at) : undefined };
    },
    set(kind, value, expiresAt) {
      checkMasterKey(state);
      state.run('INSERT OR REPLACE INTO tokens (connection, kind, value, expires_at) VALUES (?, ?, ?, ?)', [connection, kind, state.secrets.encrypt(value), expiresAt === undefined ? null : String(expiresAt)]);
      state.checkpoint();
    },
    delete(kind) {
      state.run('DELETE FROM tokens WHERE connection = ? AND kind = ?', [connection, kind]);
    },
  };
}
