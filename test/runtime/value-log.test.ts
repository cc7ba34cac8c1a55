// The value log: mirrored records kept beside the state database, read back after a reopen,
// untouched by dry-run clones, compacted without losing a record, and checked at open.
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../engine/store/crypto.js';
import { StateStore } from '../../engine/store/state.js';
import { removeTempDirs, tempDir } from './helpers.js';

const KEY = SecretBox.fromKey('0123456789abcdef'.repeat(4));
afterEach(removeTempDirs);

type Row = { key: string; data: string | null; pos: number | null; len: number | null };

function put(s: StateStore, records: Record<string, string | null>): void {
  const keys = Object.keys(records);
  const stored = s.storeValues(keys.map((k) => records[k]));
  s.transaction(() => {
    keys.forEach((k, i) => {
      s.run(
        'INSERT OR REPLACE INTO mirror (connection, stream, key, version, data, pos, len) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ['c', 's', k, 'v', ...stored[i]],
      );
    });
  });
}

function read(s: StateStore): Record<string, string | null> {
  return Object.fromEntries(
    s
      .all<Row>("SELECT key, data, pos, len FROM mirror WHERE stream = 's' ORDER BY key")
      .map((r) => [r.key, s.loadValue(r)]),
  );
}

// A checked log starts with a 13-byte header and keeps a 4-byte checksum before each value.
const HEADER = 13;
const FRAME = 4;
const logs = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.includes('.values.'))
    .sort();

