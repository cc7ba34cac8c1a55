import type { HttpResponse } from '../http/client.js';
import { select } from '../read/select.js';
import { Channel } from '../util/channel.js';
import { singleBody } from './body.js';
import { orFailed } from './failures.js';
import { writeRequest } from './request.js';
import { readResults } from './results.js';
import type { WriteContext, WriteItem, WriteOutcome } from './types.js';
import { valueText } from '../util/text.js';

/** One request per record (create_or_update, PATCH by id, Acumatica PUT); the client bounds concurrency. */
export async function singleWriter(items: WriteItem[] | Channel<WriteItem>, ctx: WriteContext): Promise<void> {
  for await (const batch of Channel.from(items)) {
    // One journal entry for what arrived together (one fsync, not one per record).
    await ctx.intend?.([batch]);
    await Promise.all(batch.map((item) => writeOne(item, ctx)));
  }
}

async function writeOne(item: WriteItem, ctx: WriteContext): Promise<void> {
  const outcomes = await orFailed(
    [item],
    async () => {
      const vars = { ...ctx.vars, id: item.targetId, key: item.matchValue };
      const res = await ctx.client.request(writeRequest(ctx, vars, singleBody(item, ctx.spec)));
      return [await outcomeOf(item, res, ctx)];
    },
    { conflictOn409: ctx.kind === 'create' },
  );
  await ctx.onOutcomes(outcomes);
}

/**
 * A written record's outcome from its response: the id and action the results declare, else the
 * known id, and the action from the kind of write (an upsert answered 201 created).
 */
async function outcomeOf(item: WriteItem, res: HttpResponse, ctx: WriteContext): Promise<WriteOutcome> {
  const results = ctx.spec.results;
  // A custom result reader reads the response as the one result of a batch of one.
  if (results && 'type' in results) return (await readResults(results, res.body, [item], ctx.kind, ctx.label))[0];
  const id = results?.id ? await select(results.id, res.body, `${ctx.label} results.id`) : undefined;
  const act = results?.action ? await select(results.action, res.body, `${ctx.label} results.action`) : undefined;
  const created = ctx.kind === 'create' || (ctx.kind === 'upsert' && res.status === 201);
  const action = act === 'created' || act === 'updated' ? act : created ? 'created' : 'updated';
  return { key: item.key, ok: true, action, targetId: id === undefined || id === null ? item.targetId : valueText(id) };
}
