import { Command, CommanderError } from 'commander';
import { closeDefaultDispatcher } from '../http/client.js';
import { registerCredentials } from './credentials.js';
import { registerDryRun } from './dry-run.js';
import { EXIT } from './exit-codes.js';
import { registerHistory } from './history.js';
import { registerLint } from './lint.js';
import { registerNew } from './new.js';
import { registerPing } from './ping.js';
import { registerReplay } from './replay.js';
import { registerSandbox } from './sandbox.js';
import { registerState } from './state.js';
import { registerSync } from './sync.js';
import { registerTest } from './test.js';

// A reader that stops early (`mlc runs | head`) closes the pipe: what is left to print has no
// one to read it, which is not an error of the command.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

const program = new Command();
program.name('mlc').description('ml-connector: declarative ERP-to-SaaS sync').version('0.1.0').exitOverride();
registerLint(program);
registerSync(program);
registerDryRun(program);
registerTest(program);
registerNew(program);
registerReplay(program);
registerHistory(program);
registerCredentials(program);
registerPing(program);
registerSandbox(program);
registerState(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) throw e;
  process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.config;
} finally {
  await closeDefaultDispatcher();
}
