import type { CredentialRepository, TokenRepository } from '../backend.js';
import { checkMasterKey } from '../key-check.js';
import type { StateStore } from '../state.js';
import type { Exec } from './gate.js';

/** Tokens, encrypted in the state database and persisted (checkpointed) as soon as they change. */
export class SqlTokens implements TokenRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
    private readonly persist: () => Promise<void>,
  ) {}

  get(connection: string, kind: string): Promise<{ value: string; expiresAt?: number } | undefined> {
    const sql = 'SELECT value, expires_at FROM tokens WHERE connection = ? AND kind = ?';
    return this.x(() => {
      const row = this.s.get<{ value: string; expires_at: string | null }>(sql, [connection, kind]);
      if (!row) return undefined;
      const expiresAt = row.expires_at ? Number(row.expires_at) : undefined;
      return { value: this.s.secrets.decrypt(row.value), expiresAt };
    });
  }

  async set(connection: string, kind: string, value: string, expiresAt?: number): Promise<void> {
    const sql = 'INSERT OR REPLACE INTO tokens (connection, kind, value, expires_at) VALUES (?, ?, ?, ?)';
    await this.x(() => {
      checkMasterKey(this.s);
      const expires = expiresAt === undefined ? null : String(expiresAt);
      this.s.run(sql, [connection, kind, this.s.secrets.encrypt(value), expires]);
    });
    await this.persist();
  }

  delete(connection: string, kind: string): Promise<void> {
    return this.x(() => {
      this.s.run('DELETE FROM tokens WHERE connection = ? AND kind = ?', [connection, kind]);
    });
  }
}

/**
 * The credential store behind ${store:NAME}. The database is in memory, so `get` reads it at
 * once (it only reads, so it may even run while a transaction is open). Every use checks the
 * master key first.
 */
export class SqlCredentials implements CredentialRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
    private readonly persist: () => Promise<void>,
  ) {}

  get(name: string): string | undefined {
    checkMasterKey(this.s, { remember: false });
    const row = this.s.get<{ value: string }>('SELECT value FROM credentials WHERE name = ?', [name]);
    return row ? this.s.secrets.decrypt(row.value) : undefined;
  }

  async set(name: string, value: string): Promise<void> {
    const sql = 'INSERT OR REPLACE INTO credentials (name, value, updated_at) VALUES (?, ?, ?)';
    await this.x(() => {
      checkMasterKey(this.s);
      this.s.run(sql, [name, this.s.secrets.encrypt(value), new Date().toISOString()]);
    });
    await this.persist();
  }

  async remove(name: string): Promise<boolean> {
    const had = await this.x(() => {
      checkMasterKey(this.s);
      const found = this.s.get('SELECT 1 AS x FROM credentials WHERE name = ?', [name]) !== undefined;
      this.s.run('DELETE FROM credentials WHERE name = ?', [name]);
      return found;
    });
    await this.persist();
    return had;
  }

  list(): Promise<{ name: string; updatedAt: string }[]> {
    const sql = 'SELECT name, updated_at FROM credentials ORDER BY name';
    return this.x(() => {
      checkMasterKey(this.s);
      const rows = this.s.all<{ name: string; updated_at: string }>(sql);
      return rows.map((r) => ({ name: r.name, updatedAt: r.updated_at }));
    });
  }
}
