/**
 * The state a sync keeps between runs, as repositories behind one backend interface (DESIGN "The
 * house", "Scaling out"). engine/sync/ calls these and never writes SQL; the embedded backend is
 * sql.js with its value log (engine/store/sqljs/), and a PostgreSQL backend implements the same
 * interface. Every method is async, so a networked backend needs no change in its callers, and
 * every method the sync path calls in a loop takes a whole page or chunk of keys at once (one
 * Promise per chunk, and for sql.js the statements of today: several µs each).
 *
 * Open one with `openState(path)` (engine/store/open.ts).
 */

import type { SecretBox } from './crypto.js';

/** A flow of a mapping: most state is kept per flow. */
export interface FlowRef {
  mapping: string;
  flow: string;
}

/** A source stream of a connection, as the mirror and the cursors key it. */
export interface StreamRef {
  connection: string;
  stream: string;
}

/** A join of a flow: which related records (children) name which parent. */
export interface LinkRef extends FlowRef {
  rel: string;
}

export interface CursorRepository {
  /** The saved cursor of a stream: where its next read starts */
  get(s: StreamRef): Promise<string | undefined>;
  set(s: StreamRef, value: string, at: string): Promise<void>;
}

/** A source record as staged: its JSON, or null when only its key and version are kept. */
export interface MirrorRecord {
  key: string;
  version: string;
  data: string | null;
}

/** The source mirror: the last staged copy of every source record, by stream and key. */
export interface MirrorRepository {
  /** The stored versions of these keys (absent: not in the mirror) */
  versions(s: StreamRef, keys: string[]): Promise<Map<string, string>>;
  /** Stores (replaces) records */
  put(s: StreamRef, records: MirrorRecord[]): Promise<void>;
  /** The records of these keys whose data is kept (JSON), with their versions */
  load(s: StreamRef, keys: string[]): Promise<Map<string, { version: string; data: string }>>;
  /**
   * Per parent key: the kept JSON of the records of stream `s` linked to it through `link`,
   * ordered by child key (every parent key asked for is in the map, possibly with none). Records
   * marked deleted (DeletionRepository) are left out: a deleted child no longer counts.
   */
  loadChildren(link: LinkRef, s: StreamRef, parentKeys: string[]): Promise<Map<string, string[]>>;
  count(s: StreamRef): Promise<number>;
  isEmpty(s: StreamRef): Promise<boolean>;
  /** Forgets every record of the stream (it is read again from scratch) */
  clear(s: StreamRef): Promise<void>;
  /**
   * The keys of the stream's mirror that `listedKeys` does not have, in key order (a reconcile's
   * candidates). One statement whatever the number of keys: the listing travels as one parameter.
   */
  missingFrom(s: StreamRef, listedKeys: string[]): Promise<string[]>;
}

/** How a source record is known to be deleted or deactivated (DESIGN "Records deleted or deactivated"). */
export interface DeletionEvidence {
  /** status: a status expression matched; tombstone: a change feed said so; webhook; reconcile: absent from a complete listing */
  kind: 'status' | 'tombstone' | 'webhook' | 'reconcile';
  /** What showed it: the expression and the value it saw, the webhook event id, the reconcile run */
  detail: string;
  runId: string;
  /** ISO instant it was seen */
  at: string;
}

/** Source records known to be deleted or deactivated, by stream and key, with their evidence. */
export interface DeletionRepository {
  /** Records (replaces) the evidence of these keys */
  mark(s: StreamRef, rows: { key: string; evidence: DeletionEvidence }[]): Promise<void>;
  /** Forgets these keys (reactivated, or listed again) */
  clear(s: StreamRef, keys: string[]): Promise<void>;
  /** The evidence of those of these keys that are marked */
  load(s: StreamRef, keys: string[]): Promise<Map<string, DeletionEvidence>>;
  count(s: StreamRef): Promise<number>;
}

/** The last complete key-set reconcile of each stream (a partial one is never recorded). */
export interface ReconcileRepository {
  last(s: StreamRef): Promise<{ at: string; runId: string } | undefined>;
  record(s: StreamRef, at: string, runId: string): Promise<void>;
}

