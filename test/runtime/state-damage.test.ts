// State files that were damaged on disk: value-log checksums, unfinished checkpoints left by a
// killed process, damaged and empty databases, and the permissions of everything the state writes.
import { readdirSync, readFileSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../engine/store/crypto.js';
import { listRuns } from '../../engine/store/history.js';
import { StateFileError, StateStore } from '../../engine/store/state.js';
import { ValueLog } from '../../engine/store/value-log.js';
import { removeTempDirs, tempDir } from './helpers.js';

const KEY = SecretBox.fromKey('0123456789abcdef'.repeat(4));
afterEach(removeTempDirs);

function put(s: StateStore, stream: string, records: Record<string, string>): void {
  const keys = Object.keys(records);
  const stored = s.storeValues(keys.map((k) => records[k]));
  s.transaction(() => {
    keys.forEach((k, i) => {
      s.run(
        'INSERT OR REPLACE INTO mirror (connection, stream, key, version, data, pos, len) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ['visma', stream, k, 'v1', ...stored[i]],
      );
    });
  });
  s.run('INSERT OR REPLACE INTO cursors (connection, stream, value) VALUES (?, ?, ?)', [
    'visma',
    stream,
    '2026-01-01T00:00:00Z',
  ]);
}

const rows = (s: StateStore, stream: string) =>
  s.all<{ key: string; data: string | null; pos: number | null; len: number | null }>(
    'SELECT key, data, pos, len FROM mirror WHERE stream = ? ORDER BY key',
    [stream],
  );
const logPath = (dir: string) =>
  join(
    dir,
    readdirSync(dir).find((f) => /\.values\.\d+$/.test(f))!,
  );

describe('value-log checksums', () => {
  it('a same-length edit is caught at open: only the edited record is dropped and its stream read again; the others are kept', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    put(s, 'customers', { c1: '{"creditLimit":10000}', c2: '{"creditLimit":10000}' });
    put(s, 'invoices', { i1: '{"amount":5}' });
    s.close();
    const log = logPath(dir);
    const bytes = readFileSync(log);
    // The second customer's credit limit: 10000 -> 90000.
    const second = bytes.indexOf('10000', bytes.indexOf('10000') + 1);
    expect(second).toBeGreaterThan(0);
    bytes[second] = '9'.charCodeAt(0);
    writeFileSync(log, bytes);

    const again = await StateStore.open(path, { secrets: KEY });
    expect(again.notes).toHaveLength(1);
    expect(again.notes[0]).toMatch(
      /1 stored source record\(s\) in .*state\.db\.values\.1 could not be trusted \(does not match its checksum: the log was changed on disk\).*visma\/customers: 1 \(c2\)/,
    );
    expect(rows(again, 'customers').map((r) => [r.key, again.loadValue(r)])).toEqual([['c1', '{"creditLimit":10000}']]);
    expect(rows(again, 'invoices').map((r) => again.loadValue(r))).toEqual(['{"amount":5}']);
    // The stream with the damaged record is read from the beginning again; the other keeps its cursor.
    expect(again.all('SELECT stream FROM cursors')).toEqual([{ stream: 'invoices' }]);
    again.close();
    // Repaired: the next open finds nothing.
    const third = await StateStore.open(path, { secrets: KEY });
    expect(third.notes).toEqual([]);
    third.close();
  });

  it('a value changed during a run is refused at read, never returned', async () => {
    const dir = tempDir();
    const s = await StateStore.open(join(dir, 'state.db'), { secrets: KEY });
    put(s, 'customers', { c1: '{"creditLimit":10000}' });
    s.checkpoint();
    const log = logPath(dir);
    const bytes = readFileSync(log);
    bytes[bytes.indexOf('10000')] = '9'.charCodeAt(0);
    writeFileSync(log, bytes);
    expect(() => s.loadValue(rows(s, 'customers')[0])).toThrow(
      /value log .*state\.db\.values\.1: the record at byte \d+ \(21 bytes\) does not match its checksum/,
    );
    s.close();
  });

  it('a log from before checksums is read, then rewritten with them at the next locked open', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const SQL = await initSqlJs();
    const old = new SQL.Database();
    old.exec(
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); CREATE TABLE mirror (connection TEXT, stream TEXT, key TEXT, version TEXT, data TEXT, pos INTEGER, len INTEGER, PRIMARY KEY (connection, stream, key)) WITHOUT ROWID; INSERT INTO meta VALUES ('value_log', 'state.db.values.1'); INSERT INTO mirror VALUES ('visma', 'customers', 'a', 'v', NULL, 0, 7), ('visma', 'customers', 'b', 'v', NULL, 7, 7)",
    );
    writeFileSync(path, old.export());
    writeFileSync(join(dir, 'state.db.values.1'), '{"a":1}{"b":2}');
    const viewer = await StateStore.open(path, { secrets: KEY, lock: false });
    expect(rows(viewer, 'customers').map((r) => viewer.loadValue(r))).toEqual(['{"a":1}', '{"b":2}']);
    viewer.abandon();
    const s = await StateStore.open(path, { secrets: KEY });
    expect(s.notes).toEqual([]);
    expect(rows(s, 'customers').map((r) => s.loadValue(r))).toEqual(['{"a":1}', '{"b":2}']);
    s.close();
    expect(readdirSync(dir).filter((f) => f.includes('.values.'))).toEqual(['state.db.values.2']);
    const log = ValueLog.open(join(dir, 'state.db.values.2'), false);
    expect(log.checked).toBe(true);
    log.close();
  });

  it('a checked log that lost its header is damaged as a whole, not taken for an old one', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    put(s, 'customers', { c1: '{"x":1}' });
    s.close();
    const bytes = readFileSync(logPath(dir));
    bytes.fill(0x20, 0, 13);
    writeFileSync(logPath(dir), bytes);
    const again = await StateStore.open(path, { secrets: KEY });
    expect(again.notes.join()).toMatch(/the value log lost its header/);
    expect(rows(again, 'customers')).toEqual([]);
    again.close();
  });
});

