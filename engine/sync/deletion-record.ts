import type { Connector, Mapping } from '../config/types.generated.js';
import type { StateBackend } from '../store/backend.js';

/** A webhook event about one record of a stream: its key, the event's operation and its id. */
export interface WebhookItem {
  key: string;
  operation: string;
  /** The event's id (the evidence names it) */
  id: string;
}

/** Where a webhook's deletions are recorded: the source connection, and the mapping whose flows must act on them. */
export interface DeletionSource {
  connection: string;
  connector: Connector;
  /** The mapping reading the connection: its flows are marked pending for what was deleted */
  mapping?: Mapping;
}

/**
 * Records the deletions a webhook reports (issue 16's service calls it): the items whose operation
 * the stream's `deletion.webhook_operations` lists are marked deleted with the event id as
 * evidence, and the flows that read them (their own records, or their parents' through a join)
 * are marked pending, all in one transaction. Other operations are left to the sync. Returns the
 * keys marked.
 */
export async function recordDeletions(
  store: StateBackend,
  src: DeletionSource,
  stream: string,
  items: WebhookItem[],
  runId: string,
  at: string = new Date().toISOString(),
): Promise<string[]> {
  const ops = new Set(src.connector.streams?.[stream]?.deletion?.webhook_operations ?? []);
  const deleted = items.filter((i) => ops.has(i.operation));
  if (!deleted.length) return [];
  const s = { connection: src.connection, stream };
  const keys = [...new Set(deleted.map((i) => i.key))];
  await store.transaction(async (tx) => {
    await tx.deletions.mark(
      s,
      deleted.map((i) => ({
        key: i.key,
        evidence: { kind: 'webhook', detail: `operation ${i.operation}, event ${i.id}`, runId, at },
      })),
    );
    const mapping = src.mapping?.name;
    for (const [flow, f] of Object.entries(src.mapping?.flows ?? {})) {
      if (!mapping) break;
      const ref = { mapping, flow };
      if (f.from === stream) await tx.pending.mark(ref, keys);
      for (const [rel, j] of Object.entries(f.join ?? {})) {
        if (j.from !== stream) continue;
        const parents = await tx.links.parentsOf({ ...ref, rel }, keys);
        if (parents.length) await tx.pending.mark(ref, parents);
      }
    }
  });
  return keys;
}