export interface LinkRepository {
  /** The parents these children name now (non-null ones; one per child that has one) */
  parentsOf(link: LinkRef, childKeys: string[]): Promise<string[]>;
  /** Stores (replaces) the parent each child names; null: none */
  set(link: LinkRef, links: { child: string; parent: string | null }[]): Promise<void>;
}

/** Target records waiting to be mapped (and written) by their flow. */
export interface PendingRepository {
  /** Marks these keys (a mark that exists stays) */
  mark(f: FlowRef, keys: string[]): Promise<void>;
  /** Marks every record of the flow's source stream in the mirror; returns how many it has */
  markAll(f: FlowRef, source: StreamRef): Promise<number>;
  /** Marks the clock-dependent records last mapped at or before `mappedBefore` (ISO instant) */
  markClockDue(f: FlowRef, mappedBefore: string): Promise<void>;
  /** Marks the records in the failure queue, except those that failed at reading */
  markFailed(f: FlowRef): Promise<void>;
  /** Every pending key, in key order */
  keys(f: FlowRef): Promise<string[]>;
  /** How many pending records have no known target id (a scan of the target may pay off) */
  countWithoutTargetId(f: FlowRef): Promise<number>;
  /** Removes the marks of records whose outcome is stored */
  done(f: FlowRef, keys: string[]): Promise<void>;
}

/** What the state knows of a target record. */
export interface StoredTarget {
  matchValue: string;
  targetId: string | null;
  /** Hash of the payload last written; null: unknown (written again whatever the payload) */
  hash: string | null;
}

export interface WrittenTarget {
  key: string;
  matchValue: string;
  targetId: string | null;
  hash: string;
  clockDependent: boolean;
}

export interface TargetRepository {
  load(f: FlowRef, keys: string[]): Promise<Map<string, StoredTarget>>;
  /** Records written records (replacing what was stored), mapped at `mappedAt` */
  recordWritten(f: FlowRef, rows: WrittenTarget[], mappedAt: string): Promise<void>;
  /** Records that these records mapped to their stored payload again at `mappedAt` */
  recordUnchanged(f: FlowRef, rows: { key: string; clockDependent: boolean }[], mappedAt: string): Promise<void>;
  /** The target may hold something else than the stored hash says: the next write sends them whatever the payload */
  forgetHash(f: FlowRef, keys: string[]): Promise<void>;
  /** Whether the flow has any target record */
  exist(f: FlowRef): Promise<boolean>;
  /** Forgets these target records (deleted in the target): a later write creates them again */
  forget(f: FlowRef, keys: string[]): Promise<void>;
}

/** The stage a failure happened at; "read" ones are cleared only by reading the record again. */
export const READ_STAGE = 'read';

export interface FailureEntry {
  flow: string;
  key: string;
  stage: string;
  reason: string;
}

export interface FailureRow {
  mapping: string;
  flow: string;
  key: string;
  run_id: string;
  stage: string;
  reason: string;
  attempts: number;
  first_at: string;
  last_at: string;
}

/** The failure queue: records that failed, with the reason, until a run gets them through. */
export interface FailureRepository {
  /** Records failures (a record already queued gets the new reason, and one more attempt) */
  record(o: { mapping: string; runId: string; at: string }, entries: FailureEntry[]): Promise<void>;
  clear(f: FlowRef, keys: string[]): Promise<void>;
  /** The flow's queued records a replay can retry (not those that failed at reading) */
  forReplay(f: FlowRef): Promise<{ key: string; runId: string }[]>;
  /** Every queued failure (of one mapping), by mapping, flow and key */
  list(mapping?: string): Promise<FailureRow[]>;
  /** Whether read failures with keys starting with `keyPrefix` are queued */
  hasRead(mapping: string, keyPrefix: string): Promise<boolean>;
  /** Read failures of records read again without a problem */
  clearRead(mapping: string, keys: string[]): Promise<void>;
  /** Read failures with keys starting with `keyPrefix` that run `runId` did not report again */
  clearStaleRead(mapping: string, keyPrefix: string, runId: string): Promise<void>;
}

