import type { Job } from '../config/types.generated.js';
import { HttpError } from '../http/client.js';
import { evaluate } from '../map/expression.js';
import { select } from '../read/select.js';
import { parseDuration } from '../util/duration.js';
import { render, renderMap } from '../util/template.js';
import { Channel } from '../util/channel.js';
import { chunk, sendBatch } from './batch.js';
import { readResults } from './results.js';
import { outcomeUnknown, type WriteContext, type WriteItem, type WriteOutcome } from './types.js';

interface Running {
  id: string;
  batch: WriteItem[];
  since: number;
}

/** How long a writer waits for a free job slot before the run stops (the account stays full). */
const MAX_SLOT_BACKOFF_MS = 15_000;

/**
 * Polls a set of bulk jobs (several per request where the API allows) and hands each finished
 * job's per-record outcomes to `end`. A job that failed, timed out or is no longer reported ends
 * with its records' outcomes unknown (the target may have applied some of them).
 */
class JobPoller {
  readonly running: Running[] = [];

  constructor(
    private readonly ctx: WriteContext,
    private readonly job: Job,
    private readonly timeoutMs: number,
    private readonly end: (r: Running, outcomes: WriteOutcome[]) => void,
    /** Jobs of an earlier run: one the API does not report has expired (no wait for it to appear) */
    private readonly expireUnreported = false,
  ) {}

  private stop(r: Running, outcomes: WriteOutcome[]): void {
    this.running.splice(this.running.indexOf(r), 1);
    this.end(r, outcomes);
  }

  private unknown(r: Running, error: string): void {
    this.stop(r, r.batch.map((i) => ({ key: i.key, ok: false, error, unknown: true })));
  }

  private async settle(r: Running, jobObject: unknown): Promise<void> {
    const { job, ctx } = this;
    const status = String(await select(job.status, jobObject, `${ctx.label} job.status`));
    if (job.done.includes(status)) this.stop(r, await readResults(ctx.spec.results, jobObject, r.batch, ctx.kind, ctx.label));
    else if (job.failed?.includes(status)) this.unknown(r, `${ctx.label}: job ${r.id} ended ${status}`);
    else if (this.expired(r)) this.unknown(r, `${ctx.label}: job ${r.id} did not finish within ${job.timeout ?? '10m'}`);
  }

  private expired(r: Running): boolean {
    return this.ctx.client.now() - r.since > this.timeoutMs;
  }

  // A job the API no longer reports (expired, lost) ends its own batch, not the run.
  private unreported(r: Running, why: string): void {
    if (this.expireUnreported || this.expired(r)) this.unknown(r, `${this.ctx.label}: job ${r.id} ${why}`);
  }

  async poll(): Promise<void> {
    const { job, ctx } = this;
    const { client } = ctx;
    const objectOf = async (body: unknown) => (job.object ? select(job.object, body, `${ctx.label} job.object`) : body);
    if (job.many && this.running.length > 1) {
      for (const group of chunk([...this.running], job.many.size ?? 100)) {
        const ids = group.map((r) => r.id).join(',');
        const vars = { ...ctx.vars, ids };
        const res = await client.request({
          url: client.url(ctx.baseUrl, render(job.many.path, vars, encodeURIComponent)),
          query: renderMap(job.many.query, vars),
        });
        const jobs = (await select(job.many.records, res.body, `${ctx.label} job.many.records`)) as unknown[];
        const byId = new Map((Array.isArray(jobs) ? jobs : []).map((j) => [String((j as Record<string, unknown>).id), j]));
        for (const r of group) {
          if (byId.has(r.id)) await this.settle(r, byId.get(r.id));
          else this.unreported(r, 'is no longer reported by the API');
        }
      }
      return;
    }
    for (const r of [...this.running]) {
      try {
        const res = await client.request({ url: client.url(ctx.baseUrl, render(job.path, { ...ctx.vars, id: r.id }, encodeURIComponent)) });
        await this.settle(r, await objectOf(res.body));
      } catch (e) {
        if (!(e instanceof HttpError && e.scope === 'record')) throw e;
        this.unknown(r, `${ctx.label}: job ${r.id} could not be read: ${e.message}`);
      }
    }
  }
}

const settings = (ctx: WriteContext) => {
  const job = ctx.spec.job as Job;
  return { job, interval: parseDuration(job.poll_interval, 1000), timeout: parseDuration(job.timeout, 600_000) };
};

/** Whether a refused submission means "no free job slot" (job.no_slot; by default any 429). */
async function isNoSlot(job: Job, e: HttpError, label: string): Promise<boolean> {
  const rule = job.no_slot ?? { status: [429] };
  if (rule.status && (e.status === undefined || !rule.status.includes(e.status))) return false;
  if (!rule.body) return true;
  if (!e.body || typeof e.body !== 'object') return false;
  try {
    return (await evaluate(rule.body, e.body, `${label} job.no_slot.body`)) === true;
  } catch {
    return false;
  }
}

/**
 * Reads the outcome of jobs an earlier (killed) run submitted, polling until each ends or
 * job.timeout passes. Jobs are matched by id; a job the API no longer reports ends at once with
 * its records' outcomes unknown.
 */
