import { HttpError } from '../http/client.js';
import { select } from '../read/select.js';
import { Channel } from '../util/channel.js';
import { render, renderMap } from '../util/template.js';
import { singleBody } from './body.js';
import { outcomeUnknown, type WriteContext, type WriteItem, type WriteOutcome } from './types.js';

/** One request per record (create_or_update, PATCH by id, Acumatica PUT); the client bounds concurrency. */
export async function singleWriter(items: WriteItem[] | Channel<WriteItem>, ctx: WriteContext): Promise<WriteOutcome[]> {
  const out: WriteOutcome[] = [];
  for await (const batch of Channel.from(items)) {
    // One journal entry for what arrived together (one fsync, not one per record).
    await ctx.intend?.([batch]);
    out.push(...(await writeEach(batch, ctx)));
  }
  return out;
}

function writeEach(items: WriteItem[], ctx: WriteContext): Promise<WriteOutcome[]> {
  const { spec, client } = ctx;
  return Promise.all(
    items.map(async (item): Promise<WriteOutcome> => {
      try {
        const vars = { ...ctx.vars, id: item.targetId, key: item.matchValue };
        const res = await client.request({
          method: spec.method,
          url: client.url(ctx.baseUrl, render(spec.path, vars, encodeURIComponent)),
          query: renderMap(spec.query, vars),
          headers: spec.headers,
          json: singleBody(item, spec),
        });
        const id = spec.results?.id ? await select(spec.results.id, res.body, `${ctx.label} results.id`) : undefined;
        const act = spec.results?.action ? await select(spec.results.action, res.body, `${ctx.label} results.action`) : undefined;
        const action = act === 'created' || act === 'updated' ? act : ctx.kind === 'create' || (ctx.kind === 'upsert' && res.status === 201) ? 'created' : 'updated';
        const outcome: WriteOutcome = { key: item.key, ok: true, action, targetId: id === undefined || id === null ? item.targetId : String(id) };
        ctx.onOutcomes?.([outcome]);
        return outcome;
      } catch (e) {
        if (e instanceof HttpError && e.scope === 'record') {
          const conflict = ctx.kind === 'create' && e.status === 409;
          const outcome: WriteOutcome = { key: item.key, ok: false, error: e.message, conflict, ...(outcomeUnknown(e.status) ? { unknown: true } : {}) };
          ctx.onOutcomes?.([outcome]);
          return outcome;
        }
        throw e;
      }
    }),
  );
}
