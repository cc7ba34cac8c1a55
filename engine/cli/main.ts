import { Command, CommanderError } from 'commander';
import { registerLint } from './lint.js';
import { EXIT } from './exit-codes.js';

const program = new Command();
program
  .name('mlc')
  .description('ml-connector: declarative ERP-to-SaaS sync')
  .version('0.1.0')
  .exitOverride();
registerLint(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.config;
  } else {
    throw e;
  }
}
