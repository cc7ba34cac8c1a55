import type { WriteOutcome } from '../write/types.js';
import { EndingRows, plannedAction, type DeletedEnding, type Ending } from './endings.js';
import type { DeletedCounts } from './events.js';
import type { FlowRun, Mapped } from './flow-run.js';

/** How often outcomes arriving during a long write are checkpointed (at most; see maybeCheckpoint). */
const CHECKPOINT_MS = 5000;
/** How many failures a flow's summary shows (all are counted, and queued). */
const FAILURE_SAMPLE = 20;

/**
 * The records of one flow from mapping until their outcome is stored. Every record ends through
 * `end`, the one outcome path: written, unchanged, skipped or failed (a create that met an
 * existing record is held for a retry as an update, and ends with it).
 *
 * The invariant it keeps: a record's outcome (its target row, its failure or the clearing of its
 * failure, its audit entry) is stored in the SAME transaction that removes its pending mark. A
 * crash leaves each record either pending (redone by the next run) or ended, never half of each.
 */
export class WriteSession {
  /** Records handed to a writer, until their outcome is stored */
  private readonly writing = new Map<string, Mapped>();
  /** Creates the target refused because the record exists: retried as updates */
  readonly conflicts: Mapped[] = [];
  /** Outcome batches are stored one after another, in arrival order */
  private recording: Promise<void> = Promise.resolve();
  private recordError?: { error: unknown };

  constructor(
    private readonly r: FlowRun,
    private readonly total: number,
  ) {}

  /** Notes records about to be sent: their outcomes come back through `record`. */
  handOver(records: Mapped[]): void {
    for (const m of records) this.writing.set(m.item.key, m);
  }

  /** A record handed over and not ended yet. */
  inFlight(key: string): Mapped | undefined {
    return this.writing.get(key);
  }

  /**
   * The writers' `onOutcomes`: stores a batch of outcomes once those before it are stored, and
   * resolves when it is (writers wait for it before they go on).
   */
  readonly record = (outcomes: WriteOutcome[]): Promise<void> => {
    const stored = this.recording.then(() => this.storeOutcomes(outcomes));
    this.recording = stored.catch((error: unknown) => {
      this.recordError ??= { error };
    });
    return stored;
  };

  /** Waits for every outcome batch reported so far; throws what stopped one from being stored. */
  async drained(): Promise<void> {
    await this.recording;
    if (this.recordError) throw this.recordError.error;
  }

  private async storeOutcomes(outcomes: WriteOutcome[]): Promise<void> {
    const endings: Ending[] = [];
    for (const o of outcomes) {
      const m = this.writing.get(o.key);
      if (!m) continue;
      this.writing.delete(o.key);
      if (o.conflict) this.conflicts.push(m);
      else if (o.ok) endings.push({ kind: 'written', record: m, outcome: o });
      else {
        const reason = o.error ?? 'rejected by the target';
        endings.push({ kind: 'failed', key: o.key, stage: 'write', reason, version: m.version, unknown: o.unknown });
      }
    }
    await this.end(endings);
    await this.r.store.maybeCheckpoint(CHECKPOINT_MS);
    this.progress();
  }

  /** Ends records: stores their outcomes and removes their pending marks, in one transaction. */
  async end(endings: Ending[]): Promise<void> {
    if (!endings.length) return;
    const { r } = this;
    // Reasons are stored, counted and reported without the connection's secrets.
    const redacted = endings.map((e) =>
      e.kind === 'failed' ? { ...e, reason: r.target.client.redactor.redact(e.reason) } : e,
    );
    const rows = new EndingRows({ runId: r.runId, ...r.ref, nowIso: r.now().toISOString(), dryRun: r.dryRun });
    for (const e of redacted) rows.add(e);
    await r.store.transaction((tx) => rows.store(tx));
    for (const e of redacted) this.count(e);
  }

  private count(e: Ending): void {
    const { summary, ref } = this.r;
    if (e.kind === 'written') {
      // A mark is a write like any other (created or updated in the target), and counted as a mark too.
      if (e.record.deletion) this.deleted().marked++;
      if (e.outcome.action === 'created') summary.created++;
      else summary.updated++;
    } else if (e.kind === 'planned') this.countPlanned(e.record);
    else if (e.kind === 'unchanged') {
      summary.unchanged++;
      if (this.r.dryRun) summary.planned?.push({ key: e.key, action: 'unchanged', payload: e.payload });
    } else if (e.kind === 'skipped') summary.skipped++;
    else if (e.kind === 'deleted') this.countDeleted(e);
    else {
      summary.failed++;
      if (summary.failures.length < FAILURE_SAMPLE) summary.failures.push({ key: e.key, reason: e.reason });
      this.r.onEvent({ type: 'record:failed', flow: ref.flow, key: e.key, reason: e.reason });
    }
  }

  /** The flow's deletion counts, made on the first deletion (a flow without any shows none). */
  private deleted(): DeletedCounts {
    return (this.r.summary.deleted ??= { marked: 0, archived: 0, deleted: 0, ignored: 0 });
  }

  private countPlanned(m: Mapped): void {
    const { summary } = this.r;
    const action = plannedAction(m);
    if (action === 'mark') this.deleted().marked++;
    const kind = m.action === 'upsert' ? (m.item.targetId ? 'update' : 'create') : m.action;
    if (kind === 'create') summary.created++;
    else summary.updated++;
    const { key, payload } = m.item;
    const shown = { ...(m.before ? { before: m.before } : {}), ...(m.deletion ? { deletion: m.deletion } : {}) };
    summary.planned?.push({ key, action, payload, ...shown });
  }

  private countDeleted(e: DeletedEnding): void {
    const counts = this.deleted();
    if (e.action === 'archived') counts.archived++;
    else if (e.action === 'deleted') counts.deleted++;
    else counts.ignored++;
    if (e.planned && e.action !== 'delete_ignored') {
      const action = e.action === 'archived' ? 'archive' : 'delete';
      this.r.summary.planned?.push({ key: e.key, action, payload: {}, deletion: e.evidence });
    }
  }

  progress(): void {
    const { created, updated, unchanged, skipped, failed, deleted: d } = this.r.summary;
    // Marks are counted among the created and updated already.
    const deleted = d ? d.archived + d.deleted + d.ignored : 0;
    const done = created + updated + unchanged + skipped + failed + deleted;
    const flow = this.r.ref.flow;
    this.r.onEvent({ type: 'progress', flow, done, total: this.total, created, updated, unchanged, failed });
  }
}
