import type { Command } from 'commander';
import { runSync } from '../sync/run.js';
import { CONNECTIONS_OPTION, STATE_OPTION, statePath } from './options.js';
import { printSyncResult } from './render.js';
import { runCommand } from './run-command.js';
import { exitCodeOf } from './sync.js';

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
    .option('--json', 'machine-readable output')
    .action((mapping: string, o: { run?: string; record: string[]; allFailed?: boolean; connections?: string; state?: string; json?: boolean }) =>
      runCommand(async () => {
        if (!o.run && !o.record.length && !o.allFailed) throw new Error('say which failures to replay: --run ID, --record KEY or --all-failed');
        const r = await runSync({ root: process.cwd(), mapping, connectionsFile: o.connections, statePath: statePath(o), replay: { runId: o.run, keys: o.record, all: o.allFailed } });
        if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else printSyncResult(r, 'replay');
        return exitCodeOf(r);
      }),
    );
}
