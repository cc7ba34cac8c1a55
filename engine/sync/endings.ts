import type { AuditEntry, DeletionEvidence, FailureEntry, Repositories, WrittenTarget } from '../store/backend.js';
import type { WriteOutcome } from '../write/types.js';
import type { Mapped } from './flow-run.js';

/**
 * How a record's turn in a run ends. Every pending record ends as exactly one of these (or stays
 * pending: a write whose outcome never came, a conflict a retry did not settle), and
 * WriteSession.end stores it.
 */
export type Ending =
  /** The target took the payload */
  | { kind: 'written'; record: Mapped; outcome: WriteOutcome }
  /** The payload equals the one last written: no request */
  | {
      kind: 'unchanged';
      key: string;
      targetId: string;
      hash: string;
      version: string;
      clockDependent: boolean;
      payload: Record<string, unknown>;
    }
  /**
   * Nothing to write: the flow's filter leaves the record out, or (gone) the source no longer
   * has it. Either way its queued failure is dropped: a record the flow no longer writes has
   * nothing left to retry (kept, it would be pending and skipped on every run).
   */
  | { kind: 'skipped'; key: string; gone: boolean }
  | {
      kind: 'failed';
      key: string;
      stage: 'map' | 'write';
      reason: string;
      version: string | null;
      /** The target may have applied it: its stored hash no longer says what the target holds */
      unknown?: boolean;
    }
  /** Dry runs: what a write would send */
  | { kind: 'planned'; record: Mapped }
  /** A record deleted at the source, ended by its flow's on_delete without a payload write */
  | DeletedEnding;

/** What the audit says a deletion came to (a mark is a written record whose action says so). */
export type DeletionAction = 'marked_deleted' | 'archived' | 'deleted' | 'delete_ignored';

export interface DeletedEnding {
  kind: 'deleted';
  key: string;
  action: Exclude<DeletionAction, 'marked_deleted'>;
  targetId: string | null;
  evidence: DeletionEvidence;
  version: string | null;
  /** Dry runs: what would be done */
  planned?: boolean;
}

export const keyOf = (e: Ending): string => ('record' in e ? e.record.item.key : e.key);

/** The action a dry run shows for a record it would write. */
export const plannedAction = (m: Mapped): 'create' | 'update' | 'mark' =>
  m.deletion ? 'mark' : m.action === 'upsert' ? (m.item.targetId ? 'update' : 'create') : m.action;

/** Endings sorted into what each repository stores, one call per repository for a whole batch. */
export class EndingRows {
  readonly written: WrittenTarget[] = [];
  readonly payloads: { key: string; hash: string; payload: unknown }[] = [];
  readonly unchanged: { key: string; clockDependent: boolean }[] = [];
  readonly hashesForgotten: string[] = [];
  /** Deleted in the target: their target rows and kept payloads go */
  readonly forgotten: string[] = [];
  readonly failures: FailureEntry[] = [];
  readonly failuresCleared: string[] = [];
  readonly audit: AuditEntry[] = [];
  readonly done: string[] = [];

  constructor(private readonly at: { runId: string; mapping: string; flow: string; nowIso: string; dryRun: boolean }) {}

  add(e: Ending): void {
    this.done.push(keyOf(e));
    if (e.kind === 'written') this.addWritten(e.record, e.outcome);
    else if (e.kind === 'unchanged') {
      this.unchanged.push({ key: e.key, clockDependent: e.clockDependent });
      this.failuresCleared.push(e.key);
      if (!this.at.dryRun) this.addAudit(e.key, 'unchanged', e.targetId, e.hash, e.version, null);
    } else if (e.kind === 'failed') {
      if (e.unknown) this.hashesForgotten.push(e.key);
      this.failures.push({ flow: this.at.flow, key: e.key, stage: e.stage, reason: e.reason });
      this.addAudit(e.key, 'failed', null, null, e.version, e.reason);
    } else if (e.kind === 'skipped') this.failuresCleared.push(e.key);
    else if (e.kind === 'deleted') this.addDeleted(e);
  }

  private addDeleted(e: DeletedEnding): void {
    this.failuresCleared.push(e.key);
    if (this.at.dryRun) return;
    if (e.action === 'deleted') this.forgotten.push(e.key);
    this.addAudit(e.key, e.action, e.targetId, null, e.version, null, e.evidence);
  }

  private addWritten(m: Mapped, o: WriteOutcome): void {
    const { key, matchValue, payload } = m.item;
    this.written.push({
      key,
      matchValue,
      targetId: o.targetId ?? m.item.targetId ?? null,
      hash: m.hash,
      clockDependent: m.clockDependent,
    });
    this.payloads.push({ key, hash: m.hash, payload });
    this.failuresCleared.push(key);
    const action = m.deletion ? 'marked_deleted' : (o.action ?? 'updated');
    this.addAudit(key, action, o.targetId ?? null, m.hash, m.version, null, m.deletion);
  }

  private addAudit(
    key: string,
    action: string,
    targetId: string | null,
    payloadHash: string | null,
    sourceVersion: string | null,
    error: string | null,
    evidence?: DeletionEvidence,
  ): void {
    const { runId, mapping, flow, nowIso: at } = this.at;
    const entry: AuditEntry = { runId, mapping, flow, key, action, targetId, payloadHash, sourceVersion, error, at };
    if (evidence) entry.evidence = JSON.stringify(evidence);
    this.audit.push(entry);
  }

  /** Stores every row; call inside the transaction that ends the records. */
  async store(tx: Repositories): Promise<void> {
    const { runId, mapping, flow, nowIso } = this.at;
    const f = { mapping, flow };
    if (this.hashesForgotten.length) await tx.targets.forgetHash(f, this.hashesForgotten);
    if (this.written.length) await tx.targets.recordWritten(f, this.written, nowIso);
    if (this.unchanged.length) await tx.targets.recordUnchanged(f, this.unchanged, nowIso);
    if (this.failuresCleared.length) await tx.failures.clear(f, this.failuresCleared);
    if (this.failures.length) await tx.failures.record({ mapping, runId, at: nowIso }, this.failures);
    if (this.audit.length) await tx.audit.add(this.audit);
    if (this.payloads.length) await tx.writtenPayloads.keep(f, this.payloads);
    if (this.forgotten.length) {
      await tx.targets.forget(f, this.forgotten);
      await tx.writtenPayloads.forget(f, this.forgotten);
    }
    await tx.pending.done(f, this.done);
  }
}
