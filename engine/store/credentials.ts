import { checkMasterKey } from './key-check.js';
import type { StateStore } from './state.js';

/** The encrypted credential store behind ${store:NAME} references. Every use checks the master key first. */
export class CredentialStore {
  constructor(private readonly state: StateStore) {}

  set(name: string, value: string): void {
    checkMasterKey(this.state);
    this.state.run('INSERT OR REPLACE INTO credentials (name, value, updated_at) VALUES (?, ?, ?)', [name, this.state.secrets.encrypt(value), new Date().toISOString()]);
    this.state.checkpoint();
  }

  get(name: string): string | undefined {
    checkMasterKey(this.state);
    const row = this.state.get<{ value: string }>('SELECT value FROM credentials WHERE name = ?', [name]);
    return row ? this.state.secrets.decrypt(row.value) : undefined;
  }

  /** Names and dates only: no character of a value is ever shown, so values are not even decrypted. */
  list(): { name: string; updatedAt: string }[] {
    checkMasterKey(this.state);
    return this.state.all<{ name: string; updated_at: string }>('SELECT name, updated_at FROM credentials ORDER BY name').map((r) => ({ name: r.name, updatedAt: r.updated_at }));
  }

  delete(name: string): boolean {
    checkMasterKey(this.state);
    const had = this.state.get('SELECT 1 FROM credentials WHERE name = ?', [name]) !== undefined;
    this.state.run('DELETE FROM credentials WHERE name = ?', [name]);
    this.state.checkpoint();
    return had;
  }
}
