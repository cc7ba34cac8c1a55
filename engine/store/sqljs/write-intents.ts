import type { ConfirmedWrite, DoubtfulBatch, FlowRef, IntentJournal, WriteIntentRepository } from '../backend.js';
import type { StateStore } from '../state.js';
import { confirmWrite, doubtfulBatches, journalPath, settleBatch, WriteJournal } from '../write-journal.js';
import type { Exec } from './gate.js';

/**
 * The intents live in a journal file beside the state file (fsynced appends, far cheaper than a
 * checkpoint); what a killed run left there becomes in-doubt batches in the state when it is
 * next opened (see write-journal.ts).
 */
export class SqlWriteIntents implements WriteIntentRepository {
  constructor(
    private readonly s: StateStore,
    private readonly x: Exec,
  ) {}

  journal(): IntentJournal | undefined {
    return this.s.path ? new WriteJournal(journalPath(this.s.path)) : undefined;
  }

  inDoubt(f: FlowRef): Promise<DoubtfulBatch[]> {
    return this.x(() => doubtfulBatches(this.s, f.mapping, f.flow));
  }

  confirm(c: ConfirmedWrite): Promise<void> {
    return this.x(() => {
      confirmWrite(this.s, { ...c, nowIso: c.at });
    });
  }

  settle(f: FlowRef, batch: string): Promise<void> {
    return this.x(() => {
      settleBatch(this.s, f.mapping, f.flow, batch);
    });
  }
}
