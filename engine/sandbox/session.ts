import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeMutation, startSandbox, SYSTEMS, vismaOf, zendeskOf, type Sandbox, type SystemName } from '../../sandbox/index.js';
import type { Connections } from '../config/types.generated.js';
import { writeFileAtomic } from '../store/atomic-file.js';

const SIMULATED: readonly string[] = SYSTEMS;

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
  const missing = o.systems.filter((s) => !SIMULATED.includes(s));
  if (missing.length) throw new Error(`no simulator yet for ${missing.join(', ')}; the sandbox simulates ${SIMULATED.join(', ')}`);
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
    const differs = (k: 'size' | 'seed') => o.asked?.[k] !== undefined && kept[k] !== undefined && o.asked[k] !== kept[k];
    if (differs('size') || differs('seed')) {
      notes.push(
        `reused the existing sandbox in ${dirname(o.dataFile)}/ (${kept.size} customers, seed ${kept.seed}): --size and --seed only shape a new one; add --fresh to delete it and start over`,
      );
    }
  }
  const sandbox = await startSandbox({ systems: o.systems as SystemName[], size: o.size ?? 200, seed: o.seed ?? 1, snapshot });
  if (snapshot && sandbox.simulators.visma && o.changeSource !== false) {
    const changed = vismaOf(sandbox).mutate({ customers: 3, invoices: 4, payInvoices: 2 });
    notes.push(`continued the sandbox from ${o.dataFile}; changed in Visma since the last run: ${describeMutation(changed)}`);
  }
  const save = () => {
    const data: Record<string, unknown> = {};
    for (const [name, sim] of Object.entries(sandbox.simulators)) data[name] = sim?.snapshot();
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

/** Size and seed the saved data was generated with (its seed recipe), when it says. */
function keptParams(snapshot: Partial<Record<SystemName, unknown>>): { size?: number; seed?: number } {
  const base = (snapshot.visma as { base?: { size?: unknown; seed?: unknown } | null } | undefined)?.base;
  return { size: typeof base?.size === 'number' ? base.size : undefined, seed: typeof base?.seed === 'number' ? base.seed : undefined };
}

/**
 * Target records to show a newcomer what the run did: the ones it wrote (`targetIds`, from the
 * run's audit), those with the most custom fields filled first, so the example shows the mapping at work.
 */
export function sandboxExamples(sandbox: Sandbox, targetIds: string[], max = 2): Record<string, unknown>[] {
  if (!sandbox.simulators.zendesk || !targetIds.length) return [];
  const wanted = new Set(targetIds);
  const orgs = zendeskOf(sandbox).organizations().filter((o) => wanted.has(String(o.id)));
  const filled = (o: Record<string, unknown>) => Object.values((o.organization_fields ?? {}) as Record<string, unknown>).filter((v) => v !== null && v !== 0 && v !== '').length;
  return orgs.sort((a, b) => filled(b) - filled(a)).slice(0, max);
}
