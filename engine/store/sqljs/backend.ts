import type { OpenStateOptions, Repositories, StateBackend } from '../backend.js';
import { StateStore } from '../state.js';
import { TransactionGate, type Exec } from './gate.js';
import { SqlAudit, SqlFailures, SqlRuns } from './history.js';
import { SqlFingerprints, SqlPending, SqlProvisioned, SqlTargets, SqlWrittenPayloads } from './flow.js';
import { SqlCredentials, SqlTokens } from './secrets.js';
import { SqlDeletions, SqlReconciles } from './deletions.js';
import { SqlCursors, SqlLinks, SqlMeta, SqlMirror } from './source.js';
import { SqlWriteIntents } from './write-intents.js';

function repositories(s: StateStore, x: Exec): Repositories {
  return {
    cursors: new SqlCursors(s, x),
    mirror: new SqlMirror(s, x),
    links: new SqlLinks(s, x),
    pending: new SqlPending(s, x),
    targets: new SqlTargets(s, x),
    failures: new SqlFailures(s, x),
    runs: new SqlRuns(s, x),
    audit: new SqlAudit(s, x),
    writeIntents: new SqlWriteIntents(s, x),
    provisioned: new SqlProvisioned(s, x),
    fingerprints: new SqlFingerprints(s, x),
    writtenPayloads: new SqlWrittenPayloads(s, x),
    deletions: new SqlDeletions(s, x),
    reconciles: new SqlReconciles(s, x),
    meta: new SqlMeta(s, x),
  };
}

/**
 * The embedded backend: one sql.js database in memory, persisted to the state file at
 * checkpoints, with mirrored records and kept payloads in its value log (see StateStore). Its
 * repositories run their statements at once; the Promise they return only makes them
 * interchangeable with a networked backend's.
 */
export class SqlJsBackend implements StateBackend {
  readonly cursors: Repositories['cursors'];
  readonly mirror: Repositories['mirror'];
  readonly links: Repositories['links'];
  readonly pending: Repositories['pending'];
  readonly targets: Repositories['targets'];
  readonly failures: Repositories['failures'];
  readonly runs: Repositories['runs'];
  readonly audit: Repositories['audit'];
  readonly writeIntents: Repositories['writeIntents'];
  readonly provisioned: Repositories['provisioned'];
  readonly fingerprints: Repositories['fingerprints'];
  readonly writtenPayloads: Repositories['writtenPayloads'];
  readonly deletions: Repositories['deletions'];
  readonly reconciles: Repositories['reconciles'];
  readonly meta: Repositories['meta'];
  readonly tokens: SqlTokens;
  readonly credentials: SqlCredentials;
  private readonly gate: TransactionGate;
  /** The repositories a transaction hands its function: their calls run inside it */
  private readonly inside: Repositories;

  private constructor(
    /** The database and its files (sql.js only: tests and the state tools reach it here) */
    readonly state: StateStore,
  ) {
    this.gate = new TransactionGate(state);
    const root = repositories(state, this.gate.run);
    this.cursors = root.cursors;
    this.mirror = root.mirror;
    this.links = root.links;
    this.pending = root.pending;
    this.targets = root.targets;
    this.failures = root.failures;
    this.runs = root.runs;
    this.audit = root.audit;
    this.writeIntents = root.writeIntents;
    this.provisioned = root.provisioned;
    this.fingerprints = root.fingerprints;
    this.writtenPayloads = root.writtenPayloads;
    this.deletions = root.deletions;
    this.reconciles = root.reconciles;
    this.meta = root.meta;
    this.inside = repositories(state, this.gate.inside);
    const persist = () => this.checkpoint();
    this.tokens = new SqlTokens(state, this.gate.run, persist);
    this.credentials = new SqlCredentials(state, this.gate.run, persist);
  }

  /** Opens (or creates) a state file and takes its lock; `path` null keeps everything in memory. */
  static async open(path: string | null, opts: OpenStateOptions & { compactMinBytes?: number } = {}) {
    return new SqlJsBackend(await StateStore.open(path, opts));
  }

  /** A backend over a state already open (while engine/sync still uses StateStore directly). */
  static over(state: StateStore): SqlJsBackend {
    return new SqlJsBackend(state);
  }

  get path(): string | null {
    return this.state.path;
  }

  get notes(): readonly string[] {
    return this.state.notes;
  }

  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.gate.transaction(() => fn(this.inside));
  }

  checkpoint(): Promise<void> {
    return this.gate.run(() => {
      this.state.checkpoint();
    });
  }

  maybeCheckpoint(minIntervalMs: number): Promise<void> {
    return this.gate.run(() => {
      this.state.maybeCheckpoint(minIntervalMs);
    });
  }

  async close(): Promise<void> {
    await this.gate.run(() => {
      this.state.close();
    });
  }

  async abandon(): Promise<void> {
    await this.gate.run(() => {
      this.state.abandon();
    });
  }

  async clone(): Promise<SqlJsBackend> {
    const copy = await this.gate.run(() => this.state.clone());
    return new SqlJsBackend(copy);
  }
}
