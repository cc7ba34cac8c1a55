import type { Command } from 'commander';
import { runSync } from '../sync/run.js';
import { CONNECTIONS_OPTION, STATE_OPTION, statePath } from './options.js';
import { printSyncResult } from './render.js';
import { runCommand, UsageError } from './run-command.js';
import { withSandbox } from './sandbox-run.js';
import { exitCodeOf } from './sync.js';

interface ReplayFlags {
  run?: string;
  record: string[];
  allFailed?: boolean;
  connections?: string;
  state?: string;
  sandbox?: boolean;
  json?: boolean;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('Re-process failed records from the failure queue; a success clears them')
    .argument('<mapping>', 'a mapping in mappings/')
    .option('--run <id>', 'the records that failed in this run')
    .option('--record <key>', 'one record (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--all-failed', 'every record in the failure queue')
    .option(...CONNECTIONS_OPTION)
    .option(...STATE_OPTION)
    .option(
      '--sandbox',
      'replay against the sandbox that sync --sandbox left (its state and simulated data, unchanged)',
    )
    .option('--json', 'machine-readable output')
    .action((mapping: string, o: ReplayFlags) =>
      runCommand(async () => {
        if (!o.run && !o.record.length && !o.allFailed)
          throw new UsageError('say which failures to replay: --run ID, --record KEY or --all-failed');
        const replay = { runId: o.run, keys: o.record, all: o.allFailed };
        const root = process.cwd();
        const print = (r: Awaited<ReturnType<typeof runSync>>) => {
          if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
          else printSyncResult(r, o.sandbox ? 'replay (sandbox)' : 'replay');
          return exitCodeOf(r);
        };
        if (!o.sandbox)
          return print(
            await runSync({ root, mapping, connectionsFile: o.connections, statePath: statePath(o), replay }),
          );
        // A replay changes nothing in the simulated source: the failures are replayed against what failed.
        return withSandbox(
          root,
          mapping,
          { state: o.state },
          { changeSource: false, asked: {}, mustExist: true },
          async (session, stateFile) => {
            for (const n of session.notes) if (!o.json) process.stdout.write(`sandbox: ${n}\n`);
            return print(
              await runSync({ root, mapping, connections: session.connections, statePath: stateFile, replay }),
            );
          },
        );
      }),
    );
}
