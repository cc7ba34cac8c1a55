import { existsSync, readFileSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { DoubtfulBatch, IntentJournal, JournalBatch, JournalItem } from './backend.js';
import type { StateStore } from './state.js';

/**
 * The write-intent journal: `state.db.journal`, an fsynced append-only file beside the state.
 *
 * The state database reaches disk only at checkpoints, so a kill loses every outcome recorded
 * since the last one, while the target may already have applied those writes. If nothing
 * remembered them, a source that went back to the last recorded value would look unchanged
 * forever (its payload hash equals the stored one) and the target would keep a value the source
 * no longer has. So each batch is appended here (keys, payload hashes) before it is sent, and a
 * bulk job's id as soon as the target gives it. At the next open, a journaled key that is still
 * pending in the checkpointed state has an outcome nobody recorded: it is "in doubt". Its stored
 * hash is cleared, so the next run writes it again whatever the payload, unless the job that
 * carried it can still be read and confirms it (then its id and hash are recorded and no write
 * is repeated).
 */

export type { DoubtfulBatch, JournalBatch, JournalItem };

type Line = ({ t: 'w'; b: string } & JournalBatch) | { t: 'j'; b: string; job: string };

const TABLE =
  'CREATE TABLE IF NOT EXISTS write_doubts (mapping TEXT, flow TEXT, batch TEXT, kind TEXT, job_id TEXT, items TEXT, doubtful TEXT, PRIMARY KEY (mapping, flow, batch))';

export const journalPath = (statePath: string) => `${statePath}.journal`;

let nextBatch = 0;
/** Unique across runs: doubts of an older crash may still wait for their flow to run. */
const batchId = () => `${Date.now().toString(36)}.${process.pid.toString(36)}.${(nextBatch++).toString(36)}`;

/**
 * Appends to the journal. Appends that arrive while an fsync runs go out together in the next
 * write and fsync (writers submit several batches at once), and the fsync runs off the main
 * thread, so mapping goes on meanwhile.
 */
export class WriteJournal implements IntentJournal {
  private handle?: Promise<FileHandle>;
  private queued: string[] = [];
  private flushing?: Promise<void>;
  private waiters: { resolve: () => void; reject: (e: unknown) => void; synced: boolean }[] = [];

  constructor(readonly path: string) {}

  /** Durably notes batches about to be sent; resolves with their ids once on disk. */
  async intend(batches: JournalBatch[]): Promise<string[]> {
    const ids = batches.map(() => batchId());
    await this.append(batches.map((b, i) => ({ t: 'w', b: ids[i], ...b })));
    return ids;
  }

  /**
   * Notes the target's job id for a batch, before anything relies on the job. It waits for the
   * write, not the fsync: a killed process leaves what it wrote in the system's cache, and only a
   * power loss could drop the line, which costs a re-send (the batch's synced intent puts its
   * records in doubt), never a lost write. Submits wait for it one by one, so an fsync each would
   * add up.
   */
  async jobStarted(batch: string, job: string): Promise<void> {
    await this.append([{ t: 'j', b: batch, job }], false);
  }

  /** Empties the journal: call only once a checkpoint holds the outcome of everything in it. */
  async clear(): Promise<void> {
    await this.flushing;
    if (!this.handle) {
      rmSync(this.path, { force: true });
      return;
    }
    const h = await this.handle;
    await h.truncate(0);
    await h.datasync();
  }

  async close(): Promise<void> {
    await this.flushing?.catch(() => undefined);
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }

  private append(lines: Line[], synced = true): Promise<void> {
    for (const l of lines) this.queued.push(`${JSON.stringify(l)}\n`);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject, synced }));
    this.flushing ??= this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queued.length) {
        const text = this.queued.join('');
        const waiters = this.waiters;
        this.queued = [];
        this.waiters = [];
        try {
          this.handle ??= open(this.path, 'a', 0o600);
          const h = await this.handle;
          await h.appendFile(text);
          for (const w of waiters) if (!w.synced) w.resolve();
          await h.datasync();
          for (const w of waiters) if (w.synced) w.resolve();
        } catch (e) {
          for (const w of waiters) w.reject(e);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

/** Reads a journal; a torn last line (a kill during an append) is dropped: its batch was never sent. */
function readJournal(path: string): Map<string, JournalBatch & { job?: string }> {
  const batches = new Map<string, JournalBatch & { job?: string }>();
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (!text) continue;
    let l: Line;
    try {
      l = JSON.parse(text) as Line;
    } catch {
      continue;
    }
    if (l.t === 'w') batches.set(l.b, { mapping: l.mapping, flow: l.flow, kind: l.kind, items: l.items });
    // The file is read back as JSON: a line of a kind this version does not write is skipped.
    else if ((l.t as string) === 'j') {
      const batch = batches.get(l.b);
      if (batch) batch.job = l.job;
    }
  }
  return batches;
}

/**
 * At open, with the state's lock: turns what a killed run left in the journal into in-doubt
 * batches in the state, clears the stored hash of every key in doubt, checkpoints, and empties
 * the journal (in that order, so a kill in between only repeats this).
 */
export function absorbWriteJournal(state: StateStore, locked: boolean): void {
  state.db.exec(TABLE);
  if (!locked || !state.path || !existsSync(journalPath(state.path))) return;
  const batches = readJournal(journalPath(state.path));
  state.transaction(() => {
    for (const [batch, b] of batches) {
      // A key still pending in the last checkpoint was sent, and its outcome never recorded.
      const pending = new Set(
        state
          .all<{ key: string }>(
            'SELECT p.key FROM json_each(?) j CROSS JOIN pending p ON p.mapping = ? AND p.flow = ? AND p.key = j.value',
            [JSON.stringify(b.items.map((i) => i.key)), b.mapping, b.flow],
          )
          .map((x) => x.key),
      );
      if (!pending.size) continue;
      const doubtful = [...pending];
      state.run(
        'UPDATE targets SET hash = NULL WHERE mapping = ? AND flow = ? AND key IN (SELECT value FROM json_each(?))',
        [b.mapping, b.flow, JSON.stringify(doubtful)],
      );
      state.run(
        'INSERT OR REPLACE INTO write_doubts (mapping, flow, batch, kind, job_id, items, doubtful) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [b.mapping, b.flow, batch, b.kind, b.job ?? null, JSON.stringify(b.items), JSON.stringify(doubtful)],
      );
    }
  });
  state.checkpoint();
  rmSync(journalPath(state.path), { force: true });
}

/** The in-doubt batches of a flow, oldest first. */
export function doubtfulBatches(state: StateStore, mapping: string, flow: string): DoubtfulBatch[] {
  state.db.exec(TABLE);
  return state
    .all<{ batch: string; kind: string; job_id: string | null; items: string; doubtful: string }>(
      'SELECT batch, kind, job_id, items, doubtful FROM write_doubts WHERE mapping = ? AND flow = ? ORDER BY rowid',
      [mapping, flow],
    )
    .map((r) => ({
      mapping,
      flow,
      batch: r.batch,
      kind: r.kind as JournalBatch['kind'],
      job: r.job_id ?? undefined,
      items: JSON.parse(r.items) as JournalItem[],
      doubtful: JSON.parse(r.doubtful) as string[],
    }));
}

/**
 * Records what the target confirms for an in-doubt key: its id and the hash of the payload that
 * batch carried, as if the killed run had recorded it. A key the target does not confirm keeps
 * its cleared hash, so it is written again.
 */
export function confirmWrite(
  state: StateStore,
  c: {
    runId: string;
    mapping: string;
    flow: string;
    item: JournalItem;
    action: string;
    targetId?: string;
    nowIso: string;
  },
): void {
  const id = c.targetId ?? c.item.target ?? null;
  state.run(
    'INSERT OR REPLACE INTO targets (mapping, flow, key, match_value, target_id, hash, mapped_at, clock_dependent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [c.mapping, c.flow, c.item.key, c.item.match, id, c.item.hash, c.nowIso, c.item.cd ? 1 : 0],
  );
  // Recorded in the run that learnt the outcome (the run that sent it was killed first).
  state.run(
    'INSERT INTO audit (run_id, mapping, flow, key, action, target_id, payload_hash, source_version, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)',
    [c.runId, c.mapping, c.flow, c.item.key, c.action, id, c.item.hash, c.nowIso],
  );
}

export function settleBatch(state: StateStore, mapping: string, flow: string, batch: string): void {
  state.run('DELETE FROM write_doubts WHERE mapping = ? AND flow = ? AND batch = ?', [mapping, flow, batch]);
}