describe('unfinished checkpoints', () => {
  it('a temp file left by a killed process is removed at the next open and its run recorded as interrupted', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    s.checkpoint();
    s.run('INSERT INTO runs (id, mapping, started_at, status) VALUES (?, ?, ?, ?)', [
      'run-killed',
      'visma-zendesk',
      '2026-01-01T00:00:00.000Z',
      'running',
    ]);
    // What the killed process was writing: a complete copy that never got renamed.
    writeFileSync(`${path}.tmp-999999`, s.db.export());
    s.abandon();
    writeFileSync(`${path}.tmp-999998`, 'SQLite format 3\0 cut short');

    const again = await StateStore.open(path, { secrets: KEY });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const runs = listRuns(again);
    expect(runs.find((r) => r.id === 'run-killed')).toMatchObject({ mapping: 'visma-zendesk', status: 'interrupted' });
    expect(JSON.parse(runs.find((r) => r.id === 'run-killed')!.summary!).error).toMatch(
      /mlc process 999999 stopped while saving the state .*state\.db\.tmp-999999/,
    );
    expect(runs.find((r) => r.id.endsWith('-pid999998'))).toMatchObject({ status: 'interrupted' });
    expect(again.notes.join('\n')).toMatch(
      /removed .*state\.db\.tmp-999999, an unfinished checkpoint of mlc process 999999/,
    );
    again.close();
    expect(
      listRuns(await StateStore.open(path, { secrets: KEY, lock: false })).filter((r) => r.status === 'interrupted'),
    ).toHaveLength(2);
  });

  it('a reader without the lock leaves the temp file of a live process alone', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    (await StateStore.open(path, { secrets: KEY })).close();
    writeFileSync(`${path}.tmp-${process.ppid}`, 'being written');
    const viewer = await StateStore.open(path, { secrets: KEY, lock: false });
    viewer.abandon();
    expect(readdirSync(dir)).toContain(`state.db.tmp-${process.ppid}`);
  });
});

describe('damaged state databases', () => {
  it('a 0-byte state.db is refused, never treated as new; the message names the file and a kept copy', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    writeFileSync(path, '');
    const err = (await StateStore.open(path, { secrets: KEY }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(StateFileError);
    expect(err.message).toContain(`state file ${path} is damaged: it is empty (0 bytes)`);
    expect(err.message).toMatch(/A copy is kept as .*state\.db\.damaged-\d{8}T\d{6}Z/);
    expect(statSync(path).size).toBe(0);
  });

  it('a malformed page is found by the quick check at open; one copy is kept however often it is opened', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    s.transaction(() => {
      for (let i = 0; i < 3000; i++)
        s.run('INSERT INTO audit (run_id, key, action, at) VALUES (?, ?, ?, ?)', ['r', `k${i}`, 'created', 'now']);
    });
    s.close();
    const bytes = readFileSync(path);
    bytes.fill(0x41, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 4096);
    writeFileSync(path, bytes);
    for (let i = 0; i < 2; i++) {
      const err = (await StateStore.open(path, { secrets: KEY }).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(StateFileError);
      expect(err.message).toMatch(
        /is damaged: (SQLite's integrity check fails|it is not a readable SQLite database \(database disk image is malformed\))/,
      );
      expect(err.message).toContain('mlc state check');
    }
    expect(readdirSync(dir).filter((f) => f.includes('.damaged-'))).toHaveLength(1);
  });
});

describe.skipIf(process.platform === 'win32')('permissions', () => {
  it('the database, its value log and the lock are 0600, a folder the state creates 0700, and older files are tightened', async () => {
    const dir = tempDir();
    const path = join(dir, '.mlc', 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    put(s, 'customers', { c1: '{"email":"a@b.c"}' });
    s.checkpoint();
    expect(statSync(`${path}.lock`).mode & 0o777).toBe(0o600);
    s.close();
    expect(statSync(join(dir, '.mlc')).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(join(dir, '.mlc')))
      expect((statSync(join(dir, '.mlc', f)).mode & 0o777).toString(8), f).toBe('600');
    chmodSync(join(dir, '.mlc', 'state.db.values.1'), 0o644);
    chmodSync(join(dir, '.mlc'), 0o755);
    (await StateStore.open(path, { secrets: KEY })).close();
    expect(statSync(join(dir, '.mlc', 'state.db.values.1')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, '.mlc')).mode & 0o777).toBe(0o700);
  });

  it('a folder chosen for --state is left as it is', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'shared'), { mode: 0o755 });
    chmodSync(join(dir, 'shared'), 0o755);
    (await StateStore.open(join(dir, 'shared', 'state.db'), { secrets: KEY })).close();
    expect(statSync(join(dir, 'shared')).mode & 0o777).toBe(0o755);
  });
});
