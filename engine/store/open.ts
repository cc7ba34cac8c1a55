import type { OpenStateOptions, StateBackend } from './backend.js';
import { SqlJsBackend } from './sqljs/backend.js';

/**
 * Opens the state a run works with: the embedded sql.js backend on a state file (taking its
 * lock), or in memory when `path` is null (nothing persists, and no key file is read or made).
 */
export function openState(path: string | null, opts: OpenStateOptions = {}): Promise<StateBackend> {
  return SqlJsBackend.open(path, opts);
}
