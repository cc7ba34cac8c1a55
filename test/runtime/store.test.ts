// The state store: SecretBox, the key file, credentials, token persistence, atomic checkpoints
// (crashes simulated inside writeFileAtomic), corrupt files and the lock file.
import { spawn, spawnSync } from 'node:child_process';
import * as realFs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SecretBox } from '../../engine/store/crypto.js';
import { LockedError } from '../../engine/store/lock.js';
import { SqlJsBackend } from '../../engine/store/sqljs/backend.js';
import { StateFileError, StateStore } from '../../engine/store/state.js';
import { tokenStore } from '../../engine/store/token-store.js';
import { removeTempDirs, tempDir } from './helpers.js';

// Crash switches for the file system calls of writeFileAtomic (engine/store/atomic-file.ts).
const crash = vi.hoisted(() => ({
  midWrite: false,
  beforeRename: false,
  afterLockRead: undefined as undefined | ((path: string) => void),
}));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = (...args: unknown[]): number => {
    if (crash.midWrite && args[1] instanceof Uint8Array) {
      const [fd, data, off] = args as [number, Uint8Array, number];
      fs.writeSync(fd, data, off, Math.floor((data.length - off) / 2));
      throw new Error('simulated crash in the middle of writing the temp file');
    }
    return (fs.writeSync as (...a: unknown[]) => number)(...args);
  };
  const renameSync = (from: realFs.PathLike, to: realFs.PathLike) => {
    if (crash.beforeRename) throw new Error('simulated crash before the rename');
    fs.renameSync(from, to);
  };
  // Lets a test act as a second process right after the lock file was read (engine/store/lock.ts).
  const readFileSync = (...args: unknown[]) => {
    const out = (fs.readFileSync as (...a: unknown[]) => unknown)(...args);
    const hook = crash.afterLockRead;
    if (hook && String(args[0]).endsWith('.lock')) {
      crash.afterLockRead = undefined;
      hook(String(args[0]));
    }
    return out;
  };
  return { ...fs, default: { ...fs, writeSync, renameSync, readFileSync }, writeSync, renameSync, readFileSync };
});

afterEach(() => {
  crash.midWrite = false;
  crash.beforeRename = false;
  crash.afterLockRead = undefined;
  removeTempDirs();
});

const KEY = SecretBox.fromKey('0123456789abcdef'.repeat(4));

describe('SecretBox', () => {
  it('round trip; every encryption differs (random IV); a wrong key cannot decrypt', () => {
    const box = SecretBox.fromKey('correct horse battery staple');
    const a = box.encrypt('s3cr3t value ✓');
    const b = box.encrypt('s3cr3t value ✓');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
    expect(a).not.toContain('s3cr3t');
    expect(box.decrypt(a)).toBe('s3cr3t value ✓');
    expect(() => SecretBox.fromKey('another passphrase').decrypt(a)).toThrow(/not the key it was stored with/);
  });

  it('a tampered value or something not sealed by mlc is refused', () => {
    const box = SecretBox.fromKey('k');
    const [v, iv, tag, data] = box.encrypt('hello world').split(':');
    const flipped = Buffer.from(data, 'base64');
    flipped[0] ^= 1;
    expect(() => box.decrypt([v, iv, tag, flipped.toString('base64')].join(':'))).toThrow(/cannot decrypt/);
    expect(() => box.decrypt('plain text')).toThrow(/not an mlc encrypted value/);
    expect(box.decrypt(box.encrypt(''))).toBe('');
  });

  it('64 hex characters and 44 base64 characters are used as raw keys; both forms of the same key agree', () => {
    const raw = Buffer.alloc(32, 7);
    const hex = SecretBox.fromKey(raw.toString('hex'));
    const b64 = SecretBox.fromKey(raw.toString('base64'));
    expect(b64.decrypt(hex.encrypt('x'))).toBe('x');
    expect(() => SecretBox.fromKey('passphrase').decrypt(hex.encrypt('x'))).toThrow();
  });
});

