import type { Clock } from './framework/clock.js';
import type { ConnectionProfile } from './framework/simulator.js';
import type { StatsView } from './framework/stats.js';

export type { ConnectionProfile };

/** A running simulator as the sandbox and the engine see it, whatever system it simulates. */
export interface Simulator {
  /** The connector it simulates (its definition's `system`). */
  name: string;
  /** Origin, e.g. http://127.0.0.1:PORT */
  url: string;
  connection: ConnectionProfile;
  setFaults(k: Record<string, unknown>): void;
  expireTokens(): void;
  stats(): StatsView;
  resetStats(): void;
  snapshot(): unknown;
  stop(): Promise<void>;
}

export interface SimulatorStartOptions {
  seed: number;
  /** Data-set size; each system says what it counts (customers for an ERP). Targets may ignore it. */
  size: number;
  clock?: Clock;
  /** Runtime knobs and seed options (the system's knobs.ts); fault knobs are accepted too. */
  knobs?: Record<string, unknown>;
  /** Data from an earlier `Simulator.snapshot()` of the same system. */
  snapshot?: unknown;
}

/** Example target records a run wrote, for the user to see the mapping at work. */
export interface SimulatorExamples {
  /** e.g. "Organizations this run wrote in (simulated) Zendesk" */
  title: string;
  /** Most informative first. */
  records: Record<string, unknown>[];
  /** Said instead when the run wrote none, e.g. "No organization was created or updated in ... by this run." */
  nothing?: string;
  /** How one record is shown: a heading line, then its fields (null values are left out). */
  view?(record: Record<string, unknown>): { heading: string; fields: Record<string, unknown> };
}

/**
 * One simulated system, registered in sandbox/index.ts. The engine (sandbox sessions, the CLI) asks
 * the registry for these and never names a vendor. `N` is the system's literal name, so the
 * registered list types `SystemName`; a definition typed with plain `string` still works (the
 * names are then only checked at run time).
 */
export interface SimulatorDefinition<N extends string = string> {
  /** The connector this simulates, e.g. 'visma' (connectors/visma.yaml) */
  system: N;
  /** How a user reads the system's name in sandbox notes, e.g. 'Visma' (default: `system`). */
  label?: string;
  /** Source, target or both: a sandbox session changes sources between runs and shows targets' records */
  role: 'source' | 'target' | 'both';
  start(o: SimulatorStartOptions): Promise<Simulator>;
  /** Sources: change a few records of a continued sandbox so the next run shows a delta; says what changed */
  mutate?(sim: Simulator): string;
  /** The size/seed a snapshot was generated with, when it says */
  keptParams?(snapshot: unknown): { size?: number; seed?: number };
  /** Targets: a few records this run wrote (target ids from the audit), most informative first, and a
   *  title for them, e.g. "Organizations this run wrote in (simulated) Zendesk" */
  examples?(sim: Simulator, targetIds: string[], max: number): SimulatorExamples;
  /**
   * Knobs `mlc sandbox start` sets: its printed connections are shared by any number of state files
   * (e.g. a refresh token that does not rotate away on first use).
   */
  sessionKnobs?: Record<string, unknown>;
}

/** The registered definitions, looked up by system name. */
export class SimulatorRegistry<N extends string> {
  readonly systems: readonly N[];
  private readonly byName: ReadonlyMap<string, SimulatorDefinition<N>>;

  constructor(definitions: readonly SimulatorDefinition<N>[]) {
    const byName = new Map<string, SimulatorDefinition<N>>();
    for (const d of definitions) {
      if (byName.has(d.system)) throw new Error(`two simulators registered for ${d.system}`);
      byName.set(d.system, d);
    }
    this.byName = byName;
    this.systems = definitions.map((d) => d.system);
  }

  has(name: string): name is N {
    return this.byName.has(name);
  }

  /** The definition of a registered system; anything else is an error naming the registered ones. */
  get(name: string): SimulatorDefinition<N> {
    const d = this.byName.get(name);
    if (!d) throw new Error(`the sandbox has no simulator for ${name}; it simulates ${this.systems.join(', ')}`);
    return d;
  }

  /** The names in `names` no simulator is registered for. */
  unknown(names: readonly string[]): string[] {
    return names.filter((n) => !this.byName.has(n));
  }
}

/** A system's name as users read it in notes. */
export function labelOf(d: SimulatorDefinition): string {
  return d.label ?? d.system;
}
