import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  labelOf,
  registry,
  startSandbox,
  SYSTEMS,
  type Sandbox,
  type SimulatorExamples,
  type SystemName,
} from '../../sandbox/index.js';
import type { Connections } from '../config/types.generated.js';
import { writeFileAtomic } from '../store/atomic-file.js';

export interface SandboxSessionOptions {
  /** Connectors the mapping uses (source and target) */
  systems: string[];
  /** Simulated data kept beside the sandbox state, so a second run continues where the first stopped */
  dataFile: string;
  stateFile: string;
  size?: number;
  seed?: number;
  /** Size and seed the user asked for explicitly: a continued sandbox that has others says so */
  asked?: { size?: number; seed?: number };
  /** Change a few source records of a continued sandbox first, so a sync shows a delta (not for a replay) */
  changeSource?: boolean;
}

export interface SandboxSession {
  sandbox: Sandbox;
  connections: Connections['connections'];
  /** What the session did to the simulated systems before the run (shown to the user) */
  notes: string[];
  /** Persists the simulated data (synchronously: also from a Ctrl-C handler that exits right after) */
  save(): void;
  /** Persists the simulated data and stops the simulators */
  finish(): Promise<void>;
}

/**
 * Starts the simulators a mapping needs on loopback. The caller holds the state's lock: this may
 * delete the state file and rewrites the data file. The simulated data lives beside the sandbox's
 * own state file, and they never meet apart: a state without its data is reset, because it would
 * remember target ids the fresh simulators do not have. A continued session changes a few source
 * records first, so the second run shows a delta.
 */
export async function openSandboxSession(o: SandboxSessionOptions): Promise<SandboxSession> {
  const missing = registry.unknown(o.systems);
  if (missing.length) {
    throw new Error(`no simulator yet for ${missing.join(', ')}; the sandbox simulates ${SYSTEMS.join(', ')}`);
  }
  const notes: string[] = [];
  let snapshot: Partial<Record<SystemName, unknown>> | undefined;
  if (existsSync(o.dataFile)) {
    try {
      snapshot = JSON.parse(readFileSync(o.dataFile, 'utf8')) as Partial<Record<SystemName, unknown>>;
    } catch {
      notes.push(`simulated data in ${o.dataFile} was unreadable: starting over`);
    }
  }
  if (!snapshot && existsSync(o.stateFile)) {
    rmSync(o.stateFile, { force: true });
    notes.push('started a fresh sandbox (its state belonged to simulated data that is gone)');
  }
  if (snapshot) {
    const kept = keptParams(snapshot);
    const differs = (k: 'size' | 'seed') =>
      o.asked?.[k] !== undefined && kept[k] !== undefined && o.asked[k] !== kept[k];
    if (differs('size') || differs('seed')) {
      notes.push(
        `reused the existing sandbox in ${dirname(o.dataFile)}/ (${kept.size} customers, seed ${kept.seed}): --size and --seed only shape a new one; add --fresh to delete it and start over`,
      );
    }
  }
  const sandbox = await startSandbox({
    systems: o.systems as SystemName[],
    size: o.size ?? 200,
    seed: o.seed ?? 1,
    snapshot,
  });
  if (snapshot && o.changeSource !== false) {
    const changes = changeSources(sandbox);
    if (changes.length) notes.push(`continued the sandbox from ${o.dataFile}; ${changes.join('; ')}`);
  }
  const save = () => {
    const data: Record<string, unknown> = {};
    for (const [name, sim] of Object.entries(sandbox.simulators)) data[name] = sim.snapshot();
    mkdirSync(dirname(o.dataFile), { recursive: true, mode: 0o700 });
    writeFileAtomic(o.dataFile, Buffer.from(JSON.stringify(data)));
  };
  const connections = Object.fromEntries(Object.entries(sandbox.connections).map(([k, c]) => [k, { ...c }]));
  return {
    sandbox,
    connections,
    notes,
    save,
    async finish() {
      save();
      await sandbox.stop();
    },
  };
}

/** Each simulated source changes a few records; says what changed where ("changed in X since the last run: ..."). */
function changeSources(sandbox: Sandbox): string[] {
  const changes: string[] = [];
  for (const [name, sim] of Object.entries(sandbox.simulators)) {
    const d = registry.get(name);
    if (!d.mutate || d.role === 'target') continue;
    changes.push(`changed in ${labelOf(d)} since the last run: ${d.mutate(sim)}`);
  }
  return changes;
}

/** Size and seed the saved data was generated with, as the first system whose snapshot says tells. */
function keptParams(snapshot: Partial<Record<SystemName, unknown>>): { size?: number; seed?: number } {
  for (const [name, data] of Object.entries(snapshot)) {
    if (!registry.has(name)) continue;
    const kept = registry.get(name).keptParams?.(data);
    if (kept && (kept.size !== undefined || kept.seed !== undefined)) return kept;
  }
  return {};
}

/**
 * Target records to show a newcomer what the run did: the ones it wrote (`targetIds`, from the
 * run's audit), as each simulated target picks them (most informative first).
 */
export function sandboxExamples(sandbox: Sandbox, targetIds: string[], max = 2): SimulatorExamples[] {
  const shown: SimulatorExamples[] = [];
  for (const [name, sim] of Object.entries(sandbox.simulators)) {
    const d = registry.get(name);
    if (d.examples) shown.push(d.examples(sim, targetIds, max));
  }
  return shown;
}
