// v2 search (PD-SDK organizations/persons/deals search): term, fields, exact_match (not case-sensitive),
// searchable custom field types only, cursor pages, and an indexing delay knob.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import type { PipedriveSimulator } from '../../sandbox/pipedrive/index.js';
import { customField, pipedriveClient, startPipedrive, type PdClient } from './helpers/pipedrive-client.js';

let sim: PipedriveSimulator;
let pd: PdClient;
const clock = manualClock('2026-05-04T10:00:00Z');
beforeEach(async () => {
  clock.set('2026-05-04T10:00:00Z');
  sim = await startPipedrive({ clock: clock.now });
  pd = pipedriveClient(sim);
});
afterEach(() => sim.stop());

describe('Pipedrive v2 search', () => {
  it('finds an organization by a custom field value, exact and case-insensitive, in the SDK item shape', async () => {
    const erp = await customField(pd, 'organization', 'Supplier key');
    const body = { name: 'Acme Oy', address: { value: 'Helsinki' }, custom_fields: { [erp.key]: 'S-10001' } };
    await pd.post('/api/v2/organizations', body);
    await pd.post('/api/v2/organizations', { name: 'Other', custom_fields: { [erp.key]: 'S-100011' } });
    const r = await pd.get('/api/v2/organizations/search?term=s-10001&fields=custom_fields&exact_match=true');
    expect(r.status).toBe(200);
    expect(r.body.data.items).toEqual([
      {
        result_score: 1,
        item: {
          id: 1,
          type: 'organization',
          name: 'Acme Oy',
          address: 'Helsinki',
          visible_to: 3,
          owner: { id: expect.any(Number) },
          custom_fields: ['S-10001'],
          notes: [],
        },
      },
    ]);
    expect(r.body.additional_data).toEqual({ next_cursor: null });
    const partial = await pd.get('/api/v2/organizations/search?term=S-1000&fields=custom_fields');
    expect(partial.body.data.items).toHaveLength(2);
  });

  it('leaves out custom field types search does not cover (enum) and names outside `fields`', async () => {
    const tier = await customField(pd, 'person', 'Tier', 'enum', ['gold']);
    const num = await customField(pd, 'person', 'Customer number', 'varchar');
    const fields = { [tier.key]: tier.options![0].id, [num.key]: '10001' };
    await pd.post('/api/v2/persons', { name: 'Jane 10001', custom_fields: fields });
    const byName = await pd.get(
      `/api/v2/persons/search?term=${tier.options![0].id}&fields=custom_fields&exact_match=true`,
    );
    expect(byName.body.data.items).toEqual([]);
    const onlyCustom = await pd.get('/api/v2/persons/search?term=Jane&fields=custom_fields');
    expect(onlyCustom.body.data.items).toEqual([]);
    const item = (await pd.get('/api/v2/persons/search?term=10001&exact_match=true')).body.data.items[0].item;
    expect(item).toMatchObject({ type: 'person', name: 'Jane 10001', custom_fields: ['10001'], organization: null });
  });

  it('searches persons by email and deals by title with status filters', async () => {
    const emails = [{ value: 'jane@acme.example', primary: true, label: 'work' }];
    const person = (await pd.post('/api/v2/persons', { name: 'Jane', emails })).body.data;
    await pd.post('/api/v2/deals', { title: 'Invoice 55 — Jane', person_id: person.id, status: 'won' });
    const byEmail = await pd.get('/api/v2/persons/search?term=jane@acme.example&fields=email&exact_match=true');
    expect(byEmail.body.data.items[0].item.emails).toEqual(['jane@acme.example']);
    const deals = await pd.get('/api/v2/deals/search?term=Invoice%2055&fields=title');
    expect(deals.body.data.items[0].item).toMatchObject({
      type: 'deal',
      status: 'won',
      person: { id: person.id, name: 'Jane' },
    });
    expect((await pd.get('/api/v2/deals/search?term=Invoice%2055&status=open')).body.data.items).toEqual([]);
    sim.setKnobs({ dealSearchOpenOnly: true });
    expect((await pd.get('/api/v2/deals/search?term=Invoice%2055')).body.data.items).toEqual([]);
  });

  it('needs 2 characters (1 with exact_match) and refuses fields the entity has not', async () => {
    expect((await pd.get('/api/v2/organizations/search?term=a')).status).toBe(400);
    expect((await pd.get('/api/v2/organizations/search?term=a&exact_match=true')).status).toBe(200);
    expect((await pd.get('/api/v2/deals/search?term=ab&fields=email')).status).toBe(400);
  });

  it('pages results with a cursor', async () => {
    for (let i = 0; i < 5; i++) await pd.post('/api/v2/organizations', { name: `Nordic ${i}` });
    const first = await pd.get('/api/v2/organizations/search?term=Nordic&limit=3');
    expect(first.body.data.items).toHaveLength(3);
    const cursor = encodeURIComponent(first.body.additional_data.next_cursor);
    const rest = await pd.get(`/api/v2/organizations/search?term=Nordic&limit=3&cursor=${cursor}`);
    expect(rest.body.data.items).toHaveLength(2);
    expect(rest.body.additional_data.next_cursor).toBeNull();
  });

  it('a new record is not findable until the index catches up (searchIndexDelayMs)', async () => {
    sim.setKnobs({ searchIndexDelayMs: 3000 });
    await pd.post('/api/v2/organizations', { name: 'Fresh Oy' });
    expect((await pd.get('/api/v2/organizations/search?term=Fresh')).body.data.items).toEqual([]);
    clock.advance(3000);
    expect((await pd.get('/api/v2/organizations/search?term=Fresh')).body.data.items).toHaveLength(1);
  });
});
