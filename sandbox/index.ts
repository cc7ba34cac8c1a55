import type { Clock } from './framework/clock.js';
import { VismaSimulator } from './visma/simulator.js';
import { ZendeskSimulator } from './zendesk/simulator.js';

export type SystemName = 'visma' | 'zendesk';

/** The systems the sandbox simulates, for callers that check a name before starting it. */
export const SYSTEMS: readonly SystemName[] = ['visma', 'zendesk'];

export interface SandboxOptions {
  systems: SystemName[];
  /** Data-set size: number of Visma customers (default 100). */
  size?: number;
  seed?: number;
  now?: () => Date;
  /** Per-system knobs and seed options (see each simulator's knobs.ts). */
  knobs?: Partial<Record<SystemName, Record<string, unknown>>>;
  /** Per-system data from an earlier `Simulator.snapshot()`. */
  snapshot?: Partial<Record<SystemName, unknown>>;
}

export interface ConnectionProfile {
  connector: string;
  base_url: string;
  token_url?: string;
  values: Record<string, string>;
}

export interface Simulator {
  name: SystemName;
  /** Origin, e.g. http://127.0.0.1:PORT */
  url: string;
  connection: ConnectionProfile;
  setFaults(k: Record<string, unknown>): void;
  expireTokens(): void;
  stats(): { total: number; byRoute: Record<string, number>; log: Array<{ method: string; path: string; status: number }> };
  resetStats(): void;
  snapshot(): unknown;
  stop(): Promise<void>;
}

export interface Sandbox {
  simulators: Partial<Record<SystemName, Simulator>>;
  /** Connection profiles keyed by system name. */
  connections: Record<string, ConnectionProfile>;
  stop(): Promise<void>;
}

export { VismaSimulator, ZendeskSimulator };
export type { VismaSimulatorOptions, Dto, MutationRequest, MutationResult, NewInvoice, VismaCredentials, VismaSnapshot } from './visma/index.js';
export type { ZendeskSimulatorOptions, ZendeskCredentialsView, ZendeskSnapshot, WebhookDelivery } from './zendesk/index.js';
export { describeMutation } from './visma/mutation-text.js';
export { signZendeskWebhook, ZENDESK_TEST_SIGNING_SECRET } from './zendesk/index.js';
export { fixedClock, manualClock, advancingClock, systemClock, type Clock, type ManualClock } from './framework/clock.js';

const DEFAULT_SEED = 1;
const DEFAULT_SIZE = 100;

/** Starts the requested simulators on 127.0.0.1 ephemeral ports. */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  // Anything but a known name would otherwise start as Zendesk (the other branch below).
  const unknown = opts.systems.filter((s) => !SYSTEMS.includes(s));
  if (unknown.length) throw new Error(`the sandbox has no simulator for ${unknown.join(', ')}; it simulates ${SYSTEMS.join(', ')}`);
  const seed = opts.seed ?? DEFAULT_SEED;
  const clock: Clock | undefined = opts.now;
  const started: Array<VismaSimulator | ZendeskSimulator> = [];
  try {
    for (const name of new Set(opts.systems)) {
      const common = { seed, clock, knobs: opts.knobs?.[name], snapshot: opts.snapshot?.[name] };
      const sim = name === 'visma' ? new VismaSimulator({ ...common, size: opts.size ?? DEFAULT_SIZE }) : new ZendeskSimulator(common);
      started.push(await sim.start());
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
  const simulators: Partial<Record<SystemName, Simulator>> = {};
  const connections: Record<string, ConnectionProfile> = {};
  for (const s of started) {
    simulators[s.name] = s;
    connections[s.name] = s.connection;
  }
  return {
    simulators,
    connections,
    stop: async () => {
      await Promise.all(started.map((s) => s.stop()));
    },
  };
}

/** Typed access to the Visma simulator's in-process API. */
export function vismaOf(sb: Sandbox): VismaSimulator {
  const s = sb.simulators.visma;
  if (!(s instanceof VismaSimulator)) throw new Error('the sandbox has no Visma simulator');
  return s;
}

/** Typed access to the Zendesk simulator's in-process API. */
export function zendeskOf(sb: Sandbox): ZendeskSimulator {
  const s = sb.simulators.zendesk;
  if (!(s instanceof ZendeskSimulator)) throw new Error('the sandbox has no Zendesk simulator');
  return s;
}