describe('key file', () => {
  it('is created with mode 0600 and gives the same key when read back', () => {
    const dir = tempDir();
    const file = join(dir, 'nested', 'master.key');
    const a = SecretBox.fromEnvOrFile(file, {});
    a.checkValue(); // the key is made at its first use
    expect(realFs.statSync(file).mode & 0o777).toBe(0o600);
    expect(realFs.readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    const b = SecretBox.fromEnvOrFile(file, {});
    expect(b.decrypt(a.encrypt('same key'))).toBe('same key');
  });

  it.skipIf(process.platform === 'win32')('is refused when group or others can read it', () => {
    const dir = tempDir();
    const file = join(dir, 'master.key');
    SecretBox.fromEnvOrFile(file, {}).checkValue();
    realFs.chmodSync(file, 0o640);
    expect(() => SecretBox.fromEnvOrFile(file, {})).toThrow(/readable by others \(mode 640\); run chmod 600/);
    realFs.chmodSync(file, 0o604);
    expect(() => SecretBox.fromEnvOrFile(file, {})).toThrow(/readable by others/);
    realFs.chmodSync(file, 0o600);
    expect(() => SecretBox.fromEnvOrFile(file, {})).not.toThrow();
  });

  it('MLC_MASTER_KEY wins and no key file is written', () => {
    const dir = tempDir();
    const file = join(dir, 'master.key');
    const box = SecretBox.fromEnvOrFile(file, { MLC_MASTER_KEY: 'from the environment' });
    expect(realFs.existsSync(file)).toBe(false);
    expect(SecretBox.fromKey('from the environment').decrypt(box.encrypt('v'))).toBe('v');
  });

  it('StateStore.open creates master.key beside the state file at the first secret, not before', async () => {
    const dir = tempDir();
    const state = await SqlJsBackend.open(join(dir, 'state.db'));
    expect(realFs.existsSync(join(dir, 'master.key'))).toBe(false);
    await state.credentials.set('x', 'y');
    await state.close();
    expect(realFs.statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
  });
});

describe('credentials', () => {
  it('list shows names and dates only; values are stored encrypted on disk', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const state = await SqlJsBackend.open(path, { secrets: KEY });
    const creds = state.credentials;
    await creds.set('zendesk_secret', 'zd-super-secret-value-123');
    await creds.set('pin', 'abc');
    const list = await creds.list();
    expect(list.map((r) => Object.keys(r).sort())).toEqual([
      ['name', 'updatedAt'],
      ['name', 'updatedAt'],
    ]);
    expect(list.map((r) => r.name)).toEqual(['pin', 'zendesk_secret']);
    expect(creds.get('zendesk_secret')).toBe('zd-super-secret-value-123');
    expect(realFs.readFileSync(path).includes(Buffer.from('zd-super-secret'))).toBe(false);
    expect(await creds.remove('pin')).toBe(true);
    expect(await creds.remove('pin')).toBe(false);
    await state.close();
  });
});

describe('token store', () => {
  it('set persists at once (a new reader of the file sees it); delete removes it', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const state = await SqlJsBackend.open(path, { secrets: KEY });
    const tokens = tokenStore(state, 'qb');
    await tokens.set('refresh_token', 'rt-rotated', undefined);
    await tokens.set('access_token', 'at-1', 1_800_000_000_000);
    const reader = await SqlJsBackend.open(path, { secrets: KEY, lock: false });
    expect(await tokenStore(reader, 'qb').get('refresh_token')).toEqual({ value: 'rt-rotated', expiresAt: undefined });
    expect(await tokenStore(reader, 'qb').get('access_token')).toEqual({ value: 'at-1', expiresAt: 1_800_000_000_000 });
    expect(await tokenStore(reader, 'other').get('refresh_token')).toBeUndefined();
    await reader.abandon();
    await tokens.delete('access_token');
    expect(await tokens.get('access_token')).toBeUndefined();
    expect(realFs.readFileSync(path).includes(Buffer.from('rt-rotated'))).toBe(false);
    await state.close();
  });
});

