import type { StateStore } from './state.js';

/** The encrypted credential store behind ${store:NAME} references. */
export class CredentialStore {
  constructor(private readonly state: StateStore) {}

  set(name: string, value: string): void {
    this.state.run('INSERT OR REPLACE INTO credentials (name, value, updated_at) VALUES (?, ?, ?)', [name, this.state.secrets.encrypt(value), new Date().toISOString()]);
    this.state.checkpoint();
  }

  get(name: string): string | undefined {
    const row = this.state.get<{ value: string }>('SELECT value FROM credentials WHERE name = ?', [name]);
    return row ? this.state.secrets.decrypt(row.value) : undefined;
  }

  /** Names with a masked hint of each value; values are never printed back in full. */
  list(): { name: string; hint: string; updatedAt: string }[] {
    return this.state.all<{ name: string; value: string; updated_at: string }>('SELECT name, value, updated_at FROM credentials ORDER BY name').map((r) => {
      const v = this.state.secrets.decrypt(r.value);
      return { name: r.name, hint: mask(v), updatedAt: r.updated_at };
    });
  }

  delete(name: string): boolean {
    const had = this.get(name) !== undefined;
    this.state.run('DELETE FROM credentials WHERE name = ?', [name]);
    this.state.checkpoint();
    return had;
  }
}

export function mask(v: string): string {
  if (v.length <= 8) return '*'.repeat(v.length);
  return `${v.slice(0, 2)}${'*'.repeat(Math.min(12, v.length - 4))}${v.slice(-2)}`;
}
