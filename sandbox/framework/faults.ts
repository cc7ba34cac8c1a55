import { KnobSet, numberKnob } from './knobs.js';
import { Prng } from './prng.js';

export const FAULT_KNOBS = {
  /** Delay added before every API response, in ms. */
  latencyMs: numberKnob(0, { min: 0 }),
  /** Probability of a random 500/502/503 instead of the real response. */
  errorRate: numberKnob(0, { min: 0, max: 1 }),
  /** The next N API requests get 429 with Retry-After. Counts down. */
  burst429: numberKnob(0, { min: 0, integer: true }),
  /** Retry-After (seconds) sent with burst429 responses. */
  burst429RetryAfterSec: numberKnob(1, { min: 0, integer: true }),
  /** Probability of destroying the socket without any response. */
  dropRate: numberKnob(0, { min: 0, max: 1 }),
  /** Probability of a 200 whose JSON body is cut in half. */
  malformedRate: numberKnob(0, { min: 0, max: 1 }),
};

export type FaultKnobs = KnobSet<typeof FAULT_KNOBS>;

export const FAULT_KNOB_NAMES = Object.keys(FAULT_KNOBS) as ReadonlyArray<keyof typeof FAULT_KNOBS>;

export interface FaultDecision {
  drop: boolean;
  latencyMs: number;
  burst: number | null;
  error: number | null;
  malformed: boolean;
}

/** Decides which faults hit a request. Off by default; deterministic for a seed. */
export class FaultInjector {
  readonly knobs: FaultKnobs;
  private readonly rng: Prng;

  constructor(seed: number, initial: Record<string, unknown> = {}) {
    this.knobs = new KnobSet(FAULT_KNOBS, initial);
    this.rng = new Prng(seed ^ 0x5eed_fa17);
  }

  set(partial: Record<string, unknown>): void {
    this.knobs.set(partial);
  }

  decide(): FaultDecision {
    const k = this.knobs.values;
    // Always draw the same number of values so a request's fate does not depend on which knobs are set.
    const rDrop = this.rng.next();
    const rError = this.rng.next();
    const rStatus = this.rng.next();
    const rMalformed = this.rng.next();
    let burst: number | null = null;
    if (k.burst429 > 0) {
      this.knobs.set({ burst429: k.burst429 - 1 });
      burst = k.burst429RetryAfterSec;
    }
    return {
      drop: rDrop < k.dropRate,
      latencyMs: k.latencyMs,
      burst,
      error: rError < k.errorRate ? [500, 502, 503][Math.floor(rStatus * 3)] : null,
      malformed: rMalformed < k.malformedRate,
    };
  }
}
