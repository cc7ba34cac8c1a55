import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openSandboxSession, type SandboxSession } from '../sandbox/session.js';
import { acquireLock } from '../store/lock.js';
import { mappingConnectors, planMapping } from '../sync/plan.js';
import { SANDBOX_DATA, SANDBOX_STATE } from './options.js';
import { UsageError } from './run-command.js';

export interface SandboxFlags {
  state?: string;
  flow?: string;
  size?: number;
  seed?: number;
  fresh?: boolean;
}

/** A flow the mapping does not have is a usage error, found before anything is started or changed. */
export function checkFlow(
  root: string,
  mapping: string,
  connectionsFile: string | undefined,
  flow: string | undefined,
): void {
  if (flow === undefined) return;
  const plan = planMapping({ root, mapping, connectionsFile, connections: {}, requireConnections: false });
  if (!plan.flows.some(([n]) => n === flow))
    throw new UsageError(
      `mapping ${plan.mapping.name} has no flow "${flow}" (flows: ${plan.flows.map(([n]) => n).join(', ')})`,
    );
}

/** The state file and every file that belongs to it (value logs, write journal), not its lock. */
function removeState(stateFile: string): void {
  const dir = dirname(stateFile);
  const name = basename(stateFile);
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return;
  }
  for (const f of files)
    if ((f === name || f.startsWith(`${name}.`)) && !f.startsWith(`${name}.lock`))
      rmSync(join(dir, f), { force: true });
}

/**
 * Runs `body` against the sandbox a mapping needs: its simulators started from the data saved
 * beside the sandbox's state, which is saved again afterwards. The state's lock is taken before
 * any file is touched (the session may reset the state, --fresh deletes it, and the data is
 * rewritten), so a second process is refused before it changes anything.
 */
export async function withSandbox<T>(
  root: string,
  mapping: string,
  o: SandboxFlags,
  opts: { changeSource: boolean; asked: { size?: number; seed?: number }; mustExist?: boolean },
  body: (session: SandboxSession, stateFile: string) => Promise<T>,
): Promise<T> {
  const stateFile = o.state ?? SANDBOX_STATE;
  const dataFile = o.state ? join(dirname(o.state), 'data.json') : SANDBOX_DATA;
  const systems = mappingConnectors(root, mapping);
  if (opts.mustExist && !existsSync(dataFile))
    throw new UsageError(`no sandbox yet (${dataFile} does not exist): run mlc sync ${mapping} --sandbox first`);
  mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
  const release = acquireLock(`${stateFile}.lock`, { forCommand: true });
  try {
    if (o.fresh) {
      removeState(stateFile);
      rmSync(dataFile, { force: true });
    }
    const session = await openSandboxSession({
      systems,
      dataFile,
      stateFile,
      size: o.size,
      seed: o.seed,
      asked: opts.asked,
      changeSource: opts.changeSource,
    });
    if (o.fresh)
      session.notes.unshift(`deleted the sandbox's state and simulated data in ${dirname(stateFile)}/: starting fresh`);
    try {
      return await body(session, stateFile);
    } finally {
      await session.finish();
    }
  } finally {
    release();
  }
}
