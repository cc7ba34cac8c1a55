import type { Command } from 'commander';
import { dirname, join } from 'node:path';
import { loadProject } from '../config/project.js';
import { transformSource } from '../config/references.js';
import { interpretedBecause } from '../map/expression.js';
import { runFixtures, updateFixtures, type FixtureUpdate } from '../map/fixtures.js';
import { planMapping, type MappingPlan } from '../sync/plan.js';
import { EXIT } from './exit-codes.js';
import { runCommand } from './run-command.js';

export interface TestOptions {
  root: string;
  /** One mapping; default every mapping of the project */
  mapping?: string;
  /** Write the actual payloads into the cases' expect */
  update?: boolean;
  write: (text: string) => void;
}

function describeUpdate(u: FixtureUpdate): string {
  const parts = [
    u.added?.length ? `added ${u.added.join(', ')}` : '',
    u.changed?.length ? `changed ${u.changed.join(', ')}` : '',
    u.removed?.length ? `removed ${u.removed.join(', ')}` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'expect written';
}

async function runOne(
  plan: MappingPlan,
  name: string,
  o: TestOptions,
): Promise<{ total: number; failed: number; updated: number }> {
  const dir = join(dirname(plan.mappingFile), 'fixtures');
  let failed = 0;
  let updated = 0;
  if (o.update) {
    const results = await updateFixtures(plan, dir);
    for (const u of results) {
      if (u.status === 'unchanged') o.write(`ok       ${name}/${u.name}\n`);
      else if (u.status === 'updated') {
        updated++;
        o.write(`updated  ${name}/${u.name}  (${u.file}): ${describeUpdate(u)}\n`);
      } else {
        failed++;
        o.write(
          `FAIL     ${name}/${u.name}  (${u.file}; not updated)\n  ${(u.error ?? 'no reason given').split('\n').join('\n  ')}\n`,
        );
      }
    }
    return { total: results.length, failed, updated };
  }
  const results = await runFixtures(plan, dir);
  for (const r of results) {
    if (r.ok) {
      o.write(`ok    ${name}/${r.name}\n`);
      continue;
    }
    failed++;
    o.write(
      `FAIL  ${name}/${r.name}  (${r.file}; - expected, + actual)\n${
        r.error
          ? `  ${r.error}`
          : (r.diff ?? '')
              .split('\n')
              .map((l) => `  ${l}`)
              .join('\n')
      }\n`,
    );
  }
  return { total: results.length, failed, updated };
}

/** `mlc test`: runs the fixture cases of one or every mapping; the exit code of the design's table. */
export async function testMappings(o: TestOptions): Promise<number> {
  const names = o.mapping ? [o.mapping] : [...loadProject(o.root).mappings.keys()];
  let failed = 0;
  let total = 0;
  let updated = 0;
  for (const name of names) {
    const plan = planMapping({ root: o.root, mapping: name, connections: {}, requireConnections: false });
    for (const [flowName, flow] of Object.entries(plan.mapping.flows)) {
      const why = interpretedBecause(transformSource(plan.mappingFile, flow.transform).expr);
      if (why)
        o.write(
          `note  ${name}/${flowName}: the transform runs on the JSONata interpreter (${why}), several times slower than compiled\n`,
        );
    }
    const r = await runOne(plan, name, o);
    total += r.total;
    failed += r.failed;
    updated += r.updated;
  }
  if (o.update)
    o.write(`${updated} updated, ${total - failed - updated} unchanged, ${failed} failed (left as they were)\n`);
  else o.write(`${total - failed} passed, ${failed} failed\n`);
  return failed ? EXIT.failedRecords : EXIT.ok;
}

export function registerTest(program: Command): void {
  program
    .command('test')
    .description("Run each mapping's fixtures/ cases and show differences from the expected payloads")
    .argument('[mapping]', 'one mapping (default: all)')
    .option(
      '--update',
      "write the actual payloads into the cases' expect (a case whose mapping fails is left as it was)",
    )
    .action((mapping: string | undefined, opts: { update?: boolean }) =>
      runCommand(() =>
        testMappings({ root: process.cwd(), mapping, update: opts.update, write: (t) => process.stdout.write(t) }),
      ),
    );
}
