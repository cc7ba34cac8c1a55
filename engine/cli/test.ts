import type { Command } from 'commander';
import { dirname, join } from 'node:path';
import { loadProject } from '../config/project.js';
import { transformSource } from '../config/references.js';
import { interpretedBecause } from '../map/expression.js';
import { runFixtures } from '../map/fixtures.js';
import { planMapping } from '../sync/plan.js';
import { EXIT } from './exit-codes.js';
import { runCommand } from './run-command.js';

export function registerTest(program: Command): void {
  program
    .command('test')
    .description("Run each mapping's fixtures/ cases and show differences from the expected payloads")
    .argument('[mapping]', 'one mapping (default: all)')
    .action((mapping: string | undefined) =>
      runCommand(async () => {
        const root = process.cwd();
        const names = mapping ? [mapping] : [...loadProject(root).mappings.keys()];
        let failed = 0;
        let total = 0;
        for (const name of names) {
          const plan = planMapping({ root, mapping: name, connections: {}, requireConnections: false });
          for (const [flowName, flow] of Object.entries(plan.mapping.flows)) {
            const why = interpretedBecause(transformSource(plan.mappingFile, flow.transform).expr);
            if (why) process.stdout.write(`note  ${name}/${flowName}: the transform runs on the JSONata interpreter (${why}), several times slower than compiled\n`);
          }
          for (const r of await runFixtures(plan, join(dirname(plan.mappingFile), 'fixtures'))) {
            total++;
            if (r.ok) {
              process.stdout.write(`ok    ${name}/${r.name}\n`);
              continue;
            }
            failed++;
            process.stdout.write(`FAIL  ${name}/${r.name}  (${r.file}; - expected, + actual)\n${r.error ? `  ${r.error}` : r.diff!.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
          }
        }
        process.stdout.write(`${total - failed} passed, ${failed} failed\n`);
        return failed ? EXIT.failedRecords : EXIT.ok;
      }),
    );
}
