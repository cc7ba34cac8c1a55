import type { StateStore } from '../state.js';

/** Runs a synchronous piece of database work; a repository method is one call. */
export type Exec = <T>(work: () => T) => Promise<T>;

/**
 * Serialises the transactions of one sql.js database. There is one database (in memory) and one
 * connection to it, while a run has several flows' writers and stream readers recording at once:
 * a statement issued while another caller's transaction awaits would land inside it (and be
 * committed or rolled back with it). So while `transaction` is open, every other call through
 * `run` waits until it ends; the transaction's own work goes through `inside` and runs at once.
 */
export class TransactionGate {
  /** Settles when the open transaction ends; undefined while none is open */
  private open?: Promise<void>;

  constructor(private readonly state: StateStore) {}

  /** A call outside any transaction: waits for the open one, if any. */
  readonly run: Exec = async (work) => {
    while (this.open) await this.open;
    return work();
  };

  /** A call inside the open transaction: work runs now; what it throws rejects the Promise, as in an async function. */
  readonly inside: Exec = (work) =>
    new Promise((resolve) => {
      resolve(work());
    });

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    while (this.open) await this.open;
    let ended!: () => void;
    this.open = new Promise<void>((resolve) => (ended = resolve));
    try {
      this.state.begin();
    } catch (e) {
      this.release(ended);
      throw e;
    }
    try {
      const result = await fn();
      this.state.end(true);
      return result;
    } catch (e) {
      this.state.end(false);
      throw e;
    } finally {
      this.release(ended);
    }
  }

  private release(ended: () => void): void {
    this.open = undefined;
    ended();
  }
}
