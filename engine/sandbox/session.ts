import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { startSandbox, vismaOf, zendeskOf, type Sandbox, type SystemName } from '../../sandbox/index.js';
import type { Connections } from '../config/types.generated.js';
import { writeFileAtomic } from '../store/atomic-file.js';

const SIMULATED: readonly string[] = ['visma', 'zendesk'];

export interface SandboxSessionOptions {
  /** Connectors the mapping uses (source and target) */
  systems: string[];
  /** Simulated data kept beside the sandbox state, so a second run continues where the first stopped */
  dataFile: string;
  stateFile: string;
  size?: number;
  seed?: number;
}

export interface SandboxSession {
  sandbox: Sandbox;
  connections: Connections['connections'];
  /** What the session did to the simulated systems before the run (shown to the user) */
  notes: string[];
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
  const sandbox = await startSandbox({ systems: o.systems as SystemName[], size: o.size ?? 200, seed: o.seed ?? 1, snapshot });
  if (snapshot && sandbox.simulators.visma) {
    const changed = vismaOf(sandbox).mutate({ customers: 3, invoices: 4, payInvoices: 2 });
    notes.push(`continued the sandbox from ${o.dataFile}; changed in Visma since the last run: ${describeMutation(changed)}`);
  }
  const connections = Object.fromEntries(Object.entries(sandbox.connections).map(([k, c]) => [k, { ...c }]));
  return {
    sandbox,
    connections,
    notes,
    async finish() {
      const data: Record<string, unknown> = {};
      for (const [name, sim] of Object.entries(sandbox.simulators)) data[name] = sim?.snapshot();
      mkdirSync(dirname(o.dataFile), { recursive: true, mode: 0o700 });
      writeFileAtomic(o.dataFile, Buffer.from(JSON.stringify(data)));
      await sandbox.stop();
    },
  };
}

function describeMutation(m: unknown): string {
  const r = m as Record<string, unknown>;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r ?? {})) if (Array.isArray(v) && v.length) parts.push(`${v.length} ${k} (${v.slice(0, 3).join(', ')}${v.length > 3 ? ', ...' : ''})`);
  return parts.join('; ') || 'nothing';
}

/**
 * A couple of target records to show a newcomer what the sync produced: the first one, and the
 * one with the most custom fields set to something other than empty or zero (the interesting one).
 */
export function sandboxExamples(sandbox: Sandbox): Record<string, unknown>[] {
  if (!sandbox.simulators.zendesk) return [];
  const orgs = zendeskOf(sandbox).organizations();
  const filled = (o: Record<string, unknown>) => Object.values((o.organization_fields ?? {}) as Record<string, unknown>).filter((v) => v !== null && v !== 0 && v !== '').length;
  const richest = orgs.reduce<Record<string, unknown> | undefined>((best, o) => (!best || filled(o) > filled(best) ? o : best), undefined);
  return [...new Set([orgs[0], richest])].filter((o): o is Record<string, unknown> => !!o);
}
