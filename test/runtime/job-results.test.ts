/**
 * Zendesk job result rows in every shape the vendor documents, read with the rules that
 * connectors/zendesk.yaml declares (not rules written for the test).
 */
import { describe, expect, it } from 'vitest';
import type { Results } from '../../engine/config/types.generated.js';
import { readResults } from '../../engine/write/results.js';
import type { WriteItem } from '../../engine/write/types.js';
import { shippedConnector } from './helpers.js';

const op = shippedConnector('zendesk').operations!.upsert_organizations;
const createRules = op.create!.results as Results;
const updateRules = op.update!.results as Results;

const creates = (n: number): WriteItem[] =>
  Array.from({ length: n }, (_, i) => ({ key: `C${i}`, matchValue: `C${i}`, payload: { external_id: `C${i}` } }));
const updates = (ids: number[]): WriteItem[] =>
  ids.map((id, i) => ({
    key: `U${i}`,
    matchValue: `U${i}`,
    targetId: String(id),
    payload: { id, external_id: `U${i}` },
  }));
const job = (results: unknown) => ({ id: 'J1', status: 'completed', results });

describe('Zendesk job results in the spec shapes', () => {
  it('create rows {id, index} (no status, no success) are created with their ids, in any order', async () => {
    const out = await readResults(
      createRules,
      job([
        { id: 502, index: 2 },
        { id: 500, index: 0 },
        { id: 501, index: 1 },
      ]),
      creates(3),
      'create',
      'op',
    );
    expect(out).toEqual([
      { key: 'C0', ok: true, action: 'created', targetId: '500' },
      { key: 'C1', ok: true, action: 'created', targetId: '501' },
      { key: 'C2', ok: true, action: 'created', targetId: '502' },
    ]);
  });

  it('update rows {action, id, status, success} without index are matched by the id the engine sent', async () => {
    const rows = [
      { action: 'update', id: 245, status: 'Updated', success: true },
      { action: 'update', id: 244, status: 'Updated', success: true },
    ];
    const out = await readResults(updateRules, job(rows), updates([244, 245]), 'update', 'op');
    expect(out).toEqual([
      { key: 'U0', ok: true, action: 'updated', targetId: '244' },
      { key: 'U1', ok: true, action: 'updated', targetId: '245' },
    ]);
  });

  it('a failed update row {action, id, error, details, success: false} fails the record it names, with the reason', async () => {
    const rows = [
      { action: 'update', id: 244, status: 'Updated', success: true },
      {
        action: 'update',
        id: 245,
        error: 'OrganizationUpdateError',
        details: 'Name: has already been taken',
        success: false,
      },
    ];
    const out = await readResults(updateRules, job(rows), updates([244, 245]), 'update', 'op');
    expect(out[0]).toMatchObject({ key: 'U0', ok: true });
    expect(out[1]).toMatchObject({
      key: 'U1',
      ok: false,
      error: 'OrganizationUpdateError: Name: has already been taken',
    });
  });

  it('a failed create row is matched by its index; a duplicate external_id is a conflict to look up', async () => {
    const rows = [
      { id: 500, index: 0 },
      {
        index: 1,
        action: 'create',
        error: 'OrganizationCreateFailed',
        details: 'External has already been taken',
        success: false,
      },
    ];
    const out = await readResults(createRules, job(rows), creates(2), 'create', 'op');
    expect(out[0]).toMatchObject({ key: 'C0', ok: true, targetId: '500' });
    expect(out[1]).toMatchObject({ key: 'C1', ok: false, conflict: true });
  });

  it('rows with every field (index on updates too) still read', async () => {
    const rows = [
      { index: 1, id: 245, action: 'update', status: 'Updated', success: true },
      { index: 0, id: 244, action: 'update', status: 'Updated', success: true },
    ];
    const out = await readResults(updateRules, job(rows), updates([244, 245]), 'update', 'op');
    expect(out.map((o) => [o.key, o.ok, o.targetId])).toEqual([
      ['U0', true, '244'],
      ['U1', true, '245'],
    ]);
    const created = await readResults(
      createRules,
      job([{ index: 0, id: 9, action: 'create', status: 'Created', success: true }]),
      creates(1),
      'create',
      'op',
    );
    expect(created).toEqual([{ key: 'C0', ok: true, action: 'created', targetId: '9' }]);
  });

  it('a wild failure row {id, error, details, status: Failed} with no success field fails', async () => {
    const out = await readResults(
      updateRules,
      job([{ id: 244, error: 'UserUpdateError', details: 'bad', status: 'Failed' }]),
      updates([244]),
      'update',
      'op',
    );
    expect(out[0]).toMatchObject({ ok: false, error: 'UserUpdateError: bad' });
  });

  it('an item no row answers fails; a row for an id that was not sent answers nothing', async () => {
    const out = await readResults(
      updateRules,
      job([{ action: 'update', id: 999, status: 'Updated', success: true }]),
      updates([244]),
      'update',
      'op',
    );
    expect(out).toEqual([{ key: 'U0', ok: false, error: 'op: no result for this record in the response' }]);
  });

  it('a create row that claims success with no id fails (nothing to update later)', async () => {
    const out = await readResults(createRules, job([{ index: 0, success: true }]), creates(1), 'create', 'op');
    expect(out[0]).toMatchObject({ ok: false });
    expect(out[0].error).toMatch(/no id/);
  });

  it('a job without a results list fails the batch with the shape it got', async () => {
    const out = await readResults(
      createRules,
      { id: 'J1', status: 'completed', results: 'done' },
      creates(2),
      'create',
      'op',
    );
    expect(out.every((o) => !o.ok && /no per-record results at results/.test(o.error!))).toBe(true);
  });
});
