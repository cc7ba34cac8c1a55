import type { Job, Write } from '../config/types.generated.js';
import { specRequest } from '../http/request.js';
import { select } from '../read/select.js';
import { parseDuration } from '../util/duration.js';
import { chunk } from './batch.js';
import { failed, recordScoped } from './failures.js';
import { readResults } from './results.js';
import type { WriteContext, WriteItem, WriteOutcome } from './types.js';

/** A bulk job the target accepted, and the batch it writes. */
export interface RunningJob {
  id: string;
  batch: WriteItem[];
  since: number;
}

/** A bulk-job write's job settings, with its durations read. */
export interface JobSettings {
  job: Job;
  intervalMs: number;
  timeoutMs: number;
}

export function jobSettings(spec: Write, label: string): JobSettings {
  if (spec.writer !== 'async_job') throw new Error(`${label}: writer ${spec.writer} runs no bulk jobs`);
  const { job } = spec;
  return { job, intervalMs: parseDuration(job.poll_interval, 1000), timeoutMs: parseDuration(job.timeout, 600_000) };
}

/**
 * Polls the bulk jobs in flight, all of them in each poll (several per request where the API
 * allows), and hands each finished job's per-record outcomes to `end`. A job that failed, timed
 * out or is no longer reported ends with its records' outcomes unknown (the target may have
 * applied some of them).
 */
export class JobPoller {
  readonly running: RunningJob[] = [];
  private readonly job: Job;
  private readonly timeoutMs: number;

  constructor(
    private readonly ctx: WriteContext,
    private readonly end: (r: RunningJob, outcomes: WriteOutcome[]) => Promise<void>,
    /** Jobs of an earlier run: one the API does not report has expired (no wait for it to appear) */
    private readonly expireUnreported = false,
  ) {
    ({ job: this.job, timeoutMs: this.timeoutMs } = jobSettings(ctx.spec, ctx.label));
  }

  add(r: RunningJob): void {
    this.running.push(r);
  }

  async poll(): Promise<void> {
    const { many } = this.job;
    if (many && this.running.length > 1) {
      for (const group of chunk([...this.running], many.size ?? 100)) await this.pollMany(many, group);
    } else {
      for (const r of [...this.running]) await this.pollOne(r);
    }
  }

  private async pollMany(many: NonNullable<Job['many']>, group: RunningJob[]): Promise<void> {
    const { ctx } = this;
    const vars = { ...ctx.vars, ids: group.map((r) => r.id).join(',') };
    const res = await ctx.client.request(specRequest(ctx.baseUrl, { path: many.path, query: many.query }, vars));
    const jobs = await select(many.records, res.body, `${ctx.label} job.many.records`);
    const byId = new Map((Array.isArray(jobs) ? jobs : []).map((j) => [String((j as Record<string, unknown>).id), j]));
    for (const r of group) {
      if (byId.has(r.id)) await this.settle(r, byId.get(r.id));
      else await this.unreported(r, 'is no longer reported by the API');
    }
  }

  private async pollOne(r: RunningJob): Promise<void> {
    const { ctx, job } = this;
    let body: unknown;
    try {
      body = (await ctx.client.request(specRequest(ctx.baseUrl, { path: job.path }, { ...ctx.vars, id: r.id }))).body;
    } catch (e) {
      return this.unknown(r, `${ctx.label}: job ${r.id} could not be read: ${recordScoped(e).message}`);
    }
    await this.settle(r, job.object ? await select(job.object, body, `${ctx.label} job.object`) : body);
  }

  private async stop(r: RunningJob, outcomes: WriteOutcome[]): Promise<void> {
    this.running.splice(this.running.indexOf(r), 1);
    await this.end(r, outcomes);
  }

  private unknown(r: RunningJob, error: string): Promise<void> {
    return this.stop(r, failed(r.batch, error, { unknown: true }));
  }

  private async settle(r: RunningJob, jobObject: unknown): Promise<void> {
    const { job, ctx } = this;
    const status = String(await select(job.status, jobObject, `${ctx.label} job.status`));
    if (job.done.includes(status)) {
      await this.stop(r, await readResults(ctx.spec.results, jobObject, r.batch, ctx.kind, ctx.label));
    } else if (job.failed?.includes(status)) {
      await this.unknown(r, `${ctx.label}: job ${r.id} ended ${status}`);
    } else if (this.expired(r)) {
      await this.unknown(r, `${ctx.label}: job ${r.id} did not finish within ${job.timeout ?? '10m'}`);
    }
  }

  private expired(r: RunningJob): boolean {
    return this.ctx.client.now() - r.since > this.timeoutMs;
  }

  // A job the API no longer reports (expired, lost) ends its own batch, not the run.
  private async unreported(r: RunningJob, why: string): Promise<void> {
    if (this.expireUnreported || this.expired(r)) await this.unknown(r, `${this.ctx.label}: job ${r.id} ${why}`);
  }
}

/**
 * When to poll: soon after a job is submitted, then less and less often up to poll_interval while
 * nothing finishes. Small jobs finish in well under a second, so neither time nor rate limit is
 * wasted.
 */
export class PollSchedule {
  private readonly firstMs: number;
  private waitMs: number;
  /** The instant of the next poll (Infinity: none due) */
  next = Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {
    this.firstMs = Math.min(100, intervalMs);
    this.waitMs = this.firstMs;
  }

  get due(): boolean {
    return this.now() >= this.next;
  }

  /** A job was submitted: poll soon. */
  submitted(): void {
    this.waitMs = this.firstMs;
    this.next = Math.min(this.next, this.now() + this.waitMs);
  }

  /** A poll happened: soon again if a job ended, later otherwise; none while no job runs. */
  polled(someEnded: boolean, stillRunning: boolean): void {
    this.waitMs = someEnded ? this.firstMs : Math.min(this.intervalMs, this.waitMs * 2);
    this.next = stillRunning ? this.now() + this.waitMs : Infinity;
  }
}
