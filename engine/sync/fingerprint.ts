import type { Connector, Flow, Operation } from '../config/types.generated.js';
import { payloadHash } from '../map/canonical.js';
import { MAPPING_FUNCTIONS_VERSION } from '../map/functions.js';

export interface FingerprintInput {
  flow: Flow;
  /** The transform's text: a .jsonata file's content, or the inline expression */
  transformExpr: string;
  op: Operation;
  target: Connector;
  /** The mapping's custom field key -> the key the target gave it (provisioning) */
  fieldKeys: Record<string, string>;
  /** The text of the mapping's custom function modules: they shape payloads as the transform does */
  customCode: string[];
  /** The on_delete mark transform's text: it shapes the payloads of deleted records */
  deleteExpr?: string;
}

/**
 * A hash of everything that shapes a flow's payloads besides the source data: the transform's
 * text, the filters and joins (and what the joins ask the source for), the clock rule, the
 * custom fields and the keys the target gave them, the target operation's definition, and the
 * version of the mapping functions and the mapping's own function modules. When it changes, the payloads the target holds may be stale
 * for every record, not just the ones the source changed. Descriptions and depends_on are left
 * out: they change no payload.
 */
export function flowFingerprint(i: FingerprintInput): string {
  const { flow, op } = i;
  const set = op.custom_fields ? i.target.custom_fields?.[op.custom_fields] : undefined;
  return payloadHash({
    functions: MAPPING_FUNCTIONS_VERSION,
    ...(i.customCode.length ? { customCode: i.customCode } : {}),
    flow: {
      from: flow.from,
      where: flow.where ?? null,
      join: flow.join ?? null,
      transform: i.transformExpr,
      recompute: flow.recompute ?? null,
      custom_fields: flow.custom_fields ?? null,
      // Only where declared, so the fingerprints of flows without one stay as they were.
      ...(flow.on_delete ? { on_delete: { ...flow.on_delete, transform: i.deleteExpr ?? null } } : {}),
    },
    operation: {
      match_key: op.match_key,
      payload_schema: op.payload_schema ?? null,
      custom_fields: op.custom_fields ?? null,
      set: set ? { key: set.key, name: set.name ?? null, payload_path: set.payload_path ?? null } : null,
    },
    fieldKeys: i.fieldKeys,
  });
}