describe('atomic checkpoints', () => {
  async function withCheckpoint(dir: string) {
    const path = join(dir, 'state.db');
    const state = await StateStore.open(path, { secrets: KEY });
    state.setMeta('generation', 'one');
    state.run('INSERT INTO cursors VALUES (?, ?, ?, ?)', ['visma', 'customers', '2026-01-01T00:00:00.000Z', 'now']);
    state.checkpoint();
    return { path, state };
  }

  async function reopenAndRead(path: string) {
    const s = await StateStore.open(path, { secrets: KEY });
    try {
      return {
        generation: s.getMeta('generation'),
        cursor: s.get<{ value: string }>('SELECT value FROM cursors')?.value,
      };
    } finally {
      s.abandon();
    }
  }

  it('a failed write (disk full) leaves the previous checkpoint loadable with its data, and no half-written copy', async () => {
    const dir = tempDir();
    const { path, state } = await withCheckpoint(dir);
    state.setMeta('generation', 'two');
    state.run('UPDATE cursors SET value = ?', ['2026-02-02T00:00:00.000Z']);
    crash.midWrite = true;
    expect(() => {
      state.checkpoint();
    }).toThrow(new RegExp(`could not save the state file ${path}.*simulated crash`));
    crash.midWrite = false;
    state.abandon(); // the process is gone: nothing more is written
    // What is left is a marker of a few bytes, not the half-written copy.
    const torn = realFs.readdirSync(dir).filter((f) => f.startsWith('state.db.tmp-'));
    expect(torn).toHaveLength(1);
    expect(realFs.statSync(join(dir, torn[0])).size).toBeLessThan(1000);
    expect(await reopenAndRead(path)).toEqual({ generation: 'one', cursor: '2026-01-01T00:00:00.000Z' });
  });

  it('a run whose first checkpoint failed (disk full) is recorded as interrupted at the next open, with the reason', async () => {
    const dir = tempDir();
    const { path, state } = await withCheckpoint(dir);
    state.run('INSERT INTO runs (id, mapping, started_at, status) VALUES (?, ?, ?, ?)', [
      'run-enospc',
      'visma-zendesk',
      new Date().toISOString(),
      'running',
    ]);
    crash.midWrite = true;
    expect(() => {
      state.checkpoint();
    }).toThrow(StateFileError);
    crash.midWrite = false;
    state.abandon();
    const again = await StateStore.open(path, { secrets: KEY });
    expect(realFs.readdirSync(dir).filter((f) => f.startsWith('state.db.tmp-'))).toEqual([]);
    const run = again.get<{ status: string; summary: string }>(
      "SELECT status, summary FROM runs WHERE id = 'run-enospc'",
    );
    expect(run?.status).toBe('interrupted');
    expect(JSON.parse(run!.summary).error).toMatch(
      /could not save the state \(simulated crash in the middle of writing the temp file\)/,
    );
    again.close();
  });

  it('a crash after the temp file is complete but before the rename also keeps the previous checkpoint', async () => {
    const dir = tempDir();
    const { path, state } = await withCheckpoint(dir);
    state.setMeta('generation', 'two');
    crash.beforeRename = true;
    expect(() => {
      state.checkpoint();
    }).toThrow(/simulated crash/);
    crash.beforeRename = false;
    state.abandon();
    expect(await reopenAndRead(path)).toEqual({ generation: 'one', cursor: '2026-01-01T00:00:00.000Z' });
  });

  it('garbage temp files of other (crashed) processes do not disturb loading or later checkpoints', async () => {
    const dir = tempDir();
    const { path, state } = await withCheckpoint(dir);
    state.close();
    realFs.writeFileSync(`${path}.tmp-99999`, 'SQLite format 3\0 half a page of nonsense');
    realFs.writeFileSync(`${path}.tmp-${process.pid}`, Buffer.alloc(100, 0xff));
    expect(await reopenAndRead(path)).toEqual({ generation: 'one', cursor: '2026-01-01T00:00:00.000Z' });
    const again = await StateStore.open(path, { secrets: KEY });
    again.setMeta('generation', 'three');
    again.close();
    expect((await reopenAndRead(path)).generation).toBe('three');
  });

  it('checkpoint writes only when something changed; close persists', async () => {
    const dir = tempDir();
    const { path, state } = await withCheckpoint(dir);
    const before = realFs.statSync(path).mtimeMs;
    const inode = realFs.statSync(path).ino;
    state.checkpoint();
    expect(realFs.statSync(path).ino).toBe(inode); // not rewritten
    expect(realFs.statSync(path).mtimeMs).toBe(before);
    state.setMeta('generation', 'closed');
    state.close();
    expect((await reopenAndRead(path)).generation).toBe('closed');
  });

  it('abandon() drops what was not checkpointed', async () => {
    const dir = tempDir();
    const { path, state } = await withCheckpoint(dir);
    state.setMeta('generation', 'lost');
    state.abandon();
    expect((await reopenAndRead(path)).generation).toBe('one');
  });

  it('a rolled back transaction leaves no trace', async () => {
    const state = await StateStore.open(null, { secrets: KEY });
    expect(() =>
      state.transaction(() => {
        state.setMeta('x', '1');
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(state.getMeta('x')).toBeUndefined();
    state.transaction(() => {
      for (const row of [
        ['a', '1'],
        ['b', '2'],
      ])
        state.run('INSERT INTO meta VALUES (?, ?)', row);
    });
    expect(state.all('SELECT key FROM meta ORDER BY key')).toEqual([{ key: 'a' }, { key: 'b' }]);
    state.abandon();
  });
});

describe('corrupt state files', () => {
  it('garbage gives StateFileError with the path and what to do, and releases the lock', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    realFs.writeFileSync(path, 'this is not a database at all, just text '.repeat(200));
    const err = await StateStore.open(path, { secrets: KEY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateFileError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(
      /is damaged: it is not a readable SQLite database .*Restore .* from a backup, or delete .* to start a fresh state/,
    );
    expect(realFs.existsSync(`${path}.lock`)).toBe(false);
  });

  it('a truncated database (a torn non-atomic copy) gives StateFileError too', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    s.transaction(() => {
      for (let i = 0; i < 500; i++)
        s.run('INSERT INTO mirror (connection, stream, key, version, data) VALUES (?, ?, ?, ?, ?)', [
          'c',
          's',
          String(i),
          'v',
          'x'.repeat(300),
        ]);
    });
    s.close();
    const bytes = realFs.readFileSync(path);
    realFs.writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(StateStore.open(path, { secrets: KEY })).rejects.toBeInstanceOf(StateFileError);
  });
});

describe('lock file', () => {
  const lockOf = (path: string) =>
    JSON.parse(realFs.readFileSync(`${path}.lock`, 'utf8')) as { pid: number; host: string };

  it('a second open of the same state file in a live process is refused, and allowed after close', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const first = await StateStore.open(path, { secrets: KEY });
    expect(lockOf(path)).toMatchObject({ pid: process.pid, host: hostname() });
    const err = await StateStore.open(path, { secrets: KEY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect((err as Error).message).toContain(`delete ${path}.lock if that process is gone`);
    first.close();
    expect(realFs.existsSync(`${path}.lock`)).toBe(false);
    const second = await StateStore.open(path, { secrets: KEY });
    second.close();
  });

  it('a lock held by another live process is refused; once that process is dead the lock is taken over', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      realFs.writeFileSync(
        `${path}.lock`,
        JSON.stringify({ pid: child.pid, host: hostname(), at: new Date().toISOString() }),
      );
      await expect(StateStore.open(path, { secrets: KEY })).rejects.toThrow(
        new RegExp(`another mlc process \\(pid ${child.pid} on`),
      );
      // The parent of this test process is alive too.
      realFs.writeFileSync(`${path}.lock`, JSON.stringify({ pid: process.ppid, host: hostname() }));
      await expect(StateStore.open(path, { secrets: KEY })).rejects.toBeInstanceOf(LockedError);
      realFs.writeFileSync(`${path}.lock`, JSON.stringify({ pid: child.pid, host: hostname() }));
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => {
        if (child.exitCode !== null || child.signalCode !== null) r(undefined);
        else child.once('exit', r);
      });
    }
    const s = await StateStore.open(path, { secrets: KEY });
    expect(lockOf(path).pid).toBe(process.pid);
    s.close();
  });

  it('a stale lock (dead pid on this host) or a torn lock file is taken over', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    realFs.writeFileSync(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname() }));
    const a = await StateStore.open(path, { secrets: KEY });
    a.close();
    realFs.writeFileSync(`${path}.lock`, '{"pid": 12');
    const b = await StateStore.open(path, { secrets: KEY });
    expect(lockOf(path).pid).toBe(process.pid);
    b.close();
  });

  // Regression (was a bug): engine/store/lock.ts acquireLock(): taking over a stale lock is read-check-unlink, not atomic. If another
  // process takes the stale lock over between our read and our unlinkSync, we delete ITS fresh lock and create our
  // own: two live processes then hold the same state file (and overwrite each other's checkpoints).
  it('two processes taking over the same stale lock: only one of them gets it', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    realFs.writeFileSync(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname() }));
    // Right after we read the stale lock, the other process (alive: our parent's pid) replaces it with its own.
    crash.afterLockRead = (lock) => {
      realFs.unlinkSync(lock);
      realFs.writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), at: new Date().toISOString() }));
    };
    const got = await StateStore.open(path, { secrets: KEY }).catch((e: unknown) => e);
    if (got instanceof StateStore) got.close();
    expect(got).toBeInstanceOf(LockedError);
  });

  it('a lock from another host is respected (its pid cannot be checked from here)', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    realFs.writeFileSync(`${path}.lock`, JSON.stringify({ pid: dead, host: `not-${hostname()}` }));
    await expect(StateStore.open(path, { secrets: KEY })).rejects.toThrow(/another mlc process/);
  });

  it('lock: false opens without taking or checking the lock (read-only helpers)', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const owner = await StateStore.open(path, { secrets: KEY });
    const reader = await StateStore.open(path, { secrets: KEY, lock: false });
    reader.abandon();
    expect(lockOf(path).pid).toBe(process.pid);
    owner.close();
  });
});
