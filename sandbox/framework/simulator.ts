import type { Clock } from './clock.js';
import { FAULT_KNOB_NAMES, type FaultKnobs } from './faults.js';
import { KnobError, splitKnobs } from './knobs.js';
import { SimServer, type SimServerOptions } from './sim-server.js';
import type { StatsView } from './stats.js';
import { isRecord, json, type SimRequest, type SimResponse } from './types.js';

/** How the engine reaches a system: the engine's connection format, values are plain strings. */
export interface ConnectionProfile {
  connector: string;
  base_url: string;
  token_url?: string;
  values: Record<string, string>;
}

export interface ExpireTokensOptions {
  /** Also invalidate refresh tokens (where the system has them). */
  includeRefresh?: boolean;
}

export interface BaseSimulatorOptions extends Omit<SimServerOptions, 'clock'> {
  clock: Clock;
}

/** Fault knobs may be passed with the other knobs (the sandbox only has `knobs`); they are split off here. */
export function splitFaultKnobs(
  knobs: Record<string, unknown> = {},
): [Record<string, unknown>, Record<string, unknown>] {
  return splitKnobs(knobs, FAULT_KNOB_NAMES);
}

/**
 * Shared life cycle, fault knobs, stats and the generic `/__sim/` admin endpoints.
 * A concrete simulator adds its API routes, data, auth and snapshot format.
 */
export abstract class BaseSimulator<N extends string> {
  abstract readonly name: N;
  readonly server: SimServer;
  readonly clock: Clock;

  constructor(opts: BaseSimulatorOptions) {
    this.clock = opts.clock;
    this.server = new SimServer(opts);
    this.registerCommonAdmin();
  }

  abstract get connection(): ConnectionProfile;
  abstract expireTokens(opts?: ExpireTokensOptions): void;
  abstract snapshot(): unknown;
  /** Summary counts; with `full`, every record too. */
  abstract state(full?: boolean): unknown;
  abstract setKnobs(partial: Record<string, unknown>): void;
  abstract knobs(): Record<string, unknown>;

  get url(): string {
    return this.server.url;
  }

  async start(port = 0): Promise<this> {
    await this.server.start(port);
    return this;
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  setFaults(k: Record<string, unknown>): void {
    this.server.faults.set(k);
  }

  /** Applies the fault knobs found in a mixed knob record and returns the rest. */
  protected takeFaultKnobs(partial: Record<string, unknown>): Record<string, unknown> {
    const [faults, rest] = splitKnobs(partial, FAULT_KNOB_NAMES);
    this.setFaults(faults);
    return rest;
  }

  faults(): ReturnType<FaultKnobs['toJSON']> {
    return this.server.faults.knobs.toJSON();
  }

  stats(): StatsView {
    return this.server.stats.view();
  }

  resetStats(): void {
    this.server.stats.reset();
  }

  /** Runs an admin action, turning validation errors into 400s. */
  protected adminAction(fn: (req: SimRequest) => unknown, status = 200): (req: SimRequest) => SimResponse {
    return (req) => {
      try {
        return json(status, fn(req));
      } catch (err) {
        if (err instanceof KnobError || err instanceof AdminError)
          return json(err instanceof AdminError ? err.status : 400, { error: err.message });
        throw err;
      }
    };
  }

  private registerCommonAdmin(): void {
    const a = this.server.admin;
    a.get(
      '/__sim/stats',
      this.adminAction(() => this.stats()),
    );
    a.post(
      '/__sim/stats/reset',
      this.adminAction(() => {
        this.resetStats();
        return { ok: true };
      }),
    );
    a.get(
      '/__sim/faults',
      this.adminAction(() => this.faults()),
    );
    a.post(
      '/__sim/faults',
      this.adminAction((req) => {
        this.setFaults(objectBody(req));
        return this.faults();
      }),
    );
    a.get(
      '/__sim/knobs',
      this.adminAction(() => this.knobs()),
    );
    a.post(
      '/__sim/knobs',
      this.adminAction((req) => {
        this.setKnobs(objectBody(req));
        return this.knobs();
      }),
    );
    a.post(
      '/__sim/expire-tokens',
      this.adminAction((req) => {
        const body = req.body === undefined ? {} : objectBody(req);
        this.expireTokens({ includeRefresh: body.includeRefresh === true });
        return { ok: true };
      }),
    );
    a.get(
      '/__sim/state',
      this.adminAction((req) => this.state(req.query.full === 'true' || req.query.full === '1')),
    );
    a.get(
      '/__sim/snapshot',
      this.adminAction(() => this.snapshot()),
    );
  }
}

/** An admin request the simulator refuses, with the status to send. */
export class AdminError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function objectBody(req: SimRequest): Record<string, unknown> {
  if (req.body === undefined) return {};
  if (!isRecord(req.body)) throw new AdminError('body must be a JSON object');
  return req.body;
}
