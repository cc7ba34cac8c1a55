import type { Command } from 'commander';
import { formatDiagnostic, hasErrors, tidyMessage, type Diagnostic } from '../config/diagnostic.js';
import { lintWithModules } from '../config/lint.js';
import { EXIT } from './exit-codes.js';
import { errorMessage } from '../util/text.js';

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('Validate connectors, mappings and connections: YAML, schema, references, JSONata')
    .argument('[paths...]', 'files or project folders (default: the whole project)')
    .option('--connections <file>', 'connections file to check (default connections.yaml)')
    .option('--format <format>', 'text or json', 'text')
    .option('--strict', 'warnings fail too')
    .action(async (paths: string[], opts: { connections?: string; format: string; strict?: boolean }) => {
      let diags: Diagnostic[];
      try {
        // Custom modules are imported too, so one that exports the wrong thing is found now, not by a run.
        diags = await lintWithModules(process.cwd(), paths, { connections: opts.connections });
      } catch (e) {
        // Every known bad input is a diagnostic; anything left is an mlc bug, still told without a stack trace and never passed.
        process.stderr.write(
          `mlc lint: could not finish checking (an mlc bug, please report it): ${tidyMessage(errorMessage(e))}\n`,
        );
        process.exitCode = EXIT.config;
        return;
      }
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify(diags, null, 2)}\n`);
      } else {
        for (const d of diags) process.stdout.write(`${formatDiagnostic(d)}\n`);
        const errors = diags.filter((d) => d.severity === 'error').length;
        process.stdout.write(`${errors} error(s), ${diags.length - errors} warning(s)\n`);
      }
      process.exitCode = hasErrors(diags, opts.strict) ? EXIT.config : EXIT.ok;
    });
}
