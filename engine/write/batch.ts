import { HttpError, type HttpResponse } from '../http/client.js';
import { Channel } from '../util/channel.js';
import { render, renderMap } from '../util/template.js';
import { batchBody } from './body.js';
import { readResults } from './results.js';
import { outcomeUnknown, type WriteContext, type WriteItem, type WriteOutcome } from './types.js';

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sends one batch to a write endpoint (batch writer, and job submission). */
export function sendBatch(batch: WriteItem[], ctx: WriteContext): Promise<HttpResponse> {
  const { spec, client } = ctx;
  return client.request({
    method: spec.method,
    url: client.url(ctx.baseUrl, render(spec.path, ctx.vars, encodeURIComponent)),
    query: renderMap(spec.query, ctx.vars),
    headers: spec.headers,
    json: batchBody(batch, spec),
  });
}

/** A batch per request with per-record results in the response (Marketo: 300 per call, read back by seq). */
export async function batchWriter(items: WriteItem[] | Channel<WriteItem>, ctx: WriteContext): Promise<WriteOutcome[]> {
  const { spec } = ctx;
  const size = spec.batch_size ?? 100;
  const out: WriteOutcome[] = [];
  const send = async (batch: WriteItem[]) => {
    let outcomes: WriteOutcome[];
    try {
      await ctx.intend?.([batch]);
      const res = await sendBatch(batch, ctx);
      outcomes = await readResults(spec.results, res.body, batch, ctx.kind, ctx.label);
    } catch (e) {
      if (!(e instanceof HttpError && e.scope === 'record')) throw e;
      const unknown = outcomeUnknown(e.status);
      outcomes = batch.map((i) => ({ key: i.key, ok: false, error: e.message, ...(unknown ? { unknown } : {}) }));
    }
    ctx.onOutcomes?.(outcomes);
    out.push(...outcomes);
  };
  // Full batches go as items arrive; the rest once the input has ended.
  const buffer: WriteItem[] = [];
  for await (const arrived of Channel.from(items)) {
    buffer.push(...arrived);
    const full = buffer.length - (buffer.length % size);
    if (full) await Promise.all(chunk(buffer.splice(0, full), size).map(send));
  }
  await Promise.all(chunk(buffer, size).map(send));
  return out;
}
