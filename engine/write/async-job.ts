import type { Job } from '../config/types.generated.js';
import { HttpError } from '../http/client.js';
import { evaluate } from '../map/expression.js';
import { select } from '../read/select.js';
import { Channel } from '../util/channel.js';
import { sendBatch } from './batch.js';
import { failed, failedBy, recordScoped } from './failures.js';
import { JobPoller, jobSettings, PollSchedule } from './job-poller.js';
import { SlotSemaphore } from './job-slots.js';
import { batchSizeOf } from './request.js';
import type { WriteContext, WriteItem, WriteOutcome } from './types.js';
import { valueText } from '../util/text.js';

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
export async function confirmJobs(
  jobs: { id: string; items: WriteItem[] }[],
  ctx: Omit<WriteContext, 'onOutcomes'>,
): Promise<Map<string, WriteOutcome[]>> {
  const out = new Map<string, WriteOutcome[]>();
  const full: WriteContext = { ...ctx, onOutcomes: () => undefined };
  const poller = new JobPoller(
    full,
    (r, outcomes) => {
      out.set(r.id, outcomes);
      return Promise.resolve();
    },
    true,
  );
  const now = ctx.client.now();
  for (const j of jobs) poller.add({ id: j.id, batch: j.items, since: now });
  const { intervalMs } = jobSettings(ctx.spec, ctx.label);
  let wait = Math.min(100, intervalMs);
  while (poller.running.length) {
    await poller.poll();
    if (!poller.running.length) break;
    await ctx.client.wait(wait);
    wait = Math.min(intervalMs, wait * 2);
  }
  return out;
}

/**
 * Bulk jobs (Zendesk create_many/update_many): submit batches, keep up to max_in_flight jobs
 * running, poll them (several per request where the API allows), and read per-record results
 * from each finished job. A submission refused for want of a job slot waits for one (polling
 * meanwhile), bounded by job.timeout; it never fails records.
 */
export async function asyncJobWriter(items: WriteItem[] | Channel<WriteItem>, ctx: WriteContext): Promise<void> {
  await new JobWriter(ctx, Channel.from(items)).run();
}

/** What the writer waits for when it has nothing to do this moment. */
type Arrival = { items: WriteItem[] | undefined } | undefined;

/**
 * A wait that never ends, for a race with nothing on one side. A new one each time: a settled
 * race stays registered on a shared one for as long as it lives.
 */
const never = () => new Promise<never>(() => {});

/**
 * One async-job writer: items arrive on a channel (the next records are mapped while these jobs
 * run) and are submitted as a batch when it is full or the input has ended, while a job slot is
 * free; the poller settles the jobs in flight.
 */
class JobWriter {
  private readonly job: Job;
  private readonly intervalMs: number;
  private readonly size: number;
  private readonly slots: SlotSemaphore;
  private readonly poller: JobPoller;
  private readonly schedule: PollSchedule;
  /** Items arrived and not yet submitted, in order */
  private readonly buffer: WriteItem[] = [];
  private more = true;
  private taking?: Promise<WriteItem[] | undefined>;

  constructor(
    private readonly ctx: WriteContext,
    private readonly source: Channel<WriteItem>,
  ) {
    const { job, intervalMs, timeoutMs } = jobSettings(ctx.spec, ctx.label);
    this.job = job;
    this.intervalMs = intervalMs;
    this.size = batchSizeOf(ctx.spec);
    const now = ctx.client.now;
    this.slots = new SlotSemaphore(ctx.jobSlots ?? { running: 0 }, {
      max: job.max_in_flight ?? 10,
      firstBackoffMs: intervalMs,
      timeoutMs,
      timeoutText: job.timeout ?? '10m',
      label: ctx.label,
      now,
    });
    this.poller = new JobPoller(ctx, async (_r, outcomes) => {
      this.slots.jobEnded();
      await ctx.onOutcomes(outcomes);
    });
    this.schedule = new PollSchedule(intervalMs, now);
  }

