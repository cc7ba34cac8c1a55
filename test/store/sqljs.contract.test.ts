// The state backend contract against the embedded sql.js backend, on a state file (value log,
// checkpoints, lock) and in memory.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { SecretBox } from '../../engine/store/crypto.js';
import { SqlJsBackend } from '../../engine/store/sqljs/backend.js';
import { removeTempDirs, tempDir } from '../runtime/helpers.js';
import { describeBackendContract } from './contract.js';

afterEach(removeTempDirs);

const KEY = SecretBox.fromKey('1'.repeat(64));
const OTHER_KEY = SecretBox.fromKey('2'.repeat(64));

/** Every file of the state (database, value log, journal) as text. */
const filesOf = (dir: string) =>
  readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');

describeBackendContract('sql.js on a state file', async () => {
  const dir = tempDir();
  const path = join(dir, 'state.db');
  const backend = await SqlJsBackend.open(path, { secrets: KEY });
  return {
    backend,
    atRest: async () => {
      await backend.checkpoint();
      return filesOf(dir);
    },
    reopen: () => SqlJsBackend.open(path, { secrets: KEY }),
    reopenWithOtherKey: () => SqlJsBackend.open(path, { secrets: OTHER_KEY }),
  };
});