/** A run as `mlc runs` shows it (the field names are its JSON output). */
export interface RunRow {
  id: string;
  mapping: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  summary: string | null;
}

export interface RunRepository {
  /** Runs of the mapping still marked running (a killed run: the caller holds the mapping's lock) */
  markInterrupted(mapping: string): Promise<void>;
  start(run: { id: string; mapping: string; startedAt: string }): Promise<void>;
  finish(id: string, end: { status: string; summary: string; finishedAt: string }): Promise<void>;
  /** Newest first */
  list(mapping?: string, limit?: number): Promise<RunRow[]>;
}

export interface AuditEntry {
  runId: string;
  mapping: string;
  flow: string;
  key: string;
  action: string;
  targetId: string | null;
  payloadHash: string | null;
  sourceVersion: string | null;
  error: string | null;
  at: string;
  /** A deletion's evidence (JSON of DeletionEvidence) */
  evidence?: string | null;
}

/** An audit entry as `mlc audit --json` shows it. */
export interface AuditRow {
  id: number;
  run_id: string;
  mapping: string;
  flow: string;
  key: string;
  action: string;
  target_id: string | null;
  payload_hash: string | null;
  source_version: string | null;
  error: string | null;
  at: string;
  /** A deletion's evidence (JSON), only on the rows that have one */
  evidence?: string;
}

export interface AuditRepository {
  add(entries: AuditEntry[]): Promise<void>;
  /** What happened in one run (by run id, in order), or else to one record (by key, newest first) */
  ofRunOrKey(idOrKey: string, limit?: number): Promise<AuditRow[]>;
}

/** A record of a batch as it is sent (see store/write-journal.ts). */
export interface JournalItem {
  key: string;
  /** The match key value sent */
  match: string;
  /** The target id sent (updates), which result rows are matched by */
  target?: string;
  /** The payload's hash */
  hash: string;
  /** The payload depends on the clock (recomputed when its interval passes) */
  cd?: boolean;
}

export interface JournalBatch {
  mapping: string;
  flow: string;
  kind: 'create' | 'update' | 'upsert';
  items: JournalItem[];
}

/** A batch of a run that ended before its outcome was recorded. */
export interface DoubtfulBatch extends JournalBatch {
  batch: string;
  job?: string;
  /** Keys of the batch whose outcome is unknown (the others were recorded) */
  doubtful: string[];
}

