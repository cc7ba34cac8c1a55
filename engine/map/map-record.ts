import { payloadHash } from './canonical.js';
import type { FlowMapper } from './flow-mapper.js';

/** One record to map, as the state holds it: its JSON and, per join, its related records' JSON. */
export interface MapInput {
  key: string;
  data: string;
  related: [string, string[]][];
  /** The record is deleted at the source: this evidence (kind, detail, run_id, at) goes to the on_delete transform */
  deletion?: Record<string, unknown>;
}

export type MapOutput =
  | { key: string; kind: 'skip' }
  | { key: string; kind: 'error'; message: string }
  | {
      key: string;
      kind: 'mapped';
      payload: Record<string, unknown>;
      matchValue: string;
      clockDependent: boolean;
      hash: string;
    };

/** Where the target's custom fields sit in a payload, and the keys the target gave them (provisioning). */
export interface PayloadShape {
  setKey?: string;
  renames: [string, string][];
}

/**
 * Maps one record: the flow's filter, the join filters, the transform, the target's keys for
 * custom fields and the payload hash. The same code runs in the sync and in the map worker.
 */
export async function mapRecord(mapper: FlowMapper, shape: PayloadShape, input: MapInput): Promise<MapOutput> {
  const { key } = input;
  try {
    const record = JSON.parse(input.data) as Record<string, unknown>;
    // A deleted record is marked whatever the flow's filter says of it (it may filter out the inactive).
    if (!input.deletion && !(await mapper.keep(record))) return { key, kind: 'skip' };
    const full: Record<string, unknown> = { ...record };
    for (const [rel, rows] of input.related) {
      const kept = [];
      for (const data of rows) {
        const child = JSON.parse(data) as unknown;
        if (await mapper.keepRelated(rel, child)) kept.push(child);
      }
      full[rel] = kept;
    }
    const mapped = await mapper.map(full, input.deletion);
    const { setKey, renames } = shape;
    if (setKey && renames.length && mapped.payload[setKey] && typeof mapped.payload[setKey] === 'object') {
      const fields = new Map(Object.entries(mapped.payload[setKey] as Record<string, unknown>));
      for (const [from, to] of renames)
        if (fields.has(from)) {
          fields.set(to, fields.get(from));
          fields.delete(from);
        }
      mapped.payload[setKey] = Object.fromEntries(fields);
    }
    return { key, kind: 'mapped', ...mapped, hash: payloadHash(mapped.payload) };
  } catch (e) {
    return {
      key,
      kind: 'error',
      message: `mapping ${mapper.mappingName}, flow ${mapper.flowName}, record ${key}: ${(e as Error).message}`,
    };
  }
}
