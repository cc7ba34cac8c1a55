// The credential store and its master key: `credentials list` shows no character of any value, a
// wrong key is refused before anything is read or written, and a lost key file is never replaced
// while secrets encrypted with it exist.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialRepository } from '../../engine/store/backend.js';
import { MasterKeyError, SecretBox } from '../../engine/store/crypto.js';
import { SqlJsBackend } from '../../engine/store/sqljs/backend.js';
import { StateStore } from '../../engine/store/state.js';
import { tokenStore } from '../../engine/store/token-store.js';
import { ensureBuilt, runCli } from '../e2e/helpers.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

async function withCreds<T>(path: string, key: string, fn: (c: CredentialRepository) => T | Promise<T>): Promise<T> {
  const s = await SqlJsBackend.open(path, { secrets: SecretBox.fromKey(key) });
  try {
    return await fn(s.credentials);
  } finally {
    await s.close();
  }
}

describe('a wrong master key', () => {
  it('is refused at once by set, list, get and delete; the right key still reads everything', async () => {
    const path = join(tempDir(), 'state.db');
    await withCreds(path, KEY_A, (c) => c.set('zendesk_secret', 'zd-value'));
    type Op = (c: CredentialRepository) => unknown;
    for (const op of [
      (c) => c.set('other', 'x'),
      (c) => c.list(),
      (c) => c.get('zendesk_secret'),
      (c) => c.remove('zendesk_secret'),
    ] as Op[]) {
      await expect(withCreds(path, KEY_B, op)).rejects.toThrow(MasterKeyError);
    }
    await expect(withCreds(path, KEY_B, (c) => c.list())).rejects.toThrow(
      /is not the master key the secrets in .*state\.db were stored with/,
    );
    expect(await withCreds(path, KEY_A, async (c) => (await c.list()).map((r) => r.name))).toEqual(['zendesk_secret']);
    expect(await withCreds(path, KEY_A, (c) => c.get('zendesk_secret'))).toBe('zd-value');
    expect(await withCreds(path, KEY_A, (c) => c.remove('zendesk_secret'))).toBe(true);
  });

  it('a state from before the check value proves the key by decrypting a stored secret', async () => {
    const path = join(tempDir(), 'state.db');
    await withCreds(path, KEY_A, (c) => c.set('s', 'v'));
    const s = await StateStore.open(path, { secrets: SecretBox.fromKey(KEY_A) });
    s.run("DELETE FROM meta WHERE key = 'master_key_check'");
    s.close();
    await expect(withCreds(path, KEY_B, (c) => c.set('t', 'w'))).rejects.toThrow(MasterKeyError);
    expect(await withCreds(path, KEY_A, async (c) => (await c.list()).map((r) => r.name))).toEqual(['s']);
  });

  it('a token is not stored under a key other than the one of the secrets already there', async () => {
    const path = join(tempDir(), 'state.db');
    await withCreds(path, KEY_A, (c) => c.set('s', 'v'));
    const s = await SqlJsBackend.open(path, { secrets: SecretBox.fromKey(KEY_B) });
    await expect(tokenStore(s, 'zendesk').set('refresh_token', 'rt', undefined)).rejects.toThrow(MasterKeyError);
    await s.abandon();
  });

  it('with nothing stored under the old key, a new key simply takes over', async () => {
    const path = join(tempDir(), 'state.db');
    await withCreds(path, KEY_A, (c) => c.set('s', 'v'));
    await withCreds(path, KEY_A, (c) => c.remove('s'));
    await withCreds(path, KEY_B, (c) => c.set('t', 'w'));
    expect(await withCreds(path, KEY_B, (c) => c.get('t'))).toBe('w');
  });
});

describe('a missing key file', () => {
  it('is never regenerated while secrets exist: a clear error, and no new key file', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const env = { ...process.env };
    delete process.env.MLC_MASTER_KEY;
    try {
      let s = await SqlJsBackend.open(path);
      await s.credentials.set('s', 'v');
      await s.close();
      rmSync(join(dir, 'master.key'));
      s = await SqlJsBackend.open(path);
      await expect(s.credentials.list()).rejects.toThrow(
        /the key file .*master\.key is missing, but the state holds secrets encrypted with it.*Restore .*master\.key from a backup, or set MLC_MASTER_KEY/,
      );
      await expect(s.credentials.set('t', 'w')).rejects.toThrow(MasterKeyError);
      expect(() => s.credentials.get('s')).toThrow(MasterKeyError);
      await s.abandon();
      expect(existsSync(join(dir, 'master.key'))).toBe(false);
    } finally {
      process.env.MLC_MASTER_KEY = env.MLC_MASTER_KEY;
      if (env.MLC_MASTER_KEY === undefined) delete process.env.MLC_MASTER_KEY;
    }
  });
});

describe('mlc credentials (CLI)', () => {
  beforeAll(ensureBuilt, 240_000);

  it('list prints names and dates only, never a character of a value; a wrong MLC_MASTER_KEY is refused at once by set, list and delete', async () => {
    const path = join(tempDir(), 'state.db');
    const good = { MLC_MASTER_KEY: KEY_A };
    const secret = 'Zq-81-secret-value-Xy';
    expect(
      (await runCli(['credentials', 'set', 'zendesk_secret', '--value', secret, '--state', path], { env: good })).code,
    ).toBe(0);
    expect((await runCli(['credentials', 'set', 'pin', '--value', 'k7', '--state', path], { env: good })).code).toBe(0);
    const list = await runCli(['credentials', 'list', '--state', path], { env: good });
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const [line, name] of [
      [lines[0], 'pin'],
      [lines[1], 'zendesk_secret'],
    ])
      expect(line).toMatch(new RegExp(`^${name} {2}\\(set \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)$`));
    for (const v of [secret, 'k7'])
      for (const piece of [v.slice(0, 2), v.slice(-2)]) expect(list.stdout).not.toContain(piece);

    const wrong = { MLC_MASTER_KEY: KEY_B };
    for (const args of [['set', 'other', '--value', 'x'], ['list'], ['delete', 'pin']]) {
      const r = await runCli(['credentials', ...args, '--state', path], { env: wrong });
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toMatch(/MLC_MASTER_KEY is not the master key the secrets in .* were stored with/);
    }
    const after = await runCli(['credentials', 'list', '--state', path], { env: good });
    expect(
      after.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['pin', 'zendesk_secret']);
    expect(readFileSync(path).includes(Buffer.from(secret))).toBe(false);
  }, 60_000);
});
