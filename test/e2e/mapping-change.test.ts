// Issue 12, section 1: a changed mapping reaches every record, in one run; a change that alters no
// payload writes nothing; --full re-maps everything; a dry run counts what a sync would.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setup, writeRequests, type E2E } from './helpers.js';
import { addFunction, addVatField, copyProject, editFile } from './temp-project.js';

let e: E2E | undefined;
let root: string | undefined;
afterEach(async () => {
  await e?.stop();
  e = undefined;
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

const SIZE = 60;

async function synced(): Promise<{ e: E2E; root: string }> {
  root = copyProject();
  e = await setup({ size: SIZE, seed: 12 });
  const r = await e.sync({ root });
  expect(r.status, r.error).toBe('ok');
  expect(r.flows[0]).toMatchObject({ created: SIZE, failed: 0 });
  // A flow's first run maps everything anyway: no "mapping changed" on it.
  expect(r.flows[0].remapped).toBeUndefined();
  return { e, root };
}

/** Customers whose organization carries the mark payload (deleted.jsonata): no VAT field in it. */
const inactive = (env: E2E) =>
  env.visma
    .customers()
    .filter((c) => c.status === 'Inactive' && c.vatRegistrationId)
    .map((c) => String(c.number))
    .sort();
const activeCount = (env: E2E) => env.visma.customers().filter((c) => c.status !== 'Inactive').length;

const vatOf = (org: Record<string, unknown>) =>
  (org.organization_fields as Record<string, unknown>).vat_registration_id;

describe('a changed mapping', () => {
  it('is counted by a dry run and written to every record by the next sync, once', async () => {
    const { e, root } = await synced();
    addVatField(root);

    // Inactive customers map through deleted.jsonata, which the new field leaves alone: unchanged.
    const active = activeCount(e);
    const dry = await e.sync({ root, dryRun: true });
    expect(dry.status, dry.error).toBe('ok');
    expect(dry.flows[0]).toMatchObject({
      affected: SIZE,
      updated: active,
      unchanged: SIZE - active,
      created: 0,
      remapped: { reason: 'mapping changed', records: SIZE },
    });

    e.zendesk.resetStats();
    const r = await e.sync({ root });
    expect(r.status, r.error).toBe('ok');
    expect(r.flows[0]).toMatchObject({
      affected: SIZE,
      updated: active,
      unchanged: SIZE - active,
      created: 0,
      failed: 0,
      remapped: { reason: 'mapping changed', records: SIZE },
    });
    const byExt = new Map(e.visma.customers().map((c) => [String(c.number), c.vatRegistrationId ?? null]));
    const orgs = e.zendesk.organizations().filter((o) => o.external_id !== null);
    expect(orgs).toHaveLength(SIZE);
    expect(orgs.filter((o) => vatOf(o) !== byExt.get(String(o.external_id))).map((o) => o.external_id)).toEqual(
      inactive(e),
    );
    expect(orgs.filter((o) => vatOf(o)).length).toBeGreaterThan(0);

    // Once written, the mapping is no longer new: nothing is re-mapped.
    const again = await e.sync({ root });
    expect(again.flows[0]).toMatchObject({ affected: 0, updated: 0 });
    expect(again.flows[0].remapped).toBeUndefined();
  });

  it('that alters no payload re-maps every record and writes nothing', async () => {
    const { e, root } = await synced();
    editFile(
      join(root, 'mappings', 'visma-zendesk', 'organization.jsonata'),
      '(\n',
      '(\n  /* a comment changes the text, not a payload */\n',
    );
    e.zendesk.resetStats();
    const r = await e.sync({ root });
    expect(r.flows[0]).toMatchObject({
      affected: SIZE,
      unchanged: SIZE,
      updated: 0,
      created: 0,
      remapped: { reason: 'mapping changed', records: SIZE },
    });
    expect(writeRequests(e.zendesk)).toEqual([]);
  });

  it('--full re-maps every record', async () => {
    const { e } = await synced();
    const r = await e.sync({ root, full: true });
    expect(r.flows[0]).toMatchObject({
      read: SIZE,
      affected: SIZE,
      unchanged: SIZE,
      remapped: { reason: 'full run', records: SIZE },
    });
  });

  it('after a run that stopped before the flow finished, the next run re-maps what it left', async () => {
    const { e, root } = await synced();
    addVatField(root);
    const stopped = await e.sync({
      root,
      onEvent: (ev) => {
        if (ev.type === 'flow:start') throw new Error('stopped for the test');
      },
    });
    expect(stopped.status).toBe('error');
    const r = await e.sync({ root });
    const active = activeCount(e);
    expect(r.flows[0]).toMatchObject({ affected: SIZE, updated: active, unchanged: SIZE - active, failed: 0 });
    const byExt = new Map(e.visma.customers().map((c) => [String(c.number), c.vatRegistrationId ?? null]));
    const orgs = e.zendesk.organizations().filter((o) => o.external_id !== null);
    expect(orgs.filter((o) => vatOf(o) !== byExt.get(String(o.external_id))).map((o) => o.external_id)).toEqual(
      inactive(e),
    );
    expect((await e.sync({ root })).flows[0]).toMatchObject({ affected: 0 });
  });

  it('re-maps every record of a state written before fingerprints existed', async () => {
    const { e, root } = await synced();
    await e.withState((s) => {
      s.run('DELETE FROM fingerprints');
      s.checkpoint();
    });
    const r = await e.sync({ root });
    expect(r.flows[0]).toMatchObject({
      affected: SIZE,
      unchanged: SIZE,
      remapped: { reason: 'mapping changed', records: SIZE },
    });
  });
  it('whose custom function module changed re-maps every record (the module shapes payloads as the transform does)', async () => {
    root = copyProject();
    const tag = addFunction(root, 'tag', 'export default function tag(s) { return s; }\n');
    e = await setup({ size: SIZE, seed: 12 });
    expect((await e.sync({ root })).flows[0]).toMatchObject({ created: SIZE, failed: 0 });
    expect((await e.sync({ root })).flows[0]).toMatchObject({ affected: 0 });

    writeFileSync(tag, 'export default function tag(s) { return `[${s}]`; }\n');
    const r = await e.sync({ root });
    expect(r.status, r.error).toBe('ok');
    expect(r.flows[0]).toMatchObject({ affected: SIZE, remapped: { reason: 'mapping changed', records: SIZE } });
  });
});
