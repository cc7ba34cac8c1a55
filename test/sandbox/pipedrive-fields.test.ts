// Field definitions: custom fields get a 40-character hash key that differs per account; v2 calls it
// field_code (with field_name), v1 key (with name and a numeric id). Payloads use the hash, never the name.
import { afterEach, describe, expect, it } from 'vitest';
import type { PipedriveSimulator } from '../../sandbox/pipedrive/index.js';
import { customField, pipedriveClient, startPipedrive } from './helpers/pipedrive-client.js';

const sims: PipedriveSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

async function started(seed = 7): Promise<PipedriveSimulator> {
  const s = await startPipedrive({ seed });
  sims.push(s);
  return s;
}

describe('Pipedrive field definitions', () => {
  it('v2 lists system fields and creates custom ones with a hash field_code and option ids', async () => {
    const pd = pipedriveClient(await started());
    const list = await pd.get('/api/v2/organizationFields');
    expect(list.body.data.find((f: { field_code: string }) => f.field_code === 'name')).toMatchObject({
      field_name: 'Name',
      is_custom_field: false,
    });
    expect(list.body.additional_data).toEqual({ next_cursor: null });
    const r = await pd.post('/api/v2/dealFields', {
      field_name: 'Payment status',
      field_type: 'enum',
      options: [{ label: 'good' }, { label: 'overdue' }, { label: 'credit hold' }],
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ field_name: 'Payment status', field_type: 'enum', is_custom_field: true });
    expect(r.body.data.field_code).toMatch(/^[0-9a-f]{40}$/);
    expect(r.body.data.options.map((o: { label: string }) => o.label)).toEqual(['good', 'overdue', 'credit hold']);
    expect(new Set(r.body.data.options.map((o: { id: number }) => o.id)).size).toBe(3);
    const one = await pd.get(`/api/v2/dealFields/${r.body.data.field_code}`);
    expect(one.body.data.field_name).toBe('Payment status');
  });

  it('hash keys differ between accounts (seeds) and are stable in one account', async () => {
    const a = await customField(pipedriveClient(await started(1)), 'person', 'Customer number');
    const b = await customField(pipedriveClient(await started(2)), 'person', 'Customer number');
    const a2 = await customField(pipedriveClient(await started(1)), 'person', 'Customer number');
    expect(a.key).not.toBe(b.key);
    expect(a2.key).toBe(a.key);
  });

  it('v1 shows the same field with key, name and numeric id; v1 creates fields too', async () => {
    const pd = pipedriveClient(await started());
    const v2 = await customField(pd, 'organization', 'Supplier number');
    const v1 = await pd.get('/v1/organizationFields?start=0&limit=500');
    const f = v1.body.data.find((x: { key: string }) => x.key === v2.key);
    expect(f).toMatchObject({
      name: 'Supplier number',
      field_type: 'varchar',
      edit_flag: true,
      id: expect.any(Number),
    });
    expect(f.add_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(v1.body.additional_data.pagination).toMatchObject({ start: 0, limit: 500, more_items_in_collection: false });
    const created = await pd.post('/v1/personFields', { name: 'Tier', field_type: 'set', options: ['a', 'b'] });
    expect(created.status).toBe(201);
    expect(created.body.data.key).toMatch(/^[0-9a-f]{40}$/);
    expect((await pd.get(`/api/v2/personFields/${created.body.data.key}`)).body.data.field_name).toBe('Tier');
  });

  it('allows two fields with one name (each its own hash) unless the knob refuses', async () => {
    const sim = await started();
    const pd = pipedriveClient(sim);
    const a = await customField(pd, 'deal', 'Invoice ref');
    const b = await customField(pd, 'deal', 'Invoice ref');
    expect(a.key).not.toBe(b.key);
    sim.setKnobs({ duplicateFieldNames: 'reject' });
    expect((await pd.post('/api/v2/dealFields', { field_name: 'invoice REF', field_type: 'varchar' })).status).toBe(
      400,
    );
  });

  it('refuses enum fields without options, unknown types and custom activity fields', async () => {
    const pd = pipedriveClient(await started());
    expect((await pd.post('/api/v2/dealFields', { field_name: 'x', field_type: 'enum' })).status).toBe(400);
    expect((await pd.post('/api/v2/dealFields', { field_name: 'x', field_type: 'boolean' })).status).toBe(400);
    expect((await pd.post('/api/v2/activityFields', { field_name: 'x', field_type: 'varchar' })).status).toBe(404);
    expect((await pd.get('/api/v2/activityFields')).status).toBe(200);
  });

  it('adds options to an enum field; deleting a custom field removes it, system fields stay', async () => {
    const pd = pipedriveClient(await started());
    const f = await customField(pd, 'person', 'Standing', 'enum', ['good']);
    const added = await pd.post(`/api/v2/personFields/${f.key}/options`, [{ label: 'overdue' }]);
    expect(added.body.data).toEqual([{ id: expect.any(Number), label: 'overdue' }]);
    expect((await pd.delete(`/api/v2/personFields/${f.key}`)).status).toBe(200);
    expect((await pd.get(`/api/v2/personFields/${f.key}`)).status).toBe(404);
    expect((await pd.delete('/api/v2/personFields/name')).status).toBe(400);
  });
});
