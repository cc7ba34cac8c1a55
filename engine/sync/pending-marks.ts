import { parseDuration } from '../util/duration.js';
import { flowFingerprint } from './fingerprint.js';
import { sourceStream, type FlowRun } from './flow-run.js';

const DAY_MS = 86_400_000;

/**
 * Marks what a flow must map this run besides the changes staging marked: a replay's keys only;
 * otherwise clock-dependent records whose interval has passed, records that failed before, and
 * every record when the mapping changed (or the run is a full one).
 */
export async function markPending(r: FlowRun): Promise<void> {
  const { store, ref } = r;
  if (r.only) {
    await store.pending.mark(ref, r.only);
    return;
  }
  // Clock-dependent payloads (days overdue) are due again when their interval has passed.
  if (r.flow.recompute) {
    const due = new Date(r.now().getTime() - parseDuration(r.flow.recompute.every, DAY_MS)).toISOString();
    await store.pending.markClockDue(ref, due);
  }
  // Records that failed before are retried on every run until they succeed.
  await store.pending.markFailed(ref);
  await markIfMappingChanged(r);
}

/**
 * A changed mapping may make every payload the target holds stale, not just the changed
 * records'. The new fingerprint is stored with the pending marks, in one transaction: a run
 * stopped halfway leaves exactly the records not yet re-mapped pending, and the next run
 * finishes them (a mapping changed again meanwhile differs again, and marks everything again).
 */
async function markIfMappingChanged(r: FlowRun): Promise<void> {
  const { store, ref } = r;
  const fingerprint = flowFingerprint({
    flow: r.flow,
    transformExpr: r.mapper.transformExpr,
    deleteExpr: r.mapper.deleteExpr,
    op: r.op,
    target: r.target.connector,
    fieldKeys: r.fieldKeys,
    customCode: r.customCode,
  });
  const stored = await store.fingerprints.get(ref);
  if (!r.full && stored === fingerprint) return;
  const records = await store.transaction(async (tx) => {
    const n = await tx.pending.markAll(ref, sourceStream(r));
    if (!r.dryRun) await tx.fingerprints.set(ref, fingerprint, r.now().toISOString());
    return n;
  });
  // A flow's first run (nothing written yet) maps everything anyway; a state from before
  // fingerprints has targets but none stored, and its mapping may have changed.
  if (r.full) r.summary.remapped = { reason: 'full run', records };
  else if (stored !== undefined || (await store.targets.exist(ref)))
    r.summary.remapped = { reason: 'mapping changed', records };
}
