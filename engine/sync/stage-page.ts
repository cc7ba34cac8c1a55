import type { Repositories, StateBackend, StreamRef } from '../store/backend.js';
import type { DetectedDeletion } from './deletion-detect.js';

/** A flow that reads a stream: as its own records (parent), or as the related records of a join (child). */
export type Consumer =
  | { flow: string; role: 'parent' }
  | { flow: string; role: 'child'; rel: string; on: string; where?: string; sourceQuery?: Record<string, string> };

/** A record of a page as it is staged. */
export interface Staged {
  key: string;
  version: string;
  /** JSON of the record, or null when only its key, version and links are kept */
  data: string | null;
  /** Per consumer: the parent keys this record names (the last one is current) */
  parents: (string | null)[][];
  /** The stream's deletion expressions say it is deactivated or a tombstone */
  deletion?: DetectedDeletion;
}

/** Where a page is staged: its stream, the flows reading it, and (a stream that declares deletion) the run's evidence stamp. */
export interface PageTarget {
  s: StreamRef;
  cons: Consumer[];
  deletions?: { runId: string; at: string };
}

/** Marks the target records a consumer must re-map for these changed records, and stores a child's links. */
async function markAffected(
  tx: Repositories,
  mapping: string,
  c: Consumer,
  i: number,
  changed: Staged[],
): Promise<void> {
  const f = { mapping, flow: c.flow };
  if (c.role === 'parent') {
    await tx.pending.mark(
      f,
      changed.map((r) => r.key),
    );
    return;
  }
  // An invoice re-maps the customer it names now and the one it named before.
  const link = { ...f, rel: c.rel };
  const pending = new Set(
    await tx.links.parentsOf(
      link,
      changed.map((r) => r.key),
    ),
  );
  for (const r of changed) for (const p of r.parents[i]) if (p !== null) pending.add(p);
  await tx.links.set(
    link,
    changed.map((r) => ({ child: r.key, parent: r.parents[i].at(-1) ?? null })),
  );
  if (pending.size) await tx.pending.mark(f, [...pending]);
}

/**
 * Keeps a tombstone out of the mirror's data: the record keeps its last live copy (an on_delete
 * transform maps it), under the tombstone's version so a re-read of the tombstone changes nothing.
 */
async function keepLiveCopies(tx: Repositories, s: StreamRef, changed: Staged[]): Promise<Staged[]> {
  const tombstones = changed.filter((r) => r.deletion?.kind === 'tombstone');
  if (!tombstones.length) return changed;
  const live = await tx.mirror.load(
    s,
    tombstones.map((r) => r.key),
  );
  return changed.map((r) => (r.deletion?.kind === 'tombstone' ? { ...r, data: live.get(r.key)?.data ?? null } : r));
}

/**
 * Records the page's deletions: marks the records that show as deleted, and clears the marks of
 * those that no longer do (reactivated, or listed again). Returns the records whose mark was
 * cleared without their version changing: they are re-mapped too (the target holds the mark).
 */
async function recordDeletions(tx: Repositories, t: PageTarget, page: Staged[], changed: Staged[]): Promise<Staged[]> {
  const stamp = t.deletions;
  if (!stamp) return [];
  const marked = await tx.deletions.load(
    t.s,
    page.map((r) => r.key),
  );
  const deleted = changed.filter((r) => r.deletion);
  await tx.deletions.mark(
    t.s,
    deleted.map((r) => ({ key: r.key, evidence: { ...(r.deletion as DetectedDeletion), ...stamp } })),
  );
  const revived = page.filter((r) => !r.deletion && marked.has(r.key));
  await tx.deletions.clear(
    t.s,
    revived.map((r) => r.key),
  );
  const isChanged = new Set(changed.map((r) => r.key));
  return revived.filter((r) => !isChanged.has(r.key));
}

/**
 * Stages one page in one transaction: the records whose version changed go to the mirror, with
 * the pending marks of the target records they affect, and (a stream that declares deletion)
 * the deletion marks. Returns how many records changed.
 */
export async function stagePage(store: StateBackend, mapping: string, t: PageTarget, page: Staged[]): Promise<number> {
  if (!page.length) return 0;
  const { s, cons } = t;
  return store.transaction(async (tx) => {
    const before = await tx.mirror.versions(
      s,
      page.map((r) => r.key),
    );
    // A record whose key and version the mirror already has is a re-read and changes nothing.
    const changed = page.filter((r) => before.get(r.key) !== r.version);
    const revived = await recordDeletions(tx, t, page, changed);
    if (!changed.length && !revived.length) return 0;
    const stored = await keepLiveCopies(tx, s, changed);
    await tx.mirror.put(
      s,
      stored.map(({ key, version, data }) => ({ key, version, data })),
    );
    const affected = [...changed, ...revived];
    for (const [i, c] of cons.entries()) await markAffected(tx, mapping, c, i, affected);
    return changed.length;
  });
}
