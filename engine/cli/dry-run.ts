import type { Command } from 'commander';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { runFixtures, type FixtureResult } from '../map/fixtures.js';
import { openSandboxSession } from '../sandbox/session.js';
import { acquireLock } from '../store/lock.js';
import type { FlowSummary, SyncResult } from '../sync/events.js';
import { mappingConnectors, planMapping } from '../sync/plan.js';
import { runSync } from '../sync/run.js';
import { reconcileLines } from './sync.js';
import { describeChanges, fieldChanges } from '../util/field-changes.js';
import { EXIT } from './exit-codes.js';
import { CONNECTIONS_OPTION, SANDBOX_DATA, SANDBOX_STATE, statePath, wholeNumber } from './options.js';
import { printSyncResult } from './render.js';
import { runCommand, UsageError } from './run-command.js';

interface DryRunFlags {
  fixtures?: string;
  live?: boolean;
  sandbox?: boolean;
  connections?: string;
  state?: string;
  limit: number;
  json?: boolean;
  reconcile?: boolean;
}

export function registerDryRun(program: Command): void {
  program
    .command('dry-run')
    .description(
      'Map records without writing: from fixtures (payloads), or --live from the real source (what would be created, updated or left unchanged)',
    )
    .argument('<mapping>', 'a mapping in mappings/')
    .option('--fixtures <dir>', 'fixture folder (default mappings/<mapping>/fixtures)')
    .option('--live', 'read the real source and diff against the state; writes nothing anywhere')
    .option(
      '--sandbox',
      'with --live: read the local simulators of sync --sandbox and diff against its state (changes no sandbox data)',
    )
    .option(...CONNECTIONS_OPTION)
    .option(
      '--state <file>',
      'state database to diff against (default .mlc/state.db; with --sandbox .mlc/sandbox/state.db)',
    )
    .option('--limit <n>', 'records (or fixture cases) to print per flow', wholeNumber(0), 5)
    .option(
      '--reconcile',
      'with --live: list the keys of every stream that declares a reconcile now, and show what it would mark deleted',
    )
    .option('--json', 'machine-readable output')
    .action((mapping: string, o: DryRunFlags) =>
      runCommand(async () => {
        const root = process.cwd();
        if (o.sandbox && !o.live)
          throw new UsageError(
            '--sandbox goes with --live (fixtures need no simulators): mlc dry-run <mapping> --live --sandbox',
          );
        if (o.live) {
          const r = o.sandbox
            ? await sandboxDryRun(root, mapping, o)
            : await runSync({
                root,
                mapping,
                connectionsFile: o.connections,
                statePath: statePath(o),
                dryRun: true,
                reconcile: !!o.reconcile,
              });
          printLive(r, o);
          return r.status === 'error' ? EXIT.cannotRun : EXIT.ok;
        }
        const plan = planMapping({
          root,
          mapping,
          connectionsFile: o.connections,
          connections: {},
          requireConnections: false,
        });
        const dir = o.fixtures ? resolve(o.fixtures) : join(dirname(plan.mappingFile), 'fixtures');
        const results = await runFixtures(plan, dir);
        printFixtures(results, o);
        return results.some((r) => r.error) ? EXIT.failedRecords : EXIT.ok;
      }),
    );
}

/**
 * A dry run against the sandbox that sync --sandbox keeps: its simulators started from the saved
 * data, unchanged (no source changes first, as a sync makes), and its state diffed against. The
 * state's lock is held throughout, so a sync of that sandbox running now refuses this (or this
 * one is refused), and no second sandbox runs for one state. Nothing the dry run does is saved:
 * the simulated data is written back as it was read (with the tokens the run may have rotated,
 * which the state remembers), and without a sandbox yet the simulators are fresh and are thrown away.
 */