describe('value log', () => {
  it('a state file keeps records in its log, not in the database, and reads them back after a reopen', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    const records = { a: JSON.stringify({ name: 'Ærø ✓' }), b: null, c: '{"x":1}' };
    put(s, records);
    expect(s.all<Row>('SELECT key, data FROM mirror ORDER BY key').map((r) => r.data)).toEqual([null, null, null]);
    s.close();
    expect(logs(dir)).toEqual(['state.db.values.1']);
    expect(statSync(join(dir, 'state.db.values.1')).size).toBe(
      HEADER + 2 * FRAME + Buffer.byteLength(records.a) + Buffer.byteLength(records.c),
    );
    const again = await StateStore.open(path, { secrets: KEY });
    expect(read(again)).toEqual(records);
    again.close();
  });

  it('an in-memory state and a dry-run clone keep what they stage inline; the clone still reads the log', async () => {
    const mem = await StateStore.open(null, { secrets: KEY });
    put(mem, { a: '{"a":1}' });
    expect(mem.get<Row>('SELECT data, pos FROM mirror')).toEqual({ data: '{"a":1}', pos: null });
    mem.close();

    const dir = tempDir();
    const s = await StateStore.open(join(dir, 'state.db'), { secrets: KEY });
    put(s, { a: '{"a":1}' });
    s.checkpoint();
    const size = statSync(join(dir, 'state.db.values.1')).size;
    const clone = await s.clone();
    put(clone, { b: '{"b":2}' });
    expect(read(clone)).toEqual({ a: '{"a":1}', b: '{"b":2}' });
    clone.abandon();
    expect(statSync(join(dir, 'state.db.values.1')).size).toBe(size);
    expect(read(s)).toEqual({ a: '{"a":1}' });
    s.close();
  });

  it('compaction drops replaced versions, keeps every live record, and switches files in one checkpoint', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    const last: Record<string, string> = {};
    for (let v = 0; v < 4; v++) {
      const page: Record<string, string> = {};
      for (let i = 0; i < 50; i++) page[`k${i}`] = last[`k${i}`] = JSON.stringify({ i, v, pad: 'x'.repeat(200) });
      put(s, page);
    }
    put(s, { gone: '{"bye":true}' });
    s.run("DELETE FROM mirror WHERE key = 'gone'");
    s.close();
    const before = statSync(join(dir, 'state.db.values.1')).size;
    const live = Object.values(last).reduce((n, v) => n + FRAME + Buffer.byteLength(v), 0);
    expect(before).toBeGreaterThan(3 * live);

    const again = await StateStore.open(path, { secrets: KEY, compactMinBytes: 1 });
    expect(logs(dir)).toEqual(['state.db.values.2']);
    expect(statSync(join(dir, 'state.db.values.2')).size).toBe(HEADER + live);
    expect(read(again)).toEqual(last);
    // Appends go on in the new file, and the state on disk already names it.
    put(again, { k0: '{"new":1}' });
    again.close();
    const third = await StateStore.open(path, { secrets: KEY });
    expect(read(third)).toEqual({ ...last, k0: '{"new":1}' });
    expect(third.getMeta('value_log')).toBe('state.db.values.2');
    third.close();
  });

  it('does not compact a log that is mostly live, nor one below the size floor', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    let s = await StateStore.open(path, { secrets: KEY });
    put(s, { a: 'x'.repeat(1000), b: 'z'.repeat(1000) });
    put(s, { a: 'y'.repeat(1000) });
    s.close();
    // 3,000 bytes, 2,000 live.
    (await StateStore.open(path, { secrets: KEY, compactMinBytes: 1 })).close();
    expect(logs(dir)).toEqual(['state.db.values.1']);
    s = await StateStore.open(path, { secrets: KEY });
    put(s, { a: 'w'.repeat(1000) });
    put(s, { a: 'v'.repeat(1000) });
    s.close();
    // 5,000 bytes, 2,000 live, but below a 1 MB floor.
    (await StateStore.open(path, { secrets: KEY, compactMinBytes: 1_000_000 })).close();
    expect(logs(dir)).toEqual(['state.db.values.1']);
    s = await StateStore.open(path, { secrets: KEY, compactMinBytes: 1 });
    expect(logs(dir)).toEqual(['state.db.values.2']);
    expect(read(s)).toEqual({ a: 'v'.repeat(1000), b: 'z'.repeat(1000) });
    s.close();
  });

  it('removes the log a crashed compaction left behind, and keeps using the one the state names', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    put(s, { a: '{"a":1}' });
    s.close();
    writeFileSync(join(dir, 'state.db.values.2'), 'half a compaction');
    const again = await StateStore.open(path, { secrets: KEY });
    expect(logs(dir)).toEqual(['state.db.values.1']);
    expect(read(again)).toEqual({ a: '{"a":1}' });
    again.close();
  });

  it('a reader without the lock (history while a sync runs) neither removes nor writes logs', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    put(s, { a: '{"a":1}' });
    s.checkpoint();
    writeFileSync(join(dir, 'state.db.values.2'), 'a compaction in progress');
    const viewer = await StateStore.open(path, { secrets: KEY, lock: false });
    expect(read(viewer)).toEqual({ a: '{"a":1}' });
    put(viewer, { b: '{"b":1}' });
    expect(viewer.get<Row>("SELECT data FROM mirror WHERE key = 'b'")?.data).toBe('{"b":1}');
    viewer.abandon();
    expect(logs(dir)).toEqual(['state.db.values.1', 'state.db.values.2']);
    s.close();
  });

  it('a missing log drops the records it held (to be read again from the source) and says so; a state from before the log still reads its inline records', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const s = await StateStore.open(path, { secrets: KEY });
    put(s, { a: '{"a":1}' });
    s.run("INSERT INTO cursors (connection, stream, value) VALUES ('c', 's', '2026-01-01')");
    s.close();
    rmSync(join(dir, 'state.db.values.1'));
    const reopened = await StateStore.open(path, { secrets: KEY });
    expect(reopened.notes.join('\n')).toMatch(
      /1 stored source record\(s\) in .*state\.db\.values\.1 could not be trusted \(the value log is missing\).*read again in full from the source: c\/s: 1 \(a\)/,
    );
    expect(read(reopened)).toEqual({});
    expect(reopened.all('SELECT * FROM cursors')).toEqual([]);
    reopened.close();

    const SQL = await initSqlJs();
    const old = new SQL.Database();
    old.exec(
      "CREATE TABLE mirror (connection TEXT, stream TEXT, key TEXT, version TEXT, data TEXT, PRIMARY KEY (connection, stream, key)); INSERT INTO mirror VALUES ('c', 's', 'a', 'v', '{\"old\":true}')",
    );
    const oldPath = join(dir, 'old.db');
    writeFileSync(oldPath, old.export());
    const migrated = await StateStore.open(oldPath, { secrets: KEY });
    expect(read(migrated)).toEqual({ a: '{"old":true}' });
    put(migrated, { b: '{"new":true}' });
    expect(read(migrated)).toEqual({ a: '{"old":true}', b: '{"new":true}' });
    migrated.close();
    expect(existsSync(join(dir, 'old.db.values.1'))).toBe(true);
  });
});