export async function confirmJobs(jobs: { id: string; items: WriteItem[] }[], ctx: WriteContext): Promise<Map<string, WriteOutcome[]>> {
  const { job, interval, timeout } = settings(ctx);
  const out = new Map<string, WriteOutcome[]>();
  const poller = new JobPoller(ctx, job, timeout, (r, outcomes) => out.set(r.id, outcomes), true);
  const now = ctx.client.now();
  poller.running.push(...jobs.map((j) => ({ id: j.id, batch: j.items, since: now })));
  let wait = Math.min(100, interval);
  while (poller.running.length) {
    await poller.poll();
    if (!poller.running.length) break;
    await ctx.client.wait(wait);
    wait = Math.min(interval, wait * 2);
  }
  return out;
}

/**
 * Bulk jobs (Zendesk create_many/update_many): submit batches, keep up to max_in_flight jobs
 * running, poll them (several per request where the API allows), and read per-record results
 * from each finished job. A submission refused for want of a job slot waits for one (polling
 * meanwhile), bounded by job.timeout; it never fails records.
 */
export async function asyncJobWriter(items: WriteItem[] | Channel<WriteItem>, ctx: WriteContext): Promise<WriteOutcome[]> {
  const { spec, client } = ctx;
  const { job, interval, timeout } = settings(ctx);
  const maxInFlight = job.max_in_flight ?? 10;
  const size = spec.batch_size ?? 100;
  const source = Channel.from(items);
  // Writers of one flow (creates and updates) share the account's job slots.
  const slots = ctx.jobSlots ?? { running: 0 };
  const buffer: WriteItem[] = [];
  const out: WriteOutcome[] = [];
  const finish = (outcomes: WriteOutcome[]) => {
    ctx.onOutcomes?.(outcomes);
    out.push(...outcomes);
  };
  // No free slot: no submission before slotRetryAt, unless one of our jobs ends first.
  let noSlotSince: number | undefined;
  let slotRetryAt = 0;
  let slotBackoff = interval;
  const poller = new JobPoller(ctx, job, timeout, (_r, outcomes) => {
    slots.running--;
    slotRetryAt = 0;
    finish(outcomes);
  });
  const { running } = poller;

  // A slot is taken when a batch is chosen (before its request, so two writers cannot both
  // count the same free slot) and given back when its job ends or was never created.
  const submit = async (batch: WriteItem[], token: string | undefined) => {
    let created = false;
    try {
      const res = await sendBatch(batch, ctx);
      const id = await select(job.id, res.body, `${ctx.label} job.id`);
      if (id === undefined || id === null) return finish(batch.map((i) => ({ key: i.key, ok: false, error: `${ctx.label}: the response has no job id (${job.id})`, unknown: true })));
      if (token !== undefined) await ctx.jobStarted?.(token, String(id));
      running.push({ id: String(id), batch, since: client.now() });
      created = true;
      noSlotSince = undefined;
      slotBackoff = interval;
    } catch (e) {
      if (!(e instanceof HttpError && e.scope === 'record')) throw e;
      if (await isNoSlot(job, e, ctx.label)) {
        buffer.unshift(...batch);
        noSlotSince ??= client.now();
        slotRetryAt = client.now() + slotBackoff;
        slotBackoff = Math.min(MAX_SLOT_BACKOFF_MS, slotBackoff * 2);
        return;
      }
      const unknown = outcomeUnknown(e.status);
      finish(batch.map((i) => ({ key: i.key, ok: false, error: e.message, ...(unknown ? { unknown } : {}) })));
    } finally {
      if (!created) slots.running--;
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
    if (noSlotSince !== undefined && client.now() - noSlotSince > timeout) {
      throw new HttpError(`${ctx.label}: no free job slot within ${job.timeout ?? '10m'} (the account's job limit is taken, by this run's jobs or others); the records stay pending for the next run`, 'run');
    }
    const blocked = client.now() < slotRetryAt;
    const batches: WriteItem[][] = [];
    while (!blocked && (buffer.length >= size || (!more && buffer.length)) && slots.running < maxInFlight) {
      batches.push(buffer.splice(0, size));
      slots.running++;
    }
    if (batches.length) {
      let tokens: string[] = [];
      try {
        tokens = (await ctx.intend?.(batches)) ?? [];
      } catch (e) {
        slots.running -= batches.length;
        throw e;
      }
      // One submit at a time: a job the API accepted is journaled before the next batch goes, so
      // a kill leaves at most one accepted job unknown to the next run (one batch re-sent).
      for (let i = 0; i < batches.length; i++) {
        if (client.now() < slotRetryAt) {
          // No slot for the last one: the rest wait in the buffer, in order, their slots given back.
          buffer.splice(batches[i - 1].length, 0, ...batches.slice(i).flat());
          slots.running -= batches.length - i;
          break;
        }
        await submit(batches[i], tokens[i]);
      }
      wait = first;
      nextPoll = Math.min(nextPoll, client.now() + wait);
    }
    if (!more && !buffer.length && !running.length) break;
    if (running.length && client.now() >= nextPoll) {
      const before = running.length;
      await poller.poll();
      wait = running.length < before ? first : Math.min(interval, wait * 2);
      nextPoll = running.length ? client.now() + wait : Infinity;
      continue;
    }
    // Wait for more input (while there is room for it), for the next poll, or for the moment a
    // slot may be free again, whichever comes first.
    const waitingForSlot = client.now() < slotRetryAt && buffer.length > 0;
    const wants = more && buffer.length < size * Math.max(1, maxInFlight - slots.running);
    if (wants) taking ??= source.take();
    const until = Math.min(nextPoll, waitingForSlot ? slotRetryAt : Infinity, client.now() + interval);
    const timer = running.length || (buffer.length && (!wants || waitingForSlot)) ? client.wait(Math.max(0, until - client.now())).then(() => undefined) : undefined;
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
