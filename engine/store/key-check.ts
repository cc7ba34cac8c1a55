import { MasterKeyError } from './crypto.js';
import type { StateStore } from './state.js';

const KEY_CHECK_META = 'master_key_check';

/**
 * Refuses a master key that is not the one the state's secrets were stored with, before anything
 * is read or written with it (a wrong key used to store new secrets made the old ones unreadable).
 * The state keeps a check value of its key; states from before it prove the key by decrypting one
 * stored secret. While nothing is stored under the old key, a new key simply replaces it.
 * `remember: false` checks without storing the check value.
 */
export function checkMasterKey(state: StateStore, o: { remember?: boolean } = {}): void {
  const mine = state.secrets.checkValue();
  const stored = state.getMeta(KEY_CHECK_META);
  if (stored === mine) return;
  const sample = state.get<{ value: string }>(
    'SELECT value FROM credentials UNION ALL SELECT value FROM tokens LIMIT 1',
  );
  if (sample) {
    const wrong = new MasterKeyError(
      `${state.secrets.source} is not the master key the secrets in ${state.path ?? 'this state'} were stored with; use that key (MLC_MASTER_KEY or the key file beside the state), nothing was changed`,
    );
    if (stored) throw wrong;
    try {
      state.secrets.decrypt(sample.value);
    } catch {
      throw wrong;
    }
  }
  // A lookup only verifies: it must not write (it may run while a transaction is open).
  if (o.remember !== false) state.setMeta(KEY_CHECK_META, mine);
}
