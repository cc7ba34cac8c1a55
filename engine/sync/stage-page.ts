import type { Repositories, StateBackend, StreamRef } from '../store/backend.js';

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
 * Stages one page in one transaction: the records whose version changed go to the mirror, with
 * the pending marks of the target records they affect. Returns how many records changed.
 */
export async function stagePage(
  store: StateBackend,
  mapping: string,
  s: StreamRef,
  cons: Consumer[],
  page: Staged[],
): Promise<number> {
  if (!page.length) return 0;
  return store.transaction(async (tx) => {
    const before = await tx.mirror.versions(
      s,
      page.map((r) => r.key),
    );
    // A record whose key and version the mirror already has is a re-read and changes nothing.
    const changed = page.filter((r) => before.get(r.key) !== r.version);
    if (!changed.length) return 0;
    await tx.mirror.put(
      s,
      changed.map(({ key, version, data }) => ({ key, version, data })),
    );
    for (const [i, c] of cons.entries()) await markAffected(tx, mapping, c, i, changed);
    return changed.length;
  });
}
