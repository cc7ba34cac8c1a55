import { randomHex } from '../framework/tokens.js';
import { renderResult, type JobResultShape } from './job-results.js';

export type JobOp =
  | { kind: 'organizations.create_many'; items: unknown[] }
  | { kind: 'organizations.update_many'; items: unknown[] }
  | { kind: 'organizations.bulk_update'; by: 'ids' | 'external_ids'; keys: string[]; patch: unknown }
  | { kind: 'organizations.destroy_many'; by: 'ids' | 'external_ids'; keys: string[] }
  | { kind: 'users.create_or_update_many'; items: unknown[] };

/** A row with every field; job-results.ts renders it in the shape the knob asks for. */
export type JobResult =
  | {
      index: number;
      id: number;
      action: 'create' | 'update' | 'delete';
      status: 'Created' | 'Updated' | 'Deleted';
      success: true;
    }
  | {
      index: number;
      id?: number;
      action: 'create' | 'update' | 'delete';
      error: string;
      details: string;
      status: 'Failed';
      success: false;
    };

export interface Job {
  id: string;
  job_type: string;
  total: number;
  status: 'queued' | 'working' | 'completed' | 'failed';
  polls: number;
  createdMs: number;
  completedMs: number | null;
  op: JobOp;
  results: JobResult[] | null;
}

export interface JobRules {
  jobPollsToComplete: number;
  jobCompleteAfterMs: number | null;
  maxActiveJobs: number;
}

export interface JobStoreState {
  jobs: Job[];
}

/** Job status data is kept for one day (documented). */
const RETENTION_MS = 86_400_000;

/**
 * Bulk jobs. Writes are applied when a job completes, never at creation, so nothing a
 * job does is visible before its status says `completed`. Completion is driven by polls
 * (`jobPollsToComplete`) and optionally by time (`jobCompleteAfterMs`).
 */
export class JobStore {
  private jobs = new Map<string, Job>();

  constructor(
    private readonly execute: (op: JobOp, nowMs: number) => JobResult[],
    private readonly rules: () => JobRules,
    state?: JobStoreState,
  ) {
    if (state) for (const j of state.jobs) this.jobs.set(j.id, j);
  }

  get activeCount(): number {
    let n = 0;
    for (const j of this.jobs.values()) if (j.status === 'queued' || j.status === 'working') n++;
    return n;
  }

  /** Null when the account already has the maximum of queued+working jobs. */
  enqueue(op: JobOp, jobType: string, total: number, nowMs: number): Job | null {
    if (this.activeCount >= this.rules().maxActiveJobs) return null;
    const job: Job = {
      id: randomHex(16),
      job_type: jobType,
      total,
      status: 'queued',
      polls: 0,
      createdMs: nowMs,
      completedMs: null,
      op,
      results: null,
    };
    this.jobs.set(job.id, job);
    if (this.rules().jobPollsToComplete === 0) this.complete(job, nowMs);
    return job;
  }

  /** A status read: advances queued -> working -> completed. */
  poll(id: string, nowMs: number): Job | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.status === 'queued' || job.status === 'working') {
      job.polls++;
      if (job.polls >= this.rules().jobPollsToComplete) this.complete(job, nowMs);
      else job.status = 'working';
    }
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  list(): Job[] {
    return [...this.jobs.values()];
  }

  /** Time-based completion and retention; run before each API request. */
  sweep(nowMs: number): void {
    const after = this.rules().jobCompleteAfterMs;
    for (const j of this.jobs.values()) {
      if (after !== null && (j.status === 'queued' || j.status === 'working') && j.createdMs + after <= nowMs)
        this.complete(j, nowMs);
      if (j.completedMs !== null && j.completedMs + RETENTION_MS < nowMs) this.jobs.delete(j.id);
    }
  }

  /** Completes every pending job now (tests, shutdown). */
  drain(nowMs: number): void {
    for (const j of this.jobs.values()) if (j.status === 'queued' || j.status === 'working') this.complete(j, nowMs);
  }

  private complete(job: Job, nowMs: number): void {
    try {
      job.results = this.execute(job.op, nowMs);
      job.status = 'completed';
    } catch {
      job.status = 'failed';
      job.results = null;
    }
    job.completedMs = nowMs;
  }

  toState(): JobStoreState {
    return { jobs: this.list() };
  }
}

function completedMessage(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `Completed at ${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000`;
}

export function renderJob(j: Job, origin: string, shape: JobResultShape): Record<string, unknown> {
  const done = j.status === 'completed';
  return {
    id: j.id,
    url: `${origin}/api/v2/job_statuses/${j.id}.json`,
    job_type: j.job_type,
    total: j.total,
    progress: done ? j.total : j.status === 'working' ? Math.floor(j.total / 2) : 0,
    status: j.status,
    message: done && j.completedMs !== null ? completedMessage(j.completedMs) : j.status === 'failed' ? 'Failed' : null,
    results: done && j.results ? j.results.map((r) => renderResult(r, shape)) : null,
  };
}