/** Durable notes of writes about to be sent, so a killed run's unrecorded writes are known. */
export interface IntentJournal {
  /** Notes batches about to be sent; resolves with their ids once they are durable */
  intend(batches: JournalBatch[]): Promise<string[]>;
  /** Notes the target's job id for a batch, before anything relies on the job */
  jobStarted(batch: string, job: string): Promise<void>;
  /** Forgets every intent: call only once a checkpoint holds the outcome of everything in it */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export interface ConfirmedWrite extends FlowRef {
  runId: string;
  item: JournalItem;
  action: string;
  targetId?: string;
  at: string;
}

export interface WriteIntentRepository {
  /** A journal for this run's writes; undefined where nothing outlives the process (memory, clones) */
  journal(): IntentJournal | undefined;
  /** The in-doubt batches of a flow (a killed run's writes), oldest first */
  inDoubt(f: FlowRef): Promise<DoubtfulBatch[]>;
  /**
   * Records what the target confirms for an in-doubt key: its id and the hash the batch carried
   * (target row and audit entry, in the run that learnt it)
   */
  confirm(c: ConfirmedWrite): Promise<void>;
  /** The batch's doubts are settled (confirmed or their hash forgotten) */
  settle(f: FlowRef, batch: string): Promise<void>;
}

export interface ProvisionedRepository {
  /** The custom fields provisioned for a flow in a target connection: the spec's hash and key -> target key */
  get(f: FlowRef, connection: string): Promise<{ specHash: string; keys: Record<string, string> } | undefined>;
  set(f: FlowRef, connection: string, specHash: string, keys: Record<string, string>): Promise<void>;
}

/** The fingerprint of what shaped a flow's payloads when it last ran (see sync/fingerprint.ts). */
export interface FingerprintRepository {
  get(f: FlowRef): Promise<string | undefined>;
  set(f: FlowRef, fingerprint: string, at: string): Promise<void>;
}

/**
 * The last payload written for each target record, so a dry run can show which fields a write
 * would change (old -> new). Only shown, never trusted: the stored hash alone decides what is
 * written, and a payload that is gone or damaged is just not returned.
 */
export interface WrittenPayloadRepository {
  keep(f: FlowRef, written: { key: string; hash: string; payload: unknown }[]): Promise<void>;
  load(f: FlowRef, keys: string[]): Promise<Map<string, Record<string, unknown>>>;
  forget(f: FlowRef, keys: string[]): Promise<void>;
}

export interface MetaRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** Tokens of auth strategies (per connection and kind), encrypted at rest. */
export interface TokenRepository {
  get(connection: string, kind: string): Promise<{ value: string; expiresAt?: number } | undefined>;
  /** Durable before it resolves: a rotated refresh token must survive a crash before it is used */
  set(connection: string, kind: string, value: string, expiresAt?: number): Promise<void>;
  delete(connection: string, kind: string): Promise<void>;
}

/**
 * The encrypted credentials behind ${store:NAME} references. `get` is synchronous, as connection
 * values are resolved: a backend loads the (still encrypted) rows when it opens and decrypts on
 * use. The sql.js backend reads its in-memory database; a PostgreSQL backend selects the rows
 * once at open and keeps them in a map that its own `set` and `remove` update. Every method
 * refuses (MasterKeyError) a master key other than the one the secrets were stored with.
 */
export interface CredentialRepository {
  get(name: string): string | undefined;
  /** Durable before it resolves */
  set(name: string, value: string): Promise<void>;
  /** Whether there was one; durable before it resolves */
  remove(name: string): Promise<boolean>;
  /** Names and dates only: values are not even decrypted */
  list(): Promise<{ name: string; updatedAt: string }[]>;
}

/** The repositories a transaction works with. */
export interface Repositories {
  cursors: CursorRepository;
  mirror: MirrorRepository;
  links: LinkRepository;
  pending: PendingRepository;
  targets: TargetRepository;
  failures: FailureRepository;
  runs: RunRepository;
  audit: AuditRepository;
  writeIntents: WriteIntentRepository;
  provisioned: ProvisionedRepository;
  fingerprints: FingerprintRepository;
  writtenPayloads: WrittenPayloadRepository;
  deletions: DeletionRepository;
  reconciles: ReconcileRepository;
  meta: MetaRepository;
}

/**
 * An open state. Calls on its repositories outside a transaction each stand alone; within
 * `transaction` they commit together or not at all. Tokens and credentials are written durably
 * on their own, so they are not part of a transaction's repositories.
 */
export interface StateBackend extends Repositories {
  /** The state file (a backend's location); null: in memory, never persisted */
  readonly path: string | null;
  /** What opening found and repaired (damaged records dropped, unfinished runs recorded), for the run summary */
  readonly notes: readonly string[];
  tokens: TokenRepository;
  credentials: CredentialRepository;
  /**
   * Runs fn in one transaction: its work commits when fn resolves and is rolled back when it
   * throws. Calls on this backend's own repositories wait until it ends (they are not part of
   * it): inside fn use only `tx`, or the call waits for the transaction that waits for it.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /** Makes everything committed so far durable (sql.js: writes the state file atomically) */
  checkpoint(): Promise<void>;
  /** Checkpoints when the last one is older than `minIntervalMs` (or than its cost justifies) */
  maybeCheckpoint(minIntervalMs: number): Promise<void>;
  /** Checkpoints and releases the state (its lock) */
  close(): Promise<void>;
  /** Releases the state without persisting (after a failure that must not overwrite the last checkpoint) */
  abandon(): Promise<void>;
  /** A throwaway copy that is never persisted: dry runs stage and diff in it */
  clone(): Promise<StateBackend>;
}

export interface OpenStateOptions {
  /** The key secrets are encrypted with (default: MLC_MASTER_KEY, or the key file beside the state) */
  secrets?: SecretBox;
  /** false: opens without taking the state's lock, to read only (history views while a sync runs) */
  lock?: boolean;
}