  async run(): Promise<void> {
    for (;;) {
      this.slots.check();
      const batches = this.takeBatches();
      if (batches.length) {
        await this.submitAll(batches);
        this.schedule.submitted();
      }
      const running = this.poller.running.length;
      if (!this.more && !this.buffer.length && !running) return;
      if (running && this.schedule.due) {
        await this.poller.poll();
        this.schedule.polled(this.poller.running.length < running, this.poller.running.length > 0);
        continue;
      }
      await this.waitForNext();
    }
  }

  /** The batches that may go now: full ones (or the rest, once the input has ended) with a free slot each. */
  private takeBatches(): WriteItem[][] {
    const batches: WriteItem[][] = [];
    const ready = () => this.buffer.length >= this.size || (!this.more && this.buffer.length > 0);
    while (ready() && this.slots.tryTake()) batches.push(this.buffer.splice(0, this.size));
    return batches;
  }

  /**
   * Journals the batches, then submits them one at a time: a job the API accepted is journaled
   * before the next batch goes, so a kill leaves at most one accepted job unknown to the next run
   * (one batch re-sent). After a refusal for want of a slot the rest wait in the buffer, in order.
   */
  private async submitAll(batches: WriteItem[][]): Promise<void> {
    let tokens: string[];
    try {
      tokens = (await this.ctx.intend?.(batches)) ?? [];
    } catch (e) {
      this.slots.give(batches.length);
      throw e;
    }
    for (let i = 0; i < batches.length; i++) {
      if ((await this.submit(batches[i], tokens[i])) === 'submitted') continue;
      // Refused for want of a slot: that batch (its slot given back) and the rest wait, in order.
      const waiting = batches.slice(i);
      this.buffer.unshift(...waiting.flat());
      this.slots.give(waiting.length - 1);
      return;
    }
  }

  private async submit(batch: WriteItem[], token: string | undefined): Promise<'submitted' | 'no_slot'> {
    const { ctx, job } = this;
    let created = false;
    try {
      const res = await sendBatch(batch, ctx);
      const id = await select(job.id, res.body, `${ctx.label} job.id`);
      if (id === undefined || id === null) {
        await ctx.onOutcomes(failed(batch, `${ctx.label}: the response has no job id (${job.id})`, { unknown: true }));
        return 'submitted';
      }
      if (token !== undefined) await ctx.jobStarted?.(token, valueText(id));
      this.poller.add({ id: valueText(id), batch, since: ctx.client.now() });
      created = true;
      this.slots.accepted();
    } catch (e) {
      const err = recordScoped(e);
      if (await isNoSlot(job, err, ctx.label)) {
        this.slots.refused();
        return 'no_slot';
      }
      await ctx.onOutcomes(failedBy(batch, err));
    } finally {
      if (!created) this.slots.give();
    }
    return 'submitted';
  }

  /**
   * Waits for more input (while there is room for it), for the next poll, or for the moment a
   * slot may be free again, whichever comes first.
   */
  private async waitForNext(): Promise<void> {
    const { client } = this.ctx;
    const running = this.poller.running.length;
    const waitingForSlot = this.slots.closed && this.buffer.length > 0;
    const room = this.size * Math.max(1, (this.job.max_in_flight ?? 10) - this.slots.taken);
    const wants = this.more && this.buffer.length < room;
    if (wants) this.taking ??= this.source.take();
    const slotAt = waitingForSlot ? this.slots.reopensAt : Infinity;
    const until = Math.min(this.schedule.next, slotAt, client.now() + this.intervalMs);
    const timed = running > 0 || (this.buffer.length > 0 && (!wants || waitingForSlot));
    const timer = timed ? client.wait(Math.max(0, until - client.now())).then((): Arrival => undefined) : never();
    const input = wants && this.taking ? this.taking.then((items): Arrival => ({ items })) : never();
    const got = await Promise.race([input, timer]);
    // Waiting only for another writer to free a job slot: let its answers in (a virtual-time
    // sleep resolves at once, and this loop would otherwise never leave the microtask queue).
    if (!got && !running) await new Promise((resolve) => setImmediate(resolve));
    if (!got) return;
    this.taking = undefined;
    if (got.items) this.buffer.push(...got.items);
    else this.more = false;
  }
}
