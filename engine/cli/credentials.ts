import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { CredentialRepository } from '../store/backend.js';
import { openState } from '../store/open.js';
import { EXIT } from './exit-codes.js';
import { STATE_OPTION, statePath } from './options.js';
import { runCommand, UsageError } from './run-command.js';

async function withStore<T>(o: { state?: string }, fn: (c: CredentialRepository) => Promise<T>): Promise<T> {
  const state = await openState(statePath(o));
  try {
    return await fn(state.credentials);
  } finally {
    await state.close();
  }
}

export function registerCredentials(program: Command): void {
  const cmd = program
    .command('credentials')
    .description(
      'The encrypted credential store behind ${store:NAME} references (AES-256-GCM; key from MLC_MASTER_KEY or .mlc/master.key)',
    );
  cmd
    .command('set')
    .description(
      'Store (or replace) a secret under a name, encrypted; the value comes from standard input unless --value',
    )
    .argument('<name>', 'the name connections refer to as ${store:NAME}')
    .option('--value <value>', 'the secret (default: read from standard input, so it stays out of shell history)')
    .option(...STATE_OPTION)
    .action((name: string, o: { value?: string; state?: string }) =>
      runCommand(async () => {
        const value = o.value ?? readFileSync(0, 'utf8').replace(/\r?\n$/, '');
        if (!value) throw new Error('empty value: pass --value or pipe the secret on standard input');
        await withStore(o, (c) => c.set(name, value));
        process.stdout.write(`stored ${name}\n`);
        return EXIT.ok;
      }),
    );
  cmd
    .command('list')
    .description('List the stored names and when each was set (never the values)')
    .option(...STATE_OPTION)
    .action((o: { state?: string }) =>
      runCommand(async () => {
        const rows = await withStore(o, (c) => c.list());
        for (const r of rows) process.stdout.write(`${r.name}  (set ${r.updatedAt})\n`);
        if (!rows.length) process.stdout.write('no stored credentials\n');
        return EXIT.ok;
      }),
    );
  cmd
    .command('delete')
    .description('Delete a stored secret; exit 2 when no secret has that name')
    .argument('<name>', 'the name it was stored under')
    .option(...STATE_OPTION)
    .action((name: string, o: { state?: string }) =>
      runCommand(async () => {
        const had = await withStore(o, (c) => c.remove(name));
        if (!had) throw new UsageError(`no credential named ${name}; mlc credentials list shows the stored names`);
        process.stdout.write(`deleted ${name}\n`);
        return EXIT.ok;
      }),
    );
}
