// Lint of what a flow declares about deletions (issue 20): on_delete against the source stream's
// deletion and the target's operations.
import { afterEach, describe, expect, it } from 'vitest';
import { lint } from '../../engine/config/lint.js';
import { lines, removeTempProjects, tempProject } from '../config/helpers.js';

afterEach(removeTempProjects);

/** A visma-zendesk mapping whose one flow reads `from` with this on_delete. */
function project(onDelete: string, from = 'customers', extra: Record<string, string> = {}): string {
  return tempProject({
    'mappings/m/mapping.yaml': lines(
      'name: m',
      'source: { connector: visma }',
      'target: { connector: zendesk }',
      'flows:',
      '  orgs:',
      `    from: ${from}`,
      '    to: upsert_organizations',
      `    transform: '{"external_id": number, "name": name}'`,
      `    on_delete: ${onDelete}`,
    ),
    ...extra,
  });
}

const messages = (root: string) => lint(root, [root]).map((d) => `${d.severity}: ${d.message} (${d.path})`);

describe('on_delete lint', () => {
  it('accepts a mark with its transform file, a delete with an operation the target has, and ignore', () => {
    const mark = project('{ action: mark, transform: gone.jsonata }', 'customers', {
      'mappings/m/gone.jsonata': '{ "external_id": number, "name": "gone" }\n',
    });
    expect(messages(mark)).toEqual([]);
    expect(messages(project('{ action: delete, operation: delete_organization }'))).toEqual([]);
    expect(messages(project('{ action: ignore }'))).toEqual([]);
  });

  it('reports a mark without a transform, a missing transform file, and an archive or delete without a known operation', () => {
    expect(messages(project('{ action: mark }'))).toEqual([
      'error: on_delete mark needs a transform (the payload that marks the record) (flows.orgs.on_delete)',
    ]);
    expect(messages(project('{ action: mark, transform: nope.jsonata }'))).toEqual([
      'error: transform file "nope.jsonata" not found beside mapping.yaml (flows.orgs.on_delete.transform)',
    ]);
    expect(messages(project('{ action: archive }'))).toEqual([
      'error: on_delete archive needs an operation of the target connector (flows.orgs.on_delete)',
    ]);
    expect(messages(project('{ action: delete, operation: remove_org }'))).toEqual([
      'error: connector "zendesk" has no operation "remove_org" (flows.orgs.on_delete.operation)',
    ]);
  });

  it('warns about on_delete on a stream that declares no deletion', () => {
    expect(messages(project('{ action: ignore }', 'suppliers'))).toEqual([
      'warning: stream "suppliers" declares no deletion (status, tombstone, webhook_operations or reconcile): on_delete never applies (flows.orgs.on_delete)',
    ]);
  });

  it('refuses an update-only operation as the operation a flow writes through', () => {
    const root = tempProject({
      'mappings/m/mapping.yaml': lines(
        'name: m',
        'source: { connector: visma }',
        'target: { connector: zendesk }',
        'flows:',
        '  orgs:',
        '    from: customers',
        '    to: delete_organization',
        `    transform: '{"external_id": number}'`,
        '    on_delete: { action: ignore }',
      ),
    });
    expect(messages(root)).toEqual([
      'error: operation "delete_organization" only updates records by id (an on_delete operation): a flow writes through one with "upsert", or "create" and "update" (flows.orgs.to)',
    ]);
  });
});
