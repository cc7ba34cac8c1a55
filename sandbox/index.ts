import type { Clock } from './framework/clock.js';
import { SimulatorRegistry, type ConnectionProfile, type Simulator } from './registry.js';
import { definition as visma } from './visma/definition.js';
import { definition as zendesk } from './zendesk/definition.js';
import { definition as marketo } from './marketo/definition.js';
import { definition as pipedrive } from './pipedrive/definition.js';
import { VismaSimulator } from './visma/simulator.js';
import { ZendeskSimulator } from './zendesk/simulator.js';

/** Every simulated system: one line per `sandbox/<system>/definition.ts`. */
const DEFINITIONS = [visma, zendesk, marketo, pipedrive] as const;

export type SystemName = (typeof DEFINITIONS)[number]['system'];

/** The simulator definitions, asked by the engine instead of naming systems. */
export const registry = new SimulatorRegistry<SystemName>(DEFINITIONS);

/** The systems the sandbox simulates, for callers that check a name before starting it. */
export const SYSTEMS: readonly SystemName[] = registry.systems;

export interface SandboxOptions {
  systems: SystemName[];
  /** Data-set size: number of customers in a source ERP (default 100). */
  size?: number;
  seed?: number;
  now?: () => Date;
  /** Per-system knobs and seed options (see each simulator's knobs.ts). */
  knobs?: Partial<Record<SystemName, Record<string, unknown>>>;
  /** Per-system data from an earlier `Simulator.snapshot()`. */
  snapshot?: Partial<Record<SystemName, unknown>>;
}

export interface Sandbox {
  simulators: Partial<Record<SystemName, Simulator>>;
  /** Connection profiles keyed by system name. */
  connections: Record<string, ConnectionProfile>;
  stop(): Promise<void>;
}

export type {
  ConnectionProfile,
  Simulator,
  SimulatorDefinition,
  SimulatorExamples,
  SimulatorStartOptions,
} from './registry.js';
export { labelOf } from './registry.js';
export { VismaSimulator, ZendeskSimulator };
export type {
  VismaSimulatorOptions,
  Dto,
  MutationRequest,
  MutationResult,
  NewInvoice,
  VismaCredentials,
  VismaSnapshot,
} from './visma/index.js';
export type {
  ZendeskSimulatorOptions,
  ZendeskCredentialsView,
  ZendeskSnapshot,
  WebhookDelivery,
} from './zendesk/index.js';
export { describeMutation } from './visma/mutation-text.js';
export { signZendeskWebhook, ZENDESK_TEST_SIGNING_SECRET } from './zendesk/index.js';
export {
  fixedClock,
  manualClock,
  advancingClock,
  systemClock,
  type Clock,
  type ManualClock,
} from './framework/clock.js';

const DEFAULT_SEED = 1;
const DEFAULT_SIZE = 100;

/** Starts the requested simulators on 127.0.0.1 ephemeral ports. */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const unknown = registry.unknown(opts.systems);
  if (unknown.length) {
    throw new Error(`the sandbox has no simulator for ${unknown.join(', ')}; it simulates ${SYSTEMS.join(', ')}`);
  }
  const seed = opts.seed ?? DEFAULT_SEED;
  const size = opts.size ?? DEFAULT_SIZE;
  const clock: Clock | undefined = opts.now;
  const started: Simulator[] = [];
  try {
    for (const name of new Set(opts.systems)) {
      const knobs = opts.knobs?.[name];
      started.push(await registry.get(name).start({ seed, size, clock, knobs, snapshot: opts.snapshot?.[name] }));
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
  const simulators: Partial<Record<SystemName, Simulator>> = {};
  const connections: Record<string, ConnectionProfile> = {};
  for (const s of started) {
    simulators[s.name as SystemName] = s;
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
