import type { Diagnostic } from './diagnostic.js';
import { transformSource } from './transform-source.js';
import type { Connector, Flow, Operation } from './types.generated.js';
import type { YamlFile, YamlPath } from './yaml-file.js';

/** An operation with only "update": a single-record action by id (archive, delete), reached by a flow's on_delete. */
export const isByIdOnly = (op: Operation): boolean => !!op.update && !op.create && !op.upsert;

/** What a flow declares about deletions, against its source stream and its target's operations. */
export function checkFlowDeletions(
  yaml: YamlFile,
  at: YamlPath,
  flow: Flow,
  ends: { src?: Connector; tgt?: Connector; mappingFile: string },
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { src, tgt } = ends;
  const stream = src?.streams?.[flow.from];
  const onDelete = flow.on_delete as Flow['on_delete'] | null | undefined;
  if (!onDelete || typeof onDelete !== 'object') return out;
  const here = [...at, 'on_delete'];
  if (stream && !stream.deletion)
    out.push(
      yaml.diagAt(
        here,
        'warning',
        `stream "${flow.from}" declares no deletion (status, tombstone, webhook_operations or reconcile): on_delete never applies`,
      ),
    );
  if (onDelete.action === 'mark') {
    if (!onDelete.transform)
      out.push(yaml.diagAt(here, 'error', 'on_delete mark needs a transform (the payload that marks the record)'));
    else {
      const t = transformSource(ends.mappingFile, onDelete.transform);
      if (t.problem) out.push(yaml.diagAt([...here, 'transform'], 'error', t.problem));
    }
  }
  if (onDelete.action === 'archive' || onDelete.action === 'delete') {
    const name = onDelete.operation;
    const op = name ? tgt?.operations?.[name] : undefined;
    if (!name)
      out.push(yaml.diagAt(here, 'error', `on_delete ${onDelete.action} needs an operation of the target connector`));
    else if (tgt && !op)
      out.push(yaml.diagAt([...here, 'operation'], 'error', `connector "${tgt.name}" has no operation "${name}"`));
  }
  if (flow.reconcile && stream && !stream.deletion?.reconcile)
    out.push(
      yaml.diagAt(
        [...at, 'reconcile'],
        'warning',
        `stream "${flow.from}" declares no deletion.reconcile: this flow's reconcile interval has nothing to override`,
      ),
    );
  return out;
}

/**
 * A flow without on_delete whose source stream declares deletion: its deletions are ignored. Not
 * yet part of lint: every mapping on a stream that declares deletion would show it, and the lint
 * tests that expect no diagnostic from such mappings must say on_delete first.
 */
export function ignoredDeletions(yaml: YamlFile, at: YamlPath, flow: Flow, src?: Connector): Diagnostic[] {
  const stream = src?.streams?.[flow.from];
  if (!stream?.deletion || flow.on_delete) return [];
  const message = `stream "${flow.from}" declares how deletions show, but this flow has no on_delete: deletions are ignored`;
  return [yaml.diagAt([...at, 'from'], 'warning', message)];
}
