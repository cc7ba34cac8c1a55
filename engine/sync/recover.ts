import type { DoubtfulBatch, Repositories } from '../store/backend.js';
import { confirmJobs } from '../write/async-job.js';
import type { WriteOutcome } from '../write/types.js';
import { WRITE_KINDS, type ContextFor, type FlowRun } from './flow-run.js';

/** What the bulk jobs of in-doubt batches report, by job id (only batches whose job id was journaled). */
async function readJobs(
  r: FlowRun,
  batches: DoubtfulBatch[],
  ctxFor: ContextFor,
): Promise<Map<string, WriteOutcome[]>> {
  const outcomes = new Map<string, WriteOutcome[]>();
  for (const kind of WRITE_KINDS) {
    const spec = r.op[kind];
    if (spec?.writer !== 'async_job') continue;
    const withJobs = batches.filter((b): b is DoubtfulBatch & { job: string } => b.kind === kind && !!b.job);
    if (!withJobs.length) continue;
    const jobs = withJobs.map((b) => ({
      id: b.job,
      items: b.items.map((i) => ({ key: i.key, matchValue: i.match, payload: {}, targetId: i.target })),
    }));
    for (const [id, o] of await confirmJobs(jobs, ctxFor(spec, kind))) outcomes.set(id, o);
  }
  return outcomes;
}

/** Settles one in-doubt batch with what its job confirmed; returns how many keys it confirmed. */
async function settle(r: FlowRun, tx: Repositories, b: DoubtfulBatch, confirmed: WriteOutcome[]): Promise<number> {
  const byKey = new Map(confirmed.map((o) => [o.key, o]));
  const items = new Map(b.items.map((i) => [i.key, i]));
  const at = r.now().toISOString();
  const unknown: string[] = [];
  let n = 0;
  for (const key of b.doubtful) {
    const o = byKey.get(key);
    const item = items.get(key);
    // A doubtful key is one of the batch's items; without its item it cannot be confirmed either.
    if (!o?.ok || !item) {
      unknown.push(key);
      continue;
    }
    await tx.writeIntents.confirm({
      ...r.ref,
      runId: r.runId,
      item,
      action: o.action ?? 'updated',
      targetId: o.targetId,
      at,
    });
    // The journal has no payloads: the one kept from an earlier write is no longer what the target holds.
    await tx.writtenPayloads.forget(r.ref, [key]);
    n++;
  }
  if (unknown.length) await tx.targets.forgetHash(r.ref, unknown);
  await tx.writeIntents.settle(r.ref, b.batch);
  return n;
}

/**
 * Settles the writes an interrupted run sent without recording their outcome (see
 * store/write-journal.ts). Bulk jobs whose id was journaled are read back first (job statuses
 * outlive the process that submitted them): what they confirm is recorded, and is not sent
 * again. Every other key in doubt keeps its cleared hash, so it is written again this run.
 * Returns how many records the jobs confirmed.
 */
export async function recoverWrites(r: FlowRun, ctxFor: ContextFor): Promise<number> {
  const batches = await r.store.writeIntents.inDoubt(r.ref);
  if (!batches.length) return 0;
  const outcomes = await readJobs(r, batches, ctxFor);
  return r.store.transaction(async (tx) => {
    let confirmed = 0;
    // Oldest first: a key sent twice (a create, then an update) ends as its last batch says.
    for (const b of batches) confirmed += await settle(r, tx, b, b.job ? (outcomes.get(b.job) ?? []) : []);
    return confirmed;
  });
}
