import { HttpError } from '../http/client.js';

/** The bulk jobs a flow's writers have running: one count, shared by its writers. */
export interface JobSlots {
  running: number;
}

/** The longest wait between two submissions the account refused for want of a job slot. */
const MAX_SLOT_BACKOFF_MS = 15_000;

export interface SlotOptions {
  /** Jobs of this writer's kind running at once (job.max_in_flight) */
  max: number;
  /** The first wait after a refusal; it doubles up to 15 s */
  firstBackoffMs: number;
  /** How long the account may refuse every submission before the run stops (job.timeout) */
  timeoutMs: number;
  timeoutText: string;
  label: string;
  now: () => number;
}

/**
 * A writer's semaphore of job slots: at most `max` jobs of the flow's shared count run at once
 * (creates and updates share the account's queued-job limit), and none is submitted for a while
 * after the account refused one for want of a slot (job.no_slot, a 429 TooManyJobs), unless one
 * of this writer's jobs ends first. A slot is taken when a batch is chosen, before its request
 * (so two writers cannot both count the same free slot), and given back when its job ends or was
 * never created.
 */
export class SlotSemaphore {
  private refusedSince?: number;
  private retryAt = 0;
  private backoffMs: number;

  constructor(
    private readonly shared: JobSlots,
    private readonly o: SlotOptions,
  ) {
    this.backoffMs = o.firstBackoffMs;
  }

  /** Whether submissions wait for the account (a refusal was recent) */
  get closed(): boolean {
    return this.o.now() < this.retryAt;
  }

  /** When the account may have a slot again */
  get reopensAt(): number {
    return this.retryAt;
  }

  get taken(): number {
    return this.shared.running;
  }

  /** Takes a slot if this writer may start another job now. */
  tryTake(): boolean {
    if (this.closed || this.shared.running >= this.o.max) return false;
    this.shared.running++;
    return true;
  }

  give(count = 1): void {
    this.shared.running -= count;
  }

  /** One of this writer's jobs ended: its slot is free, and the account has one again. */
  jobEnded(): void {
    this.give();
    this.retryAt = 0;
  }

  /** The account accepted a job: its slots are not all taken. */
  accepted(): void {
    this.refusedSince = undefined;
    this.backoffMs = this.o.firstBackoffMs;
  }

  /** The account refused a job for want of a slot: the next submission waits, longer each time. */
  refused(): void {
    const now = this.o.now();
    this.refusedSince ??= now;
    this.retryAt = now + this.backoffMs;
    this.backoffMs = Math.min(MAX_SLOT_BACKOFF_MS, this.backoffMs * 2);
  }

  /** Stops the run once the account has refused every submission for longer than job.timeout. */
  check(): void {
    if (this.refusedSince === undefined || this.o.now() - this.refusedSince <= this.o.timeoutMs) return;
    throw new HttpError(
      `${this.o.label}: no free job slot within ${this.o.timeoutText} (the account's job limit is taken, ` +
        "by this run's jobs or others); the records stay pending for the next run",
      'run',
    );
  }
}
