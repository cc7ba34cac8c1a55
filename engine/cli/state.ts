import type { Command } from 'commander';
import { checkStateFile } from '../store/state-check.js';
import { EXIT } from './exit-codes.js';
import { STATE_OPTION, statePath } from './options.js';
import { runCommand } from './run-command.js';

export function registerState(program: Command): void {
  const cmd = program.command('state').description('Inspect the state database and its value log');
  cmd
    .command('check')
    .description(
      'Integrity check of the state database and every record of its value log (changes nothing). Exit 0 ok, 1 damage found',
    )
    .option(...STATE_OPTION)
    .action((o: { state?: string }) =>
      runCommand(async () => {
        const r = await checkStateFile(statePath(o));
        for (const c of r.checked) process.stdout.write(`ok  ${c}\n`);
        for (const p of r.problems) process.stdout.write(`damaged  ${p}\n`);
        // Damage found is reported like failed records: the command ran, the state did not pass.
        return r.problems.length ? EXIT.failedRecords : EXIT.ok;
      }),
    );
}
