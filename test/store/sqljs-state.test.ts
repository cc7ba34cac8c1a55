// What only the sql.js backend has: its files. Kept payloads move out of the mirror of older
// state files into their own table and stay in the value log (compacted and checked with it);
// a state in memory never reads or makes a key file; a transaction never reaches the file half done.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../engine/store/crypto.js';
import { SqlJsBackend } from '../../engine/store/sqljs/backend.js';
import { StateStore } from '../../engine/store/state.js';
import { removeTempDirs, tempDir } from '../runtime/helpers.js';

afterEach(removeTempDirs);

const KEY = SecretBox.fromKey('3'.repeat(64));
const F = { mapping: 'visma-zendesk', flow: 'customers' };

/** A state file as versions before the written table left it: kept payloads as mirror rows of "#written:<mapping>". */
async function oldFormatState(path: string, payloads: Record<string, unknown>): Promise<void> {
  const s = await StateStore.open(path, { secrets: KEY });
  const keys = Object.keys(payloads);
  const stored = s.storeValues(keys.map((k) => JSON.stringify(payloads[k])));
  s.transaction(() => {
    keys.forEach((k, i) => {
      s.run('INSERT INTO mirror (connection, stream, key, version, data, pos, len) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        `#written:${F.mapping}`,
        F.flow,
        k,
        `hash-${k}`,
        ...stored[i],
      ]);
    });
    const source = ['visma', 'customers', 'c1', 'v1', '{}'];
    s.run('INSERT INTO mirror (connection, stream, key, version, data) VALUES (?, ?, ?, ?, ?)', source);
    s.run('DROP TABLE written');
  });
  s.close();
}

describe('kept payloads of an older state file', () => {
  it('move to their own table at open, read through the repository; the mirror keeps source records only', async () => {
    const path = join(tempDir(), 'state.db');
    await oldFormatState(path, { c1: { name: 'One AS' }, c2: { name: 'Two AS' } });
    const b = await SqlJsBackend.open(path, { secrets: KEY });
    const kept = [...(await b.writtenPayloads.load(F, ['c1', 'c2', 'c3'])).entries()];
    expect(kept).toEqual([
      ['c1', { name: 'One AS' }],
      ['c2', { name: 'Two AS' }],
    ]);
    const mirrored = b.state.all('SELECT connection, key FROM mirror ORDER BY connection');
    expect(mirrored).toEqual([{ connection: 'visma', key: 'c1' }]);
    const rows = b.state.all('SELECT key, hash FROM written ORDER BY key');
    expect(rows).toEqual([
      { key: 'c1', hash: 'hash-c1' },
      { key: 'c2', hash: 'hash-c2' },
    ]);
    expect(b.notes).toEqual([]);
    await b.close();
    // Moved for good: a reopen finds them where they went.
    const again = await SqlJsBackend.open(path, { secrets: KEY });
    expect((await again.writtenPayloads.load(F, ['c2'])).get('c2')).toEqual({ name: 'Two AS' });
    await again.close();
  });

  it('are compacted with the log, and a damaged one is dropped and said so (the source records stay)', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const b = await SqlJsBackend.open(path, { secrets: KEY });
    const customers = { connection: 'visma', stream: 'customers' };
    await b.mirror.put(customers, [{ key: 'c1', version: '1', data: '{"n":"source"}' }]);
    // Replaced at once: most of the log is then dead space, which compaction drops.
    await b.writtenPayloads.keep(F, [{ key: 'c1', hash: 'h', payload: { name: 'old'.repeat(100) } }]);
    await b.writtenPayloads.keep(F, [
      { key: 'c1', hash: 'h', payload: { name: 'kept-1' } },
      { key: 'c2', hash: 'h', payload: { name: 'kept-2' } },
    ]);
    await b.close();
    // Compaction rewrites every live value, the kept payloads included, into a new log.
    const compacted = await SqlJsBackend.open(path, { secrets: KEY, compactMinBytes: 1 });
    expect(readdirSync(dir).filter((f) => f.includes('.values.'))).toEqual(['state.db.values.2']);
    const kept = [...(await compacted.writtenPayloads.load(F, ['c1', 'c2'])).values()];
    expect(kept).toEqual([{ name: 'kept-1' }, { name: 'kept-2' }]);
    expect((await compacted.mirror.load(customers, ['c1'])).get('c1')?.data).toBe('{"n":"source"}');
    await compacted.close();

    const log = join(dir, 'state.db.values.2');
    const bytes = readFileSync(log);
    bytes[bytes.indexOf('kept-2') + 5] = '9'.charCodeAt(0);
    writeFileSync(log, bytes);
    const damaged = await SqlJsBackend.open(path, { secrets: KEY });
    expect(damaged.notes).toHaveLength(1);
    expect(damaged.notes[0]).toMatch(/^1 kept payload\(s\) of earlier writes in .*values\.2 could not be trusted/);
    expect(damaged.notes[0]).toContain('(does not match its checksum');
    expect([...(await damaged.writtenPayloads.load(F, ['c1', 'c2'])).keys()]).toEqual(['c1']);
    // No source record was damaged: no stream is read again.
    expect(await damaged.mirror.count(customers)).toBe(1);
    await damaged.close();
  });
});

describe('a state in memory', () => {
  it('never reads or makes ./.mlc/master.key, even when tokens and credentials are stored in it', async () => {
    const cwd = process.cwd();
    const dir = tempDir();
    const env = process.env.MLC_MASTER_KEY;
    delete process.env.MLC_MASTER_KEY;
    process.chdir(dir);
    try {
      const b = await SqlJsBackend.open(null);
      await b.tokens.set('crm', 'refresh_token', 'rt');
      await b.credentials.set('api_key', 'secret');
      expect(await b.tokens.get('crm', 'refresh_token')).toEqual({ value: 'rt', expiresAt: undefined });
      expect(b.credentials.get('api_key')).toBe('secret');
      await b.close();
      expect(existsSync(join(dir, '.mlc'))).toBe(false);
    } finally {
      process.chdir(cwd);
      if (env !== undefined) process.env.MLC_MASTER_KEY = env;
    }
  });
});

describe('the sql.js transaction gate', () => {
  it('a checkpoint asked for while a transaction is open waits for it: the file never holds half of one', async () => {
    const path = join(tempDir(), 'state.db');
    const b = await SqlJsBackend.open(path, { secrets: KEY });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const started = new Promise<void>((r) => (inside = r));
    const tx = b.transaction(async (t) => {
      await t.meta.set('half', 'done');
      inside();
      await held;
      throw new Error('rolled back');
    });
    await started;
    const checkpoint = b.checkpoint();
    release();
    await expect(tx).rejects.toThrow('rolled back');
    await checkpoint;
    await b.abandon();
    const again = await SqlJsBackend.open(path, { secrets: KEY });
    expect(await again.meta.get('half')).toBeUndefined();
    await again.close();
  });

  it('the old synchronous transaction joins an open one instead of committing it early', async () => {
    const b = await SqlJsBackend.open(null, { secrets: KEY });
    await expect(
      b.transaction(async (t) => {
        b.state.transaction(() => {
          b.state.setMeta('joined', '1');
        });
        await t.meta.set('own', '1');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await b.meta.get('joined')).toBeUndefined();
    await b.close();
  });
});
