import type { HttpResponse } from '../http/client.js';
import { Channel } from '../util/channel.js';
import { batchBody } from './body.js';
import { orFailed } from './failures.js';
import { batchSizeOf, writeRequest } from './request.js';
import { readResults } from './results.js';
import type { WriteContext, WriteItem } from './types.js';

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sends one batch to a write endpoint (batch writer, and job submission). */
export function sendBatch(batch: WriteItem[], ctx: WriteContext): Promise<HttpResponse> {
  return ctx.client.request(writeRequest(ctx, ctx.vars, batchBody(batch, ctx.spec)));
}

/** A batch per request with per-record results in the response (Marketo: 300 per call, read back by seq). */
export async function batchWriter(items: WriteItem[] | Channel<WriteItem>, ctx: WriteContext): Promise<void> {
  const size = batchSizeOf(ctx.spec);
  const send = async (batch: WriteItem[]) => {
    const outcomes = await orFailed(batch, async () => {
      await ctx.intend?.([batch]);
      const res = await sendBatch(batch, ctx);
      return readResults(ctx.spec.results, res.body, batch, ctx.kind, ctx.label);
    });
    await ctx.onOutcomes(outcomes);
  };
  // Full batches go as items arrive; the rest once the input has ended.
  const buffer: WriteItem[] = [];
  for await (const arrived of Channel.from(items)) {
    buffer.push(...arrived);
    const full = buffer.length - (buffer.length % size);
    if (full) await Promise.all(chunk(buffer.splice(0, full), size).map(send));
  }
  await Promise.all(chunk(buffer, size).map(send));
}