describe('state files from before WITHOUT ROWID', () => {
  it('have their per-record tables rebuilt at open, rows and index kept, once', async () => {
    const dir = tempDir();
    const SQL = await initSqlJs();
    const old = new SQL.Database();
    old.exec(`CREATE TABLE mirror (connection TEXT, stream TEXT, key TEXT, version TEXT, data TEXT, pos INTEGER, len INTEGER, PRIMARY KEY (connection, stream, key));
      CREATE TABLE links (mapping TEXT, flow TEXT, rel TEXT, child_key TEXT, parent_key TEXT, PRIMARY KEY (mapping, flow, rel, child_key));
      CREATE INDEX links_by_parent ON links (mapping, flow, rel, parent_key, child_key);
      CREATE TABLE pending (mapping TEXT, flow TEXT, key TEXT, PRIMARY KEY (mapping, flow, key));
      CREATE TABLE targets (mapping TEXT, flow TEXT, key TEXT, match_value TEXT, target_id TEXT, hash TEXT, mapped_at TEXT, clock_dependent INTEGER, PRIMARY KEY (mapping, flow, key));
      INSERT INTO mirror VALUES ('c', 's', 'a', 'v1', '{"a":1}', NULL, NULL), ('c', 's', NULL, 'v', '{}', NULL, NULL);
      INSERT INTO links VALUES ('m', 'f', 'r', 'i1', 'a'), ('m', 'f', 'r', 'i2', 'a');
      INSERT INTO pending VALUES ('m', 'f', 'a');
      INSERT INTO targets VALUES ('m', 'f', 'a', 'a', '42', 'h', '2026-01-01', 1);`);
    const path = join(dir, 'state.db');
    writeFileSync(path, old.export());
    const s = await StateStore.open(path, { secrets: KEY });
    const ddl = (name: string) =>
      s.get<{ sql: string }>('SELECT sql FROM sqlite_master WHERE name = ?', [name])?.sql ?? '';
    for (const t of ['mirror', 'links', 'pending', 'targets']) expect(ddl(t), t).toMatch(/WITHOUT ROWID$/);
    expect(ddl('links_by_parent')).toContain('parent_key');
    // The row with no key (possible in a rowid table, meaningless here) is dropped; the rest is kept.
    expect(s.all('SELECT key, version, data FROM mirror')).toEqual([{ key: 'a', version: 'v1', data: '{"a":1}' }]);
    expect(
      s.all(
        "SELECT child_key FROM links INDEXED BY links_by_parent WHERE mapping = 'm' AND flow = 'f' AND rel = 'r' AND parent_key = 'a'",
      ),
    ).toEqual([{ child_key: 'i1' }, { child_key: 'i2' }]);
    expect(s.all('SELECT key FROM pending')).toEqual([{ key: 'a' }]);
    expect(s.get('SELECT target_id, hash FROM targets')).toEqual({ target_id: '42', hash: 'h' });
    s.checkpoint();
    s.close();
    const again = await StateStore.open(path, { secrets: KEY });
    expect(again.all("SELECT name FROM sqlite_master WHERE name LIKE '%_rowid'")).toEqual([]);
    expect(again.get<{ n: number }>('SELECT count(*) AS n FROM links')?.n).toBe(2);
    again.close();
  });
});
