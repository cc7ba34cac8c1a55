import type { Diagnostic } from '../config/diagnostic.js';
import { formatDiagnostic } from '../config/diagnostic.js';
import type { DeletedCounts, SyncEvent, SyncResult } from '../sync/events.js';

const out = (s = '') => process.stdout.write(`${s}\n`);

export function printDiagnostics(diags: Diagnostic[]): void {
  for (const d of diags) process.stderr.write(`${formatDiagnostic(d)}\n`);
}

function table(rows: (string | number)[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) =>
    r
      .map((v, c) => (typeof v === 'number' ? String(v).padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

/** "2 marked, 1 deleted": the deletion counts that are not zero. */
export function deletedCounts(d: DeletedCounts): string {
  const parts = Object.entries(d).filter(([, n]) => n > 0);
  return parts.map(([what, n]) => `${n} ${what}`).join(', ') || 'none';
}

export function printSyncResult(r: SyncResult, verb = 'sync'): void {
  out(`${verb} ${r.mapping}${r.runId ? `  run ${r.runId}` : ''}  ${r.status}  ${(r.durationMs / 1000).toFixed(1)}s`);
  for (const n of r.stateNotes ?? []) out(`  state: ${n}`);
  for (const w of r.warnings ?? []) out(`  warning: ${w.message}${w.key ? ` (record ${w.key})` : ''}`);
  for (const p of r.provisioned) {
    if (p.created.length) out(`  provisioned custom fields for ${p.flow}: ${p.created.join(', ')}`);
    if (p.updated.length) out(`  added options to custom fields for ${p.flow}: ${p.updated.join('; ')}`);
  }
  if (r.flows.length) {
    const rows: (string | number)[][] = [
      ['flow', 'read', 'affected', 'created', 'updated', 'unchanged', 'skipped', 'failed', 'requests src/tgt', 'time'],
    ];
    for (const f of r.flows)
      rows.push([
        f.flow,
        f.read,
        f.affected,
        f.created,
        f.updated,
        f.unchanged,
        f.skipped,
        f.failed,
        `${f.requests.source}/${f.requests.target}`,
        `${(f.durationMs / 1000).toFixed(1)}s`,
      ]);
    for (const line of table(rows)) out(`  ${line}`);
    for (const f of r.flows) if (f.deleted) out(`  ${f.flow}: deleted at the source: ${deletedCounts(f.deleted)}`);
    for (const f of r.flows)
      if (f.remapped)
        out(
          `  ${f.flow}: ${f.remapped.reason}: ${f.remapped.records} re-mapped, ${f.created} created, ${f.updated} updated, ${f.unchanged} unchanged`,
        );
  }
  for (const f of r.flows) {
    for (const x of f.failures) out(`  failed ${f.flow} ${x.key}: ${x.reason}`);
    if (f.failed > f.failures.length)
      out(
        `  ... and ${f.failed - f.failures.length} more failed records${r.runId ? `: mlc runs / mlc audit ${r.runId}` : ''}`,
      );
  }
  if (r.error) out(`  error: ${r.error}`);
  if (r.flows.some((f) => f.failed))
    out(`  failed records wait in the failure queue; fix the cause, then: mlc replay ${r.mapping} --all-failed`);
}

/**
 * One status line on a terminal, nothing otherwise (machine output stays clean). While streams are
 * read, the line counts pages and records per stream as they arrive (a big first read is minutes of
 * pages, not silence); `write` and `now` are for tests.
 */
export function progressReporter(
  enabled: boolean,
  write: (s: string) => void = (s) => process.stderr.write(s),
  now: () => number = Date.now,
): (e: SyncEvent) => void {
  if (!enabled) return () => {};
  let last = 0;
  const reading = new Map<string, { pages: number; read: number }>();
  return (e) => {
    const t = now();
    if (e.type === 'page') {
      reading.set(e.stream, { pages: e.page, read: e.read });
      if (e.page === 1 || t - last > 200) {
        last = t;
        write(
          `\r\x1b[K  reading ${[...reading].map(([s, r]) => `${s}: ${r.pages} page${r.pages === 1 ? '' : 's'}, ${r.read} records`).join('  ')}`,
        );
      }
    }
    if (e.type === 'stage') {
      reading.delete(e.stream);
      write(`\r\x1b[K  read ${e.stream}: ${e.read} records, ${e.changed} changed\n`);
    }
    if (e.type === 'provision' && e.created.length)
      write(`\r\x1b[K  created ${e.created.length} custom fields for ${e.flow}\n`);
    if (e.type === 'progress' && t - last > 200) {
      last = t;
      write(
        `\r\x1b[K  ${e.flow}: ${e.done}/${e.total}  created ${e.created}  updated ${e.updated}  unchanged ${e.unchanged}  failed ${e.failed}`,
      );
    }
    if (e.type === 'flow:end') write('\r\x1b[K');
  };
}
