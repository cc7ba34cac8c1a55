import { SqlJsBackend } from '../store/sqljs/backend.js';
import type { StateStore } from '../store/state.js';
import { connectionSecrets } from '../store/token-store.js';
import type { ConnectionSecrets } from './connection.js';

/**
 * A connection's secrets from a StateStore, for callers that still pass one to openConnection
 * (they pass `connectionSecrets(backend, name)` once they work on the state backend; then this
 * file goes).
 */
export function secretsOfState(state: StateStore, connection: string): ConnectionSecrets {
  return connectionSecrets(SqlJsBackend.over(state), connection);
}