async function sandboxDryRun(root: string, mapping: string, o: DryRunFlags): Promise<SyncResult> {
  const stateFile = o.state ?? SANDBOX_STATE;
  const dataFile = o.state ? join(dirname(o.state), 'data.json') : SANDBOX_DATA;
  const systems = mappingConnectors(root, mapping);
  const exists = existsSync(dataFile);
  if (!exists && existsSync(stateFile)) {
    throw new UsageError(
      `the sandbox state ${stateFile} has no simulated data beside it (${dataFile}): mlc sync ${mapping} --sandbox starts a fresh sandbox`,
    );
  }
  mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
  const release = acquireLock(`${stateFile}.lock`, { forCommand: true });
  try {
    const session = await openSandboxSession({ systems, dataFile, stateFile, changeSource: false });
    try {
      const r = await runSync({
        root,
        mapping,
        connections: session.connections,
        statePath: exists ? stateFile : null,
        dryRun: true,
        reconcile: !!o.reconcile,
      });
      if (!exists)
        r.stateNotes = [
          ...(r.stateNotes ?? []),
          `no sandbox in ${dirname(stateFile)}/ yet: compared with an empty state (mlc sync ${mapping} --sandbox creates it)`,
        ];
      return r;
    } finally {
      if (exists) await session.finish();
      else await session.sandbox.stop();
    }
  } finally {
    release();
  }
}

/** What would change, per record: the fields an update changes (old -> new), the payload of a create. */
function printLive(r: SyncResult, o: DryRunFlags): void {
  // A dry run records nothing: its id would be one `mlc audit` does not know.
  const { runId: _id, ...shown } = r;
  if (o.json) {
    process.stdout.write(`${JSON.stringify(shown)}\n`);
    return;
  }
  printSyncResult({ ...r, runId: '' }, 'dry-run');
  for (const line of reconcileLines(r.reconciles ?? [], true)) process.stdout.write(`  ${line}\n`);
  for (const f of r.flows) printPlanned(f, o.limit);
}

function printPlanned(f: FlowSummary, limit: number): void {
  const writes = (f.planned ?? []).filter((x) => x.action !== 'unchanged');
  for (const p of writes.slice(0, limit)) {
    if (p.deletion) {
      // A deletion at the source: what would be done, and the evidence it rests on.
      const why = `${p.deletion.kind}: ${p.deletion.detail}`;
      const body = p.action === 'mark' ? `\n${JSON.stringify(p.payload, null, 2)}` : '';
      process.stdout.write(`\n${f.flow} ${p.key}: would ${p.action} (deleted at the source, ${why})${body}\n`);
    } else if (p.action === 'update' && p.before) {
      const changes = describeChanges(fieldChanges(p.before, p.payload));
      process.stdout.write(
        `\n${f.flow} ${p.key}: would update ${changes.length} field(s)\n${changes.map((c) => `  ${c}`).join('\n')}\n`,
      );
    } else if (p.action === 'update') {
      process.stdout.write(
        `\n${f.flow} ${p.key}: would update (the payload last written is not kept, so these are the new values of every field)\n${JSON.stringify(p.payload, null, 2)}\n`,
      );
    } else {
      process.stdout.write(`\n${f.flow} ${p.key}: would ${p.action}\n${JSON.stringify(p.payload, null, 2)}\n`);
    }
  }
  if (writes.length > limit)
    process.stdout.write(
      `\n${f.flow}: ${writes.length - limit} more record(s) would be written (--limit N shows more)\n`,
    );
}

function printFixtures(results: FixtureResult[], o: DryRunFlags): void {
  const perFlow = new Map<string, FixtureResult[]>();
  for (const r of results) perFlow.set(r.flow, [...(perFlow.get(r.flow) ?? []), r]);
  const shown = [...perFlow.values()].flatMap((list) => list.slice(0, o.limit));
  if (o.json) {
    process.stdout.write(`${JSON.stringify(shown.map(({ diff: _d, ...r }) => r))}\n`);
    return;
  }
  for (const r of shown)
    process.stdout.write(
      `# ${r.name} (${r.flow})\n${r.error ? `error: ${r.error}` : JSON.stringify(r.payload, null, 2)}\n\n`,
    );
  for (const [flow, list] of perFlow)
    if (list.length > o.limit)
      process.stdout.write(`${flow}: ${list.length - o.limit} more case(s) (--limit N shows more)\n`);
}
