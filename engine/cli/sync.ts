import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { acquireLock } from '../store/lock.js';
import { runSync } from '../sync/run.js';
import type { SyncResult } from '../sync/events.js';
import { openSandboxSession, sandboxExamples } from '../sandbox/session.js';
import { mappingConnectors } from '../sync/plan.js';
import { EXIT } from './exit-codes.js';
import { CONNECTIONS_OPTION, SANDBOX_DATA, SANDBOX_STATE, STATE_OPTION, statePath } from './options.js';
import { printSyncResult, progressReporter } from './render.js';
import { runCommand } from './run-command.js';

export function exitCodeOf(r: SyncResult): number {
  return r.status === 'ok' ? EXIT.ok : r.status === 'failed_records' ? EXIT.failedRecords : EXIT.cannotRun;
}

interface SyncFlags {
  connections?: string;
  state?: string;
  flow?: string;
  full?: boolean;
  json?: boolean;
  sandbox?: boolean;
  size?: string;
  seed?: string;
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('Run a mapping once: read what changed, map it, write it')
    .argument('<mapping>', 'a mapping in mappings/')
    .option(...CONNECTIONS_OPTION)
    .option(...STATE_OPTION)
    .option('--flow <name>', 'run only this flow')
    .option('--full', 'ignore saved cursors and read everything')
    .option('--json', 'print one JSON object with the counts')
    .option('--sandbox', 'run against local simulators of the systems (no accounts needed)')
    .option('--size <n>', 'sandbox: number of simulated customers', '200')
    .option('--seed <n>', 'sandbox: seed of the simulated data', '1')
    .action((mapping: string, o: SyncFlags) =>
      runCommand(async () => {
        const root = process.cwd();
        const onEvent = progressReporter(!o.json && process.stderr.isTTY === true);
        if (!o.sandbox) {
          const r = await runSync({ root, mapping, connectionsFile: o.connections, statePath: statePath(o), flow: o.flow, full: o.full, onEvent });
          if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
          else printSyncResult(r);
          return exitCodeOf(r);
        }
        const stateFile = o.state ?? SANDBOX_STATE;
        // The session may reset the state and rewrites the simulated data: a second process must be
        // refused before it touches either. The data lives beside the state it belongs to.
        mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
        const release = acquireLock(`${stateFile}.lock`, { forCommand: true });
        try {
          return await sandboxSync(root, mapping, o, stateFile, o.state ? join(dirname(o.state), 'data.json') : SANDBOX_DATA, onEvent);
        } finally {
          release();
        }
      }),
    );
}

async function sandboxSync(root: string, mapping: string, o: SyncFlags, stateFile: string, dataFile: string, onEvent: ReturnType<typeof progressReporter>): Promise<number> {
  const session = await openSandboxSession({
    systems: mappingConnectors(root, mapping),
    dataFile,
    stateFile,
    size: Number(o.size),
    seed: Number(o.seed),
  });
  try {
    const r = await runSync({ root, mapping, connections: session.connections, statePath: stateFile, flow: o.flow, full: o.full, onEvent });
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ ...r, sandbox: { notes: session.notes } })}\n`);
    } else {
      for (const n of session.notes) process.stdout.write(`sandbox: ${n}\n`);
      printSyncResult(r, 'sync (sandbox)');
      printExamples(sandboxExamples(session.sandbox));
      process.stdout.write(`\nRun it again to see a delta sync; state and simulated data are in ${dirname(stateFile)}/.\n`);
    }
    return exitCodeOf(r);
  } finally {
    await session.finish();
  }
}

// Whatever the mapping writes: the record's name and key, then its custom fields as they are.
function printExamples(orgs: Record<string, unknown>[]): void {
  if (!orgs.length) return;
  process.stdout.write('\nExample organizations in (simulated) Zendesk:\n');
  for (const o of orgs) {
    process.stdout.write(`  ${String(o.name)} (external_id ${String(o.external_id)})\n`);
    for (const [k, v] of Object.entries((o.organization_fields ?? {}) as Record<string, unknown>)) {
      if (v !== null && v !== undefined) process.stdout.write(`    ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
    }
  }
}
