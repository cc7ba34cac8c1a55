import type { Command } from 'commander';
import { dirname } from 'node:path';
import { runSync } from '../sync/run.js';
import type { ReconcileSummary, SyncResult } from '../sync/events.js';
import { sandboxExamples } from '../sandbox/session.js';
import type { SimulatorExamples } from '../../sandbox/index.js';
import { StateStore } from '../store/state.js';
import { auditOf } from '../store/history.js';
import { EXIT } from './exit-codes.js';
import { CONNECTIONS_OPTION, STATE_OPTION, statePath, wholeNumber } from './options.js';
import { printSyncResult, progressReporter } from './render.js';
import { runCommand } from './run-command.js';
import { checkFlow, withSandbox } from './sandbox-run.js';
import { interruptible } from './interrupt.js';
import { toJson } from '../util/text.js';

export function exitCodeOf(r: SyncResult): number {
  return r.status === 'ok' ? EXIT.ok : r.status === 'failed_records' ? EXIT.failedRecords : EXIT.cannotRun;
}

interface SyncFlags {
  connections?: string;
  state?: string;
  flow?: string;
  full?: boolean;
  reconcile?: boolean;
  json?: boolean;
  sandbox?: boolean;
  size: number;
  seed: number;
  fresh?: boolean;
}

/** Size and seed the user typed (not commander's defaults): only those can disagree with a kept sandbox. */
export function askedSandbox(cmd: Command): { size?: number; seed?: number } {
  const given = (k: string) => (cmd.getOptionValueSource(k) === 'cli' ? (cmd.getOptionValue(k) as number) : undefined);
  return { size: given('size'), seed: given('seed') };
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('Run a mapping once: read what changed, map it, write it')
    .argument('<mapping>', 'a mapping in mappings/')
    .option(...CONNECTIONS_OPTION)
    .option(...STATE_OPTION)
    .option('--flow <name>', 'run only this flow')
    .option('--full', 'ignore saved cursors and read everything')
    .option('--reconcile', "list the source's keys now (due or not) and mark the records it no longer has as deleted")
    .option('--json', 'print one JSON object with the counts')
    .option('--sandbox', 'run against local simulators of the systems (no accounts needed)')
    .option('--size <n>', 'sandbox: number of simulated customers (a new sandbox only)', wholeNumber(1), 200)
    .option('--seed <n>', 'sandbox: seed of the simulated data (a new sandbox only)', wholeNumber(0), 1)
    .option('--fresh', "sandbox: delete the sandbox's state and simulated data first, and start over")
    .action((mapping: string, o: SyncFlags, cmd: Command) =>
      runCommand(async () => {
        const root = process.cwd();
        checkFlow(root, mapping, o.connections, o.flow);
        const onEvent = progressReporter(!o.json && process.stderr.isTTY);
        if (!o.sandbox) {
          const r = await interruptible(
            statePath(o),
            onEvent,
            (watch) =>
              runSync({
                root,
                mapping,
                connectionsFile: o.connections,
                statePath: statePath(o),
                flow: o.flow,
                full: o.full,
                reconcile: o.reconcile,
                onEvent: watch,
              }),
            { json: o.json },
          );
          if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
          else printResult(r);
          return exitCodeOf(r);
        }
        return withSandbox(
          root,
          mapping,
          o,
          { changeSource: true, asked: askedSandbox(cmd) },
          async (session, stateFile) => {
            const r = await interruptible(
              stateFile,
              onEvent,
              (watch) =>
                runSync({
                  root,
                  mapping,
                  connections: session.connections,
                  statePath: stateFile,
                  flow: o.flow,
                  full: o.full,
                  reconcile: o.reconcile,
                  onEvent: watch,
                }),
              {
                json: o.json,
                beforeExit: () => {
                  session.save();
                },
              },
            );
            if (o.json) {
              process.stdout.write(`${JSON.stringify({ ...r, sandbox: { notes: session.notes } })}\n`);
            } else {
              for (const n of session.notes) process.stdout.write(`sandbox: ${n}\n`);
              printResult(r, 'sync (sandbox)');
              printExamples(sandboxExamples(session.sandbox, await writtenTargets(stateFile, r.runId)));
              process.stdout.write(
                `\nRun it again to see a delta sync; state and simulated data are in ${dirname(stateFile)}/ (mlc runs ${o.state ? `--state ${o.state}` : '--sandbox'} shows the history; --fresh starts over).\n`,
              );
            }
            return exitCodeOf(r);
          },
        );
      }),
    );
}

function printResult(r: SyncResult, verb?: string): void {
  printSyncResult(r, verb);
  for (const line of reconcileLines(r.reconciles ?? [], false)) process.stdout.write(`  ${line}\n`);
}

/** A reconcile as the run summary says it: what was listed at what cost, and what it found. */
export function reconcileLines(reconciles: ReconcileSummary[], dryRun: boolean): string[] {
  return reconciles.map((x) => {
    const requests = `${x.requests} request${x.requests === 1 ? '' : 's'}`;
    const listed = `reconcile ${x.stream}: ${x.listed} key${x.listed === 1 ? '' : 's'} listed in ${requests}`;
    if (!x.complete) return `${listed}, incomplete (${x.reason ?? 'no reason given'}): no deletions`;
    const found = `${x.deleted} ${dryRun ? 'would be marked deleted' : 'deleted'}, ${x.restored} listed again`;
    const some = x.sample.length ? ` (${x.sample.join(', ')}${x.deleted > x.sample.length ? ', ...' : ''})` : '';
    return `${listed}: ${found}${some}`;
  });
}

/** Target ids the run created or updated, from its audit. */
async function writtenTargets(stateFile: string, runId: string): Promise<string[]> {
  const state = await StateStore.open(stateFile, { lock: false });
  try {
    return auditOf(state, runId, 100_000).flatMap((a) =>
      (a.action === 'created' || a.action === 'updated') && a.target_id ? [a.target_id] : [],
    );
  } finally {
    state.abandon();
  }
}

// Whatever the mapping writes: each example's heading (its name and key), then its fields as they are.
function printExamples(shown: SimulatorExamples[]): void {
  for (const ex of shown) {
    if (!ex.records.length) {
      if (ex.nothing) process.stdout.write(`\n${ex.nothing}\n`);
      continue;
    }
    process.stdout.write(`\n${ex.title}, for example:\n`);
    for (const r of ex.records) {
      const { heading, fields } = ex.view ? ex.view(r) : { heading: JSON.stringify(r), fields: {} };
      process.stdout.write(`  ${heading}\n`);
      for (const [k, v] of Object.entries(fields)) {
        if (v !== null && v !== undefined) process.stdout.write(`    ${k}: ${text(v)}\n`);
      }
    }
  }
}

/** A field as the examples show it: text as it is, a number or a boolean as written, anything else as JSON. */
const text = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
      ? String(v)
      : (toJson(v) ?? typeof v);
