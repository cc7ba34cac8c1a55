import type { Connector, Lookup } from '../config/types.generated.js';
import type { HttpClient } from '../http/client.js';
import { specRequest } from '../http/request.js';
import { getPath } from '../map/expression.js';
import { StreamReader } from '../read/reader.js';
import { selectRecords } from '../read/select.js';
import { chunk } from './batch.js';
import { valueText } from '../util/text.js';

export interface LookupContext {
  client: HttpClient;
  baseUrl: string;
  vars: Record<string, string>;
  connector: Connector;
  label: string;
}

export const normalizeKey = (k: string, ci: boolean | undefined) => (ci ? k.toLowerCase() : k);

function remember(found: Map<string, string>, records: Record<string, unknown>[], lookup: Lookup): void {
  for (const r of records) {
    const k = getPath(r, lookup.key);
    const id = getPath(r, lookup.id);
    if (k === undefined || k === null || id === undefined || id === null) continue;
    found.set(normalizeKey(valueText(k), lookup.case_insensitive), valueText(id));
  }
}

/** Whether listing the whole target is cheaper than looking up this many keys in batches. */
export function shouldScan(unknownKeys: number, lookup: Lookup | undefined, connector: Connector): boolean {
  return !!lookup?.scan && !!connector.streams?.[lookup.scan] && unknownKeys > (lookup.scan_above ?? 500);
}

/** Every target record's id by match key, from one listing of the target (an initial load). */
export async function scanTarget(lookup: Lookup, ctx: LookupContext): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const name = lookup.scan;
  const stream = name ? ctx.connector.streams?.[name] : undefined;
  if (!name || !stream) throw new Error(`${ctx.label}: lookup.scan names no stream of connector ${ctx.connector.name}`);
  // full: the whole target, with the stream's cursor fragments rendered as for a first read.
  const { client, baseUrl, vars } = ctx;
  const reader = new StreamReader({ client, baseUrl, vars, name, stream, full: true });
  for await (const page of reader.pages()) remember(found, page, lookup);
  return found;
}

/** Target ids for match keys the state does not know, in batches the API allows. */
export async function lookupIds(keys: string[], lookup: Lookup, ctx: LookupContext): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const spec = { method: lookup.method ?? 'GET', path: lookup.path, query: lookup.query };
  for (const batch of chunk(keys, lookup.batch_size ?? 1)) {
    const vars = { ...ctx.vars, keys: batch.join(','), key: batch[0] };
    const res = await ctx.client.request(specRequest(ctx.baseUrl, spec, vars));
    remember(found, await selectRecords(lookup.records, res.body, `${ctx.label} lookup.records`), lookup);
  }
  return found;
}
