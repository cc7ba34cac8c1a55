import type { CustomField, Flow, Operation } from '../config/types.generated.js';
import { evaluate, getPath } from '../map/expression.js';
import { payloadHash } from '../map/canonical.js';
import { StreamReader } from '../read/reader.js';
import type { LiveConnection } from '../runtime/connection.js';
import type { StateStore } from '../store/state.js';
import { singleWriter } from '../write/single.js';

export interface Provisioned {
  created: string[];
  existing: number;
  /** The mapping's field key -> the key the target uses (differs where the target generates keys) */
  keys: Record<string, string>;
}

/**
 * Creates the flow's custom fields in the target where missing, so no one sets them up by hand.
 * Done once per field list and connection; later runs make no request for it.
 */
export async function provisionFields(o: {
  state: StateStore;
  mapping: string;
  flowName: string;
  flow: Flow;
  op: Operation;
  target: LiveConnection;
  dryRun: boolean;
  relisted?: boolean;
}): Promise<Provisioned> {
  const fields = o.flow.custom_fields ?? [];
  const set = o.op.custom_fields ? o.target.connector.custom_fields?.[o.op.custom_fields] : undefined;
  if (!fields.length || !set) return { created: [], existing: 0, keys: {} };
  const specHash = payloadHash({ fields, base: o.target.baseUrl });
  const done = o.state.get<{ spec_hash: string; ids: string }>('SELECT spec_hash, ids FROM provisioned WHERE mapping = ? AND flow = ? AND connection = ?', [o.mapping, o.flowName, o.target.name]);
  if (done?.spec_hash === specHash) return { created: [], existing: fields.length, keys: JSON.parse(done.ids) as Record<string, string> };

  const existing = new Map<string, string>();
  const reader = new StreamReader({ client: o.target.client, baseUrl: o.target.baseUrl, vars: o.target.vars, name: `${o.op.custom_fields} definitions`, stream: set.list });
  for await (const page of reader.pages()) {
    for (const def of page) {
      const key = getPath(def, set.key);
      if (key === undefined || key === null) continue;
      existing.set(String(key), String(key));
      const name = set.name ? getPath(def, set.name) : undefined;
      if (name !== undefined && name !== null) existing.set(String(name), String(key));
    }
  }
  const keys: Record<string, string> = {};
  const missing: CustomField[] = [];
  for (const f of fields) {
    const found = existing.get(f.key) ?? (set.name ? existing.get(f.title) : undefined);
    if (found) keys[f.key] = found;
    else missing.push(f);
  }
  const created: string[] = [];
  if (missing.length && !o.dryRun) {
    const items = await Promise.all(
      missing.map(async (f) => ({ key: f.key, matchValue: f.key, payload: (await evaluate(set.definition, f, `custom field set ${o.op.custom_fields} definition`)) as Record<string, unknown> })),
    );
    const outcomes = await singleWriter(items, { client: o.target.client, baseUrl: o.target.baseUrl, vars: o.target.vars, spec: set.create, kind: 'create', label: `custom fields ${o.op.custom_fields}` });
    const failed = outcomes.filter((x) => !x.ok);
    created.push(...outcomes.filter((x) => x.ok).map((x) => x.key));
    if (failed.length) {
      // A create whose answer was lost and retried meets the field it made ("key already taken"):
      // list again, and fail only for fields that really are missing.
      if (!o.relisted) return { ...(await provisionFields({ ...o, relisted: true })), created };
      throw new Error(`could not create custom fields in ${o.target.name}: ${failed.map((x) => `${x.key}: ${x.error}`).join('; ')}`);
    }
    // Targets that generate keys (Pipedrive) are listed again to learn them.
    for (const f of missing) keys[f.key] = f.key;
    if (set.name) return { ...(await provisionFields({ ...o, relisted: true })), created };
  }
  if (!o.dryRun) o.state.run('INSERT OR REPLACE INTO provisioned (mapping, flow, connection, spec_hash, ids) VALUES (?, ?, ?, ?, ?)', [o.mapping, o.flowName, o.target.name, specHash, JSON.stringify(keys)]);
  return { created, existing: fields.length - missing.length, keys };
}
