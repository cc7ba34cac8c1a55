import type { Command } from 'commander';
import { openState } from '../store/open.js';
import type { DeletedCounts } from '../sync/events.js';
import { deletedCounts } from './render.js';
import { EXIT } from './exit-codes.js';
import { SANDBOX_VIEW_OPTION, STATE_OPTION, statePath } from './options.js';
import { runCommand } from './run-command.js';

const SHOWN_FAILURES = 50;

/** A deletion's evidence as one line ("status: status = 'Inactive' ..."); as stored when it does not parse. */
function evidenceText(json: string): string {
  try {
    const e = JSON.parse(json) as { kind?: unknown; detail?: unknown };
    return typeof e.kind === 'string' ? `${e.kind}: ${String(e.detail)}` : json;
  } catch {
    return json;
  }
}

export function registerHistory(program: Command): void {
  program
    .command('runs')
    .description('The run history, newest first, and the records waiting in the failure queue')
    .argument('[mapping]', 'only this mapping')
    .option(...STATE_OPTION)
    .option(...SANDBOX_VIEW_OPTION)
    .option('--json', 'machine-readable output')
    .action((mapping: string | undefined, o: { state?: string; sandbox?: boolean; json?: boolean }) =>
      runCommand(async () => {
        const state = await openState(statePath(o), { lock: false });
        try {
          const runs = await state.runs.list(mapping);
          const failures = await state.failures.list(mapping);
          if (o.json) {
            process.stdout.write(
              `${JSON.stringify({ runs: runs.map((r) => ({ ...r, summary: r.summary ? (JSON.parse(r.summary) as unknown) : null })), failures })}\n`,
            );
            return EXIT.ok;
          }
          for (const r of runs) {
            const s = r.summary
              ? (JSON.parse(r.summary) as {
                  flows: {
                    flow: string;
                    created: number;
                    updated: number;
                    unchanged: number;
                    failed: number;
                    deleted?: DeletedCounts;
                  }[];
                  error?: string;
                })
              : undefined;
            const counts =
              s?.flows
                .map((f) => {
                  const del = f.deleted ? ` (deleted at the source: ${deletedCounts(f.deleted)})` : '';
                  return `${f.flow}: +${f.created} ~${f.updated} =${f.unchanged} !${f.failed}${del}`;
                })
                .join('  ') ?? '';
            process.stdout.write(
              `${r.id}  ${r.mapping}  ${r.status}  ${r.started_at}  ${counts}${s?.error ? `  error: ${s.error}` : ''}\n`,
            );
          }
          if (!runs.length) process.stdout.write('no runs yet\n');
          if (failures.length) {
            process.stdout.write(`\n${failures.length} record(s) in the failure queue:\n`);
            for (const f of failures.slice(0, SHOWN_FAILURES))
              process.stdout.write(
                `  ${f.mapping}/${f.flow} ${f.key} (${f.attempts} attempts, ${f.stage}): ${f.reason}\n`,
              );
            if (failures.length > SHOWN_FAILURES)
              process.stdout.write(
                `  ... and ${failures.length - SHOWN_FAILURES} more: mlc runs --json lists them all\n`,
              );
          }
          return EXIT.ok;
        } finally {
          await state.abandon();
        }
      }),
    );
  program
    .command('audit')
    .description('What happened in one run, or to one record (source version, payload hash, outcome, target id, error)')
    .argument('<run-or-key>', 'a run id, or a source record key')
    .option(...STATE_OPTION)
    .option(...SANDBOX_VIEW_OPTION)
    .option('--json', 'machine-readable output')
    .action((id: string, o: { state?: string; sandbox?: boolean; json?: boolean }) =>
      runCommand(async () => {
        const state = await openState(statePath(o), { lock: false });
        try {
          const rows = await state.audit.ofRunOrKey(id);
          if (o.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
          else if (!rows.length) process.stdout.write(`nothing in the audit log for ${id}\n`);
          else
            for (const a of rows)
              process.stdout.write(
                `${a.at}  ${a.run_id}  ${a.mapping}/${a.flow}  ${a.key}  ${a.action}${a.target_id ? `  target ${a.target_id}` : ''}  version ${a.source_version ?? '-'}  hash ${a.payload_hash ?? '-'}${a.error ? `  error: ${a.error}` : ''}${a.evidence ? `  evidence: ${evidenceText(a.evidence)}` : ''}\n`,
              );
          // Finding nothing is an answer, not a failed record (exit 1 means records failed).
          return EXIT.ok;
        } finally {
          await state.abandon();
        }
      }),
    );
}
