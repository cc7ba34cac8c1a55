import type { Job } from '../config/types.generated.js';
import { HttpError } from '../http/client.js';
import { select } from '../read/select.js';
import { parseDuration } from '../util/duration.js';
import { render, renderMap } from '../util/template.js';
import { Channel } from '../util/channel.js';
import { chunk, sendBatch } from './batch.js';
import { readResults } from './results.js';
import type { WriteContext, WriteItem, WriteOutcome } from './types.js';

interface Running {
  id: string;
  batch: WriteItem[];
  since: number;
}

/**
 * Bulk jobs (Zendesk create_many/update_many): submit batches, keep up to max_in_flight jobs
 * running, poll them (several per request where the API allows), and read per-record results
 * from each finished job.
 */
export async function asyncJobWriter(items: WriteItem[] | Channel<WriteItem>, ctx: WriteContext): Promise<WriteOutcome[]> {
  const { spec, client } = ctx;
  const job = spec.job as Job;
  const maxInFlight = job.max_in_flight ?? 10;
  const interval = parseDuration(job.poll_interval, 1000);
  const timeout = parseDuration(job.timeout, 600_000);
  const size = spec.batch_size ?? 100;
  const source = Channel.from(items);
  // Writers of one flow (creates and updates) share the account's job slots.
  const slots = ctx.jobSlots ?? { running: 0 };
  const buffer: WriteItem[] = [];
  const running: Running[] = [];
  const out: WriteOutcome[] = [];
  const finish = (outcomes: WriteOutcome[]) => {
    ctx.onOutcomes?.(outcomes);
    out.push(...outcomes);
  };
  const failAll = (batch: WriteItem[], error: string) => finish(batch.map((i) => ({ key: i.key, ok: false, error })));

  // A slot is taken when a batch is chosen (before its request, so two writers cannot both
  // count the same free slot) and given back when its job ends or was never created.
  const submit = async (batch: WriteItem[]) => {
    let created = false;
    try {
      const res = await sendBatch(batch, ctx);
      const id = await select(job.id, res.body, `${ctx.label} job.id`);
      if (id === undefined || id === null) return failAll(batch, `${ctx.label}: the response has no job id (${job.id})`);
      running.push({ id: String(id), batch, since: Date.now() });
      created = true;
    } catch (e) {
      if (!(e instanceof HttpError && e.scope === 'record')) throw e;
      failAll(batch, e.message);
    } finally {
      if (!created) slots.running--;
    }
  };
  const stop = (r: Running) => {
    running.splice(running.indexOf(r), 1);
    slots.running--;
  };

  const settle = async (r: Running, jobObject: unknown) => {
    const status = String(await select(job.status, jobObject, `${ctx.label} job.status`));
    if (job.done.includes(status)) {
      stop(r);
      finish(await readResults(spec.results, jobObject, r.batch, ctx.kind, ctx.label));
    } else if (job.failed?.includes(status)) {
      stop(r);
      failAll(r.batch, `${ctx.label}: job ${r.id} ended ${status}`);
    } else if (Date.now() - r.since > timeout) {
      stop(r);
      failAll(r.batch, `${ctx.label}: job ${r.id} did not finish within ${job.timeout ?? '10m'}`);
    }
  };

  // A job the API no longer reports (expired, lost) fails its own batch once it times out, not the run.
  const unreported = (r: Running, why: string) => {
    if (Date.now() - r.since <= timeout) return;
    stop(r);
    failAll(r.batch, `${ctx.label}: job ${r.id} ${why}`);
  };

  const poll = async () => {
    const objectOf = async (body: unknown) => (job.object ? select(job.object, body, `${ctx.label} job.object`) : body);
    if (job.many && running.length > 1) {
      for (const group of chunk([...running], job.many.size ?? 100)) {
        const ids = group.map((r) => r.id).join(',');
        const vars = { ...ctx.vars, ids };
        const res = await client.request({
          url: client.url(ctx.baseUrl, render(job.many.path, vars, encodeURIComponent)),
          query: renderMap(job.many.query, vars),
        });
        const jobs = (await select(job.many.records, res.body, `${ctx.label} job.many.records`)) as unknown[];
        const byId = new Map((Array.isArray(jobs) ? jobs : []).map((j) => [String((j as Record<string, unknown>).id), j]));
        for (const r of group) {
          if (byId.has(r.id)) await settle(r, byId.get(r.id));
          else unreported(r, 'is no longer reported by the API');
        }
      }
    } else {
      for (const r of [...running]) {
        try {
          const res = await client.request({ url: client.url(ctx.baseUrl, render(job.path, { ...ctx.vars, id: r.id }, encodeURIComponent)) });
          await settle(r, await objectOf(res.body));
        } catch (e) {
          if (!(e instanceof HttpError && e.scope === 'record')) throw e;
          stop(r);
          failAll(r.batch, `${ctx.label}: job ${r.id} could not be read: ${e.message}`);
        }
      }
    }
  };

  // Small jobs finish in well under a second: poll soon, then back off to poll_interval, so
  // neither time nor rate limit is wasted. Items keep arriving meanwhile (the next records are
  // mapped while these jobs run); a batch is submitted when it is full or the input has ended.
  const first = Math.min(100, interval);
  let wait = first;
  let nextPoll = Infinity;
  let more = true;
  let taking: Promise<WriteItem[] | undefined> | undefined;
  for (;;) {
    const batches: WriteItem[][] = [];
    while ((buffer.length >= size || (!more && buffer.length)) && slots.running < maxInFlight) {
      batches.push(buffer.splice(0, size));
      slots.running++;
    }
    if (batches.length) {
      await Promise.all(batches.map(submit));
      wait = first;
      nextPoll = Math.min(nextPoll, client.now() + wait);
    }
    if (!more && !buffer.length && !running.length) break;
    if (running.length && client.now() >= nextPoll) {
      const before = running.length;
      await poll();
      wait = running.length < before ? first : Math.min(interval, wait * 2);
      nextPoll = running.length ? client.now() + wait : Infinity;
      continue;
    }
    // Wait for more input (while there is room for it) or for the next poll, whichever comes first.
    const wants = more && buffer.length < size * Math.max(1, maxInFlight - slots.running);
    if (wants) taking ??= source.take();
    const timer = running.length || (!wants && buffer.length) ? client.wait(Math.max(0, Math.min(nextPoll, client.now() + interval) - client.now())).then(() => undefined) : undefined;
    const got = await Promise.race([wants ? taking!.then((b) => ({ b })) : new Promise<never>(() => {}), timer ?? new Promise<never>(() => {})]);
    // Waiting only for another writer to free a job slot: let its answers in (a virtual-time
    // sleep resolves at once, and this loop would otherwise never leave the microtask queue).
    if (!got && !running.length) await new Promise((resolve) => setImmediate(resolve));
    if (got) {
      taking = undefined;
      if (got.b) buffer.push(...got.b);
      else more = false;
    }
  }
  return out;
}
