import { ConfigError } from '../config/diagnostic.js';
import { LockedError } from '../store/lock.js';
import { StateFileError } from '../store/state.js';
import { ConnectionError } from '../runtime/connection.js';
import { EXIT } from './exit-codes.js';
import { printDiagnostics } from './render.js';

/** The command was called wrongly (a missing selector, a flow that does not exist): exit 2, like commander's own. */
export class UsageError extends Error {}

/** Runs a command body and turns the engine's errors into the design's exit codes and messages. */
export async function runCommand(body: () => Promise<number> | Promise<void>): Promise<void> {
  try {
    process.exitCode = (await body()) ?? EXIT.ok;
  } catch (e) {
    if (e instanceof ConfigError) {
      printDiagnostics(e.diagnostics);
      process.exitCode = EXIT.config;
    } else if (e instanceof UsageError) {
      process.stderr.write(`mlc: ${e.message}\n`);
      process.exitCode = EXIT.config;
    } else if (e instanceof LockedError || e instanceof StateFileError || e instanceof ConnectionError) {
      process.stderr.write(`mlc: ${e.message}\n`);
      process.exitCode = EXIT.cannotRun;
    } else {
      process.stderr.write(`mlc: ${(e as Error).message}\n`);
      process.exitCode = EXIT.cannotRun;
    }
  }
}
