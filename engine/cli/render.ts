import type { Diagnostic } from '../config/diagnostic.js';
import { formatDiagnostic } from '../config/diagnostic.js';
import type { SyncEvent, SyncResult } from '../sync/events.js';

const out = (s = '') => process.stdout.write(`${s}\n`);

export function printDiagnostics(diags: Diagnostic[]): void {
  for (const d of diags) process.stderr.write(`${formatDiagnostic(d)}\n`);
}

function table(rows: (string | number)[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((v, c) => (typeof v === 'number' ? String(v).padStart(widths[c]) : String(v).padEnd(widths[c]))).join('  ').trimEnd());
}

export function printSyncResult(r: SyncResult, verb = 'sync'): void {
  out(`${verb} ${r.mapping}  run ${r.runId}  ${r.status}  ${(r.durationMs / 1000).toFixed(1)}s`);
  for (const n of r.stateNotes ?? []) out(`  state: ${n}`);
  for (const w of r.warnings ?? []) out(`  warning: ${w.message}${w.key ? ` (record ${w.key})` : ''}`);
  for (const p of r.provisioned) {
    if (p.created.length) out(`  provisioned custom fields for ${p.flow}: ${p.created.join(', ')}`);
    if (p.updated.length) out(`  added options to custom fields for ${p.flow}: ${p.updated.join('; ')}`);
  }
  if (r.flows.length) {
    const rows: (string | number)[][] = [['flow', 'read', 'affected', 'created', 'updated', 'unchanged', 'skipped', 'failed', 'requests src/tgt', 'time']];
    for (const f of r.flows) rows.push([f.flow, f.read, f.affected, f.created, f.updated, f.unchanged, f.skipped, f.failed, `${f.requests.source}/${f.requests.target}`, `${(f.durationMs / 1000).toFixed(1)}s`]);
    for (const line of table(rows)) out(`  ${line}`);
    for (const f of r.flows) if (f.remapped) out(`  ${f.flow}: ${f.remapped.reason}: ${f.remapped.records} re-mapped, ${f.created} created, ${f.updated} updated, ${f.unchanged} unchanged`);
  }
  for (const f of r.flows) {
    for (const x of f.failures) out(`  failed ${f.flow} ${x.key}: ${x.reason}`);
    if (f.failed > f.failures.length) out(`  ... and ${f.failed - f.failures.length} more failed records: mlc runs / mlc audit ${r.runId}`);
  }
  if (r.error) out(`  error: ${r.error}`);
  if (r.flows.some((f) => f.failed)) out(`  failed records wait in the failure queue; fix the cause, then: mlc replay ${r.mapping} --all-failed`);
}

/** One status line on a terminal, nothing otherwise (machine output stays clean). */
export function progressReporter(enabled: boolean): (e: SyncEvent) => void {
  if (!enabled) return () => {};
  let last = 0;
  return (e) => {
    const now = Date.now();
    if (e.type === 'stage') process.stderr.write(`\r\x1b[K  read ${e.stream}: ${e.read} records, ${e.changed} changed\n`);
    if (e.type === 'provision' && e.created.length) process.stderr.write(`\r\x1b[K  created ${e.created.length} custom fields for ${e.flow}\n`);
    if (e.type === 'progress' && now - last > 200) {
      last = now;
      process.stderr.write(`\r\x1b[K  ${e.flow}: ${e.done}/${e.total}  created ${e.created}  updated ${e.updated}  unchanged ${e.unchanged}  failed ${e.failed}`);
    }
    if (e.type === 'flow:end') process.stderr.write('\r\x1b[K');
  };
}
