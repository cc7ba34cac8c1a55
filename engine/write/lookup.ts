import type { Connector, Lookup } from '../config/types.generated.js';
import type { HttpClient } from '../http/client.js';
import { getPath } from '../map/expression.js';
import { StreamReader } from '../read/reader.js';
import { selectRecords } from '../read/select.js';
import { render } from '../util/template.js';
import { chunk } from './batch.js';

export interface LookupContext {
  client: HttpClient;
  baseUrl: string;
  vars: Record<string, string>;
  connector: Connector;
  label: string;
}

export const normalizeKey = (k: string, ci: boolean | undefined) => (ci ? k.toLowerCase() : k);

/**
 * Finds target ids for match keys the state does not know: batched lookups, or one listing of
 * the target when there are many unknown keys (an initial load), whichever costs fewer requests.
 */
export async function lookupIds(keys: string[], lookup: Lookup, ctx: LookupContext): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const ci = lookup.case_insensitive;
  const remember = (records: Record<string, unknown>[]) => {
    for (const r of records) {
      const k = getPath(r, lookup.key);
      const id = getPath(r, lookup.id);
      if (k !== undefined && k !== null && id !== undefined && id !== null) found.set(normalizeKey(String(k), ci), String(id));
    }
  };
  const scanStream = lookup.scan ? ctx.connector.streams?.[lookup.scan] : undefined;
  if (scanStream && keys.length > (lookup.scan_above ?? 500)) {
    const reader = new StreamReader({ client: ctx.client, baseUrl: ctx.baseUrl, vars: ctx.vars, name: lookup.scan!, stream: { ...scanStream, incremental: undefined } });
    for await (const page of reader.pages()) remember(page);
    return found;
  }
  for (const batch of chunk(keys, lookup.batch_size ?? 1)) {
    const vars = { ...ctx.vars, keys: batch.join(','), key: batch[0] };
    const res = await ctx.client.request({
      method: lookup.method ?? 'GET',
      url: ctx.client.url(ctx.baseUrl, render(lookup.path, vars, encodeURIComponent)),
      query: Object.fromEntries(Object.entries(lookup.query ?? {}).map(([k, t]) => [k, render(t, vars)])),
    });
    remember(await selectRecords(lookup.records, res.body, `${ctx.label} lookup.records`));
  }
  return found;
}
