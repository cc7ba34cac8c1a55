import { WRITERS } from '../write/registry.js';
import type { WriteItem, WriteOutcome } from '../write/types.js';
import type { Ending } from './endings.js';
import { operationOf, type ContextFor, type FlowRun, type WriteKind } from './flow-run.js';
import type { Removal } from './map-chunk.js';

/**
 * Archives or deletes records in the target through the flow's on_delete operation: its write
 * (update, else upsert, else create) is sent with the record's target id and an empty payload,
 * the operation's path naming the record ({id}). Returns how each one ended.
 */
export async function removeInTarget(r: FlowRun, ctxFor: ContextFor, removals: Removal[]): Promise<Ending[]> {
  if (!removals.length) return [];
  const name = r.flow.on_delete?.operation;
  if (!name) return removals.map((x) => failed(x, 'on_delete declares no operation'));
  const op = operationOf(r.target.connector, name);
  const kind: WriteKind | undefined = op.update ? 'update' : op.upsert ? 'upsert' : op.create ? 'create' : undefined;
  const spec = kind && op[kind];
  if (!kind || !spec) return removals.map((x) => failed(x, `operation ${name} declares no write`));
  const outcomes = new Map<string, WriteOutcome>();
  const items: WriteItem[] = removals.map((x) => ({
    key: x.key,
    matchValue: x.matchValue,
    payload: {},
    targetId: x.targetId,
  }));
  const ctx = { ...ctxFor(spec, kind), label: `operation ${name}` };
  await WRITERS[spec.writer](items, {
    ...ctx,
    onOutcomes: (list) => {
      for (const o of list) outcomes.set(o.key, o);
    },
  });
  return removals.map((x): Ending => {
    const o = outcomes.get(x.key);
    if (!o?.ok) return failed(x, o?.error ?? `operation ${name} reported no outcome`);
    const action = x.action === 'archive' ? 'archived' : 'deleted';
    return { kind: 'deleted', key: x.key, action, targetId: x.targetId, evidence: x.evidence, version: x.version };
  });
}

const failed = (x: Removal, reason: string): Ending => ({
  kind: 'failed',
  key: x.key,
  stage: 'write',
  reason: `${x.action} of target record ${x.targetId}: ${reason}`,
  version: x.version,
});
