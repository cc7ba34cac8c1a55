import type { Write } from '../config/types.generated.js';
import { confirmWrite, doubtfulBatches, forgetHash, settleBatch, type DoubtfulBatch } from '../store/write-journal.js';
import { confirmJobs } from '../write/async-job.js';
import type { WriteContext, WriteOutcome } from '../write/types.js';
import type { FlowRun } from './process.js';
import { forgetWrittenPayloads } from '../store/written-payloads.js';

/**
 * Settles the writes an interrupted run sent without recording their outcome (see
 * store/write-journal.ts). Bulk jobs whose id was journaled are read back first (job statuses
 * outlive the process that submitted them): what they confirm is recorded, and is not sent
 * again. Every other key in doubt keeps its cleared hash, so it is written again this run.
 * Returns how many records the jobs confirmed.
 */
export async function recoverWrites(r: FlowRun, ctxFor: (spec: Write, kind: WriteContext['kind']) => WriteContext): Promise<number> {
  const batches = doubtfulBatches(r.state, r.mapping, r.flowName);
  if (!batches.length) return 0;
  const specOf = (b: DoubtfulBatch) => (b.kind === 'upsert' ? r.op.upsert : r.op[b.kind]) as Write | undefined;
  const outcomes = new Map<string, WriteOutcome[]>();
  for (const kind of ['create', 'update', 'upsert'] as const) {
    const withJobs = batches.filter((b) => b.kind === kind && b.job && specOf(b)?.writer === 'async_job');
    if (!withJobs.length) continue;
    const jobs = withJobs.map((b) => ({ id: b.job!, items: b.items.map((i) => ({ key: i.key, matchValue: i.match, payload: {}, targetId: i.target })) }));
    for (const [id, o] of await confirmJobs(jobs, ctxFor(specOf(withJobs[0])!, kind))) outcomes.set(id, o);
  }
  const nowIso = r.now().toISOString();
  let confirmed = 0;
  r.state.transaction(() => {
    // Oldest first: a key sent twice (a create, then an update) ends as its last batch says.
    for (const b of batches) {
      const byKey = new Map((b.job ? outcomes.get(b.job) ?? [] : []).map((o) => [o.key, o]));
      const items = new Map(b.items.map((i) => [i.key, i]));
      for (const key of b.doubtful) {
        const o = byKey.get(key);
        if (o?.ok) {
          confirmWrite(r.state, { runId: r.runId, mapping: r.mapping, flow: r.flowName, item: items.get(key)!, action: o.action ?? 'updated', targetId: o.targetId, nowIso });
          // The journal has no payloads: the one kept from an earlier write is no longer what the target holds.
          forgetWrittenPayloads(r.state, r.mapping, r.flowName, [key]);
          confirmed++;
        } else {
          forgetHash(r.state, r.mapping, r.flowName, key);
        }
      }
      settleBatch(r.state, r.mapping, r.flowName, b.batch);
    }
  });
  return confirmed;
}
