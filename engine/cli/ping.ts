import type { Command } from 'commander';
import { ping } from '../runtime/ping.js';
import { EXIT } from './exit-codes.js';
import { CONNECTIONS_OPTION, STATE_OPTION, statePath } from './options.js';
import { runCommand } from './run-command.js';

export function registerPing(program: Command): void {
  program
    .command('ping')
    .description('Authenticate and make the cheapest read, to check that a connection works')
    .argument('<connection>', 'a connection in the connections file')
    .option(...CONNECTIONS_OPTION)
    .option(...STATE_OPTION)
    .action((connection: string, o: { connections?: string; state?: string }) =>
      runCommand(async () => {
        const r = await ping({ root: process.cwd(), connection, connectionsFile: o.connections, statePath: statePath(o) });
        process.stdout.write(`${r.ok ? 'ok' : 'FAILED'}  ${r.connection}  ${r.ms} ms  ${r.message}\n`);
        return r.ok ? EXIT.ok : EXIT.cannotRun;
      }),
    );
}
