import type { Command } from 'commander';
import { dirname, join, resolve } from 'node:path';
import { runFixtures } from '../map/fixtures.js';
import { planMapping } from '../sync/plan.js';
import { runSync } from '../sync/run.js';
import { EXIT } from './exit-codes.js';
import { CONNECTIONS_OPTION, statePath } from './options.js';
import { printSyncResult } from './render.js';
import { runCommand } from './run-command.js';

export function registerDryRun(program: Command): void {
  program
    .command('dry-run')
    .description('Map records without writing: from fixtures (payloads), or --live from the real source (what would be created, updated or left unchanged)')
    .argument('<mapping>', 'a mapping in mappings/')
    .option('--fixtures <dir>', 'fixture folder (default mappings/<mapping>/fixtures)')
    .option('--live', 'read the real source and diff against the state; writes nothing anywhere')
    .option(...CONNECTIONS_OPTION)
    .option('--state <file>', 'state database to diff against (default .mlc/state.db)')
    .option('--limit <n>', 'payloads to print per flow', '5')
    .option('--json', 'machine-readable output')
    .action((mapping: string, o: { fixtures?: string; live?: boolean; connections?: string; state?: string; limit: string; json?: boolean }) =>
      runCommand(async () => {
        const root = process.cwd();
        if (o.live) {
          const r = await runSync({ root, mapping, connectionsFile: o.connections, statePath: statePath(o), dryRun: true });
          const limit = Number(o.limit);
          if (o.json) {
            process.stdout.write(`${JSON.stringify(r)}\n`);
          } else {
            printSyncResult(r, 'dry-run');
            for (const f of r.flows) {
              for (const p of (f.planned ?? []).filter((x) => x.action !== 'unchanged').slice(0, limit)) {
                process.stdout.write(`\n${f.flow} ${p.key}: would ${p.action}\n${JSON.stringify(p.payload, null, 2)}\n`);
              }
            }
          }
          return r.status === 'error' ? EXIT.cannotRun : EXIT.ok;
        }
        const plan = planMapping({ root, mapping, connectionsFile: o.connections, connections: {}, requireConnections: false });
        const dir = o.fixtures ? resolve(o.fixtures) : join(dirname(plan.mappingFile), 'fixtures');
        const results = await runFixtures(plan, dir);
        if (o.json) process.stdout.write(`${JSON.stringify(results.map(({ diff: _d, ...r }) => r))}\n`);
        else for (const r of results) process.stdout.write(`# ${r.name} (${r.flow})\n${r.error ? `error: ${r.error}` : JSON.stringify(r.payload, null, 2)}\n\n`);
        return results.some((r) => r.error) ? EXIT.failedRecords : EXIT.ok;
      }),
    );
}
