import type { CustomField, CustomFieldSet, Flow, Operation } from '../config/types.generated.js';
import { evaluate, getPath } from '../map/expression.js';
import { payloadHash } from '../map/canonical.js';
import { StreamReader } from '../read/reader.js';
import type { LiveConnection } from '../runtime/connection.js';
import type { StateBackend } from '../store/backend.js';
import { singleWriter } from '../write/single.js';
import { writeAll } from '../write/types.js';
import { valueText } from '../util/text.js';

export interface Provisioned {
  created: string[];
  /** Fields that existed and were given the options they lacked, as "key (+value, ...)" */
  updated: string[];
  existing: number;
  /** The mapping's field key -> the key the target uses (differs where the target generates keys) */
  keys: Record<string, string>;
}

/** A field that exists with another type than the mapping's: no record could carry its value. */
export class FieldConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldConflictError';
  }
}

type Definition = Record<string, unknown>;

/**
 * Creates the flow's custom fields in the target where missing, so no one sets them up by hand,
 * and reconciles those that exist: a type other than the mapping's is one run error (else every
 * record would fail on its value), and options the mapping uses that the field lacks are added.
 * Done once per field list and connection; later runs make no request for it.
 */
export interface ProvisionOptions {
  store: StateBackend;
  mapping: string;
  flowName: string;
  flow: Flow;
  op: Operation;
  target: LiveConnection;
  dryRun: boolean;
  relisted?: boolean;
}

/** The target's field definitions, by key and by name. */
async function listFields(
  o: ProvisionOptions,
  set: CustomFieldSet,
): Promise<Map<string, { key: string; def: Definition }>> {
  const existing = new Map<string, { key: string; def: Definition }>();
  const { client, baseUrl, vars } = o.target;
  const reader = new StreamReader({
    client,
    baseUrl,
    vars,
    name: `${o.op.custom_fields} definitions`,
    stream: set.list,
  });
  for await (const page of reader.pages()) {
    for (const def of page) {
      const key = getPath(def, set.key);
      if (key === undefined || key === null) continue;
      const entry = { key: valueText(key), def: def as Definition };
      existing.set(entry.key, entry);
      const name = set.name ? getPath(def, set.name) : undefined;
      if (name !== undefined && name !== null) existing.set(valueText(name), entry);
    }
  }
  return existing;
}

export async function provisionFields(o: ProvisionOptions): Promise<Provisioned> {
  const fields = o.flow.custom_fields ?? [];
  const set = o.op.custom_fields ? o.target.connector.custom_fields?.[o.op.custom_fields] : undefined;
  if (!fields.length || !set) return { created: [], updated: [], existing: 0, keys: {} };
  const specHash = payloadHash({ fields, base: o.target.baseUrl });
  const ref = { mapping: o.mapping, flow: o.flowName };
  const done = await o.store.provisioned.get(ref, o.target.name);
  if (done?.specHash === specHash) return { created: [], updated: [], existing: fields.length, keys: done.keys };

  const existing = await listFields(o, set);
  const keys: Record<string, string> = {};
  const missing: CustomField[] = [];
  const found: Found[] = [];
  for (const f of fields) {
    const hit = existing.get(f.key) ?? (set.name ? existing.get(f.title) : undefined);
    if (hit) {
      keys[f.key] = hit.key;
      found.push({ field: f, def: hit.def });
    } else missing.push(f);
  }
  const label = `custom field set ${o.op.custom_fields}`;
  await checkTypes(found, set, label, o.target.name);
  const updated = await addMissingOptions(found, set, label, o);
  const created: string[] = [];
  if (missing.length && !o.dryRun) {
    const failed = await createFields(missing, set, o, created);
    if (failed.length) {
      // A create whose answer was lost and retried meets the field it made ("key already taken"):
      // list again, and fail only for fields that really are missing.
      if (!o.relisted) return { ...(await provisionFields({ ...o, relisted: true })), created, updated };
      const reasons = failed.map((x) => `${x.key}: ${x.error}`).join('; ');
      throw new Error(`could not create custom fields in ${o.target.name}: ${reasons}`);
    }
    // Targets that generate keys (Pipedrive) are listed again to learn them.
    for (const f of missing) keys[f.key] = f.key;
    if (set.name) return { ...(await provisionFields({ ...o, relisted: true })), created, updated };
  }
  if (!o.dryRun) await o.store.provisioned.set(ref, o.target.name, specHash, keys);
  return { created, updated, existing: fields.length - missing.length, keys };
}

