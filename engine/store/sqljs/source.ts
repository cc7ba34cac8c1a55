import type {
  CursorRepository,
  LinkRef,
  LinkRepository,
  MetaRepository,
  MirrorRecord,
  MirrorRepository,
  StreamRef,
} from '../backend.js';
import type { StateStore } from '../state.js';
import type { Exec } from './gate.js';

/** A mirror row: its value inline (data) or in the value log (pos, len). */
type Stored = { data: string | null; pos: number | null; len: number | null };

const ON_KEYS = 'ON m.connection = ? AND m.stream = ? AND m.key = j.value';
const PUT = `INSERT OR REPLACE INTO mirror (connection, stream, key, version, data, pos, len)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;
const PARENTS = `SELECT l.parent_key FROM json_each(?) j
  CROSS JOIN links l ON l.mapping = ? AND l.flow = ? AND l.rel = ? AND l.child_key = j.value`;
const SET_LINKS = `INSERT OR REPLACE INTO links (mapping, flow, rel, child_key, parent_key)
  SELECT ?, ?, ?, value ->> 0, value ->> 1 FROM json_each(?)`;
// The index on (…, parent_key, child_key) serves both the join and the order. A child deleted or
// deactivated at the source is no longer one of its parent's.
const CHILDREN = `SELECT l.parent_key, m.data, m.pos, m.len FROM json_each(?) j
  CROSS JOIN links l INDEXED BY links_by_parent
  CROSS JOIN mirror m ON m.connection = ? AND m.stream = ? AND m.key = l.child_key
  WHERE l.mapping = ? AND l.flow = ? AND l.rel = ? AND l.parent_key = j.value
    AND (m.data IS NOT NULL OR m.pos IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM deletions d WHERE d.connection = m.connection AND d.stream = m.stream AND d.key = m.key)
  ORDER BY j.key, l.child_key`;

// EXCEPT sorts both sides once (a temporary B-tree), so a listing of 100,000 keys is one
// statement of n log n work, never a lookup per key.
const MISSING = `SELECT key FROM mirror WHERE connection = ? AND stream = ?
  EXCEPT SELECT value FROM json_each(?) ORDER BY 1`;

export class SqlCursors implements CursorRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  get(r: StreamRef): Promise<string | undefined> {
    const sql = 'SELECT value FROM cursors WHERE connection = ? AND stream = ?';
    return this.x(() => this.s.get<{ value: string }>(sql, [r.connection, r.stream])?.value);
  }

  set(r: StreamRef, value: string, at: string): Promise<void> {
    const sql = 'INSERT OR REPLACE INTO cursors (connection, stream, value, updated_at) VALUES (?, ?, ?, ?)';
    return this.x(() => {
      this.s.run(sql, [r.connection, r.stream, value, at]);
    });
  }
}

/**
 * Keys travel as one JSON parameter (json_each), so a page or chunk costs one statement: sql.js
 * costs several µs per statement call.
 */
export class SqlMirror implements MirrorRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  versions(r: StreamRef, keys: string[]): Promise<Map<string, string>> {
    return this.x(() => {
      if (!keys.length) return new Map<string, string>();
      const rows = this.s.all<{ key: string; version: string }>(
        `SELECT m.key, m.version FROM json_each(?) j CROSS JOIN mirror m ${ON_KEYS}`,
        [JSON.stringify(keys), r.connection, r.stream],
      );
      return new Map(rows.map((x) => [x.key, x.version]));
    });
  }

  put(r: StreamRef, records: MirrorRecord[]): Promise<void> {
    return this.x(() => {
      if (!records.length) return;
      // One statement per row here: binding values is cheaper than SQLite parsing them out of a JSON array.
      const stored = this.s.storeValues(records.map((x) => x.data));
      this.s.transaction(() => {
        records.forEach((x, i) => {
          this.s.run(PUT, [r.connection, r.stream, x.key, x.version, ...stored[i]]);
        });
      });
    });
  }

  load(r: StreamRef, keys: string[]): Promise<Map<string, { version: string; data: string }>> {
    return this.x(() => {
      const out = new Map<string, { version: string; data: string }>();
      if (!keys.length) return out;
      for (const x of this.s.all<{ key: string; version: string } & Stored>(
        `SELECT m.key, m.version, m.data, m.pos, m.len FROM json_each(?) j CROSS JOIN mirror m ${ON_KEYS}`,
        [JSON.stringify(keys), r.connection, r.stream],
      )) {
        const data = this.s.loadValue(x);
        if (data !== null) out.set(x.key, { version: x.version, data });
      }
      return out;
    });
  }

  loadChildren(link: LinkRef, r: StreamRef, parentKeys: string[]): Promise<Map<string, string[]>> {
    return this.x(() => {
      const out = new Map<string, string[]>(parentKeys.map((k) => [k, []]));
      if (!parentKeys.length) return out;
      const params = [JSON.stringify(parentKeys), r.connection, r.stream, link.mapping, link.flow, link.rel];
      for (const x of this.s.all<{ parent_key: string } & Stored>(CHILDREN, params)) {
        // The query selects children of these parents with a stored value: the checks only keep the types honest.
        const children = out.get(x.parent_key);
        const data = this.s.loadValue(x);
        if (children && data !== null) children.push(data);
      }
      return out;
    });
  }

  count(r: StreamRef): Promise<number> {
    const sql = 'SELECT count(*) AS n FROM mirror WHERE connection = ? AND stream = ?';
    return this.x(() => this.s.get<{ n: number }>(sql, [r.connection, r.stream])?.n ?? 0);
  }

  isEmpty(r: StreamRef): Promise<boolean> {
    const sql = 'SELECT 1 AS x FROM mirror WHERE connection = ? AND stream = ? LIMIT 1';
    return this.x(() => !this.s.get(sql, [r.connection, r.stream]));
  }

  missingFrom(r: StreamRef, listedKeys: string[]): Promise<string[]> {
    return this.x(() => {
      const params = [r.connection, r.stream, JSON.stringify(listedKeys)];
      return this.s.all<{ key: string }>(MISSING, params).map((x) => x.key);
    });
  }

  clear(r: StreamRef): Promise<void> {
    const sql = 'DELETE FROM mirror WHERE connection = ? AND stream = ?';
    return this.x(() => {
      this.s.run(sql, [r.connection, r.stream]);
    });
  }
}

export class SqlLinks implements LinkRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  parentsOf(link: LinkRef, childKeys: string[]): Promise<string[]> {
    return this.x(() => {
      if (!childKeys.length) return [];
      return this.s
        .all<{ parent_key: string | null }>(PARENTS, [JSON.stringify(childKeys), link.mapping, link.flow, link.rel])
        .flatMap((r) => (r.parent_key === null ? [] : [r.parent_key]));
    });
  }

  set(link: LinkRef, links: { child: string; parent: string | null }[]): Promise<void> {
    return this.x(() => {
      if (!links.length) return;
      const pairs = JSON.stringify(links.map((l) => [l.child, l.parent]));
      this.s.run(SET_LINKS, [link.mapping, link.flow, link.rel, pairs]);
    });
  }
}

export class SqlMeta implements MetaRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  get(key: string): Promise<string | undefined> {
    return this.x(() => this.s.getMeta(key));
  }

  set(key: string, value: string): Promise<void> {
    return this.x(() => {
      this.s.setMeta(key, value);
    });
  }
}