type Found = { field: CustomField; def: Definition };

/** Creates the missing fields, adding the keys created to `created`; returns the failed outcomes. */
async function createFields(missing: CustomField[], set: CustomFieldSet, o: ProvisionOptions, created: string[]) {
  const label = `custom field set ${o.op.custom_fields} definition`;
  const items = await Promise.all(
    missing.map(async (f) => ({
      key: f.key,
      matchValue: f.key,
      payload: (await evaluate(set.definition, f, label)) as Record<string, unknown>,
    })),
  );
  const { client, baseUrl, vars } = o.target;
  const ctx = {
    client,
    baseUrl,
    vars,
    spec: set.create,
    kind: 'create' as const,
    label: `custom fields ${o.op.custom_fields}`,
  };
  const outcomes = await writeAll(singleWriter, items, ctx);
  created.push(...outcomes.filter((x) => x.ok).map((x) => x.key));
  return outcomes.filter((x) => !x.ok);
}

async function checkTypes(found: Found[], set: CustomFieldSet, label: string, target: string): Promise<void> {
  if (!set.type) return;
  const conflicts: string[] = [];
  for (const { field, def } of found) {
    const type = await evaluate(set.type, def, `${label} type`);
    if (type === field.type) continue;
    conflicts.push(`"${field.key}" exists as ${JSON.stringify(type ?? null)}, the mapping writes it as ${field.type}`);
  }
  if (conflicts.length) {
    const what = `${label} in ${target}: ${conflicts.join('; ')}`;
    throw new FieldConflictError(
      `${what}. No record was written: change the field in ${target}, or give the mapping's field another key`,
    );
  }
}

/** Options are only ever added: one the mapping does not name may be in use in the target. */
async function addMissingOptions(
  found: Found[],
  set: CustomFieldSet,
  label: string,
  o: { target: LiveConnection; dryRun: boolean },
): Promise<string[]> {
  if (!set.options || !set.update || !set.update_definition || !set.id) return [];
  const valueOf = set.option_value ?? 'value';
  const items = [];
  const added = new Map<string, string[]>();
  for (const { field, def } of found) {
    if (!field.options?.length) continue;
    const list = getPath(def, set.options);
    const have = new Set((Array.isArray(list) ? list : []).map((x) => String(getPath(x, valueOf))));
    const missing = field.options.filter((x) => !have.has(x.value));
    const id = getPath(def, set.id);
    if (!missing.length || id === undefined || id === null) continue;
    added.set(
      field.key,
      missing.map((x) => x.value),
    );
    if (o.dryRun) continue;
    const input = { existing: def, field, missing };
    const payload = (await evaluate(set.update_definition, input, `${label} update_definition`)) as Record<
      string,
      unknown
    >;
    items.push({ key: field.key, matchValue: field.key, targetId: valueText(id), payload });
  }
  if (items.length) {
    const { client, baseUrl, vars } = o.target;
    const outcomes = await writeAll(singleWriter, items, {
      client,
      baseUrl,
      vars,
      spec: set.update,
      kind: 'update',
      label: `${label} update`,
    });
    const failed = outcomes.filter((x) => !x.ok).map((x) => `${x.key}: ${x.error}`);
    if (failed.length)
      throw new Error(`could not add options to custom fields in ${o.target.name}: ${failed.join('; ')}`);
  }
  return [...added].map(([key, values]) => `${key} (+${values.join(', ')})`);
}
