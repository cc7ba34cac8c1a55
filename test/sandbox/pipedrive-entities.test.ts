// v2 entities as the migration guide describes them: strict validation (no coercion, RFC 3339), plain
// integer links, PATCH instead of PUT, custom fields in a custom_fields object keyed by hash, cursor pages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import type { PipedriveSimulator } from '../../sandbox/pipedrive/index.js';
import { customField, pipedriveClient, startPipedrive, type PdClient } from './helpers/pipedrive-client.js';

let sim: PipedriveSimulator;
let pd: PdClient;
const clock = manualClock('2026-05-04T08:00:00Z');
beforeEach(async () => {
  clock.set('2026-05-04T08:00:00Z');
  sim = await startPipedrive({ clock: clock.now });
  pd = pipedriveClient(sim);
});
afterEach(() => sim.stop());

const validation = (message: RegExp) =>
  expect.objectContaining({
    success: false,
    error: expect.stringMatching(message),
    error_info: 'Please check developers.pipedrive.com',
    data: null,
  });

describe('v2 create, get, PATCH, delete', () => {
  it('creates an organization with a custom field by its hash key and answers as the docs example', async () => {
    const erp = await customField(pd, 'organization', 'ERP id');
    expect(erp.key).toMatch(/^[0-9a-f]{40}$/);
    const body = {
      name: 'Acme Oy',
      address: { value: 'Mannerheimintie 1, Helsinki' },
      custom_fields: { [erp.key]: 'C-1' },
    };
    const r = await pd.post('/api/v2/organizations', body);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({
      id: 1,
      name: 'Acme Oy',
      visible_to: 3,
      label_ids: [],
      is_deleted: false,
      add_time: '2026-05-04T08:00:00Z',
      update_time: '2026-05-04T08:00:00Z',
      address: { value: 'Mannerheimintie 1, Helsinki' },
      custom_fields: { [erp.key]: 'C-1' },
    });
    expect((await pd.get('/api/v2/organizations/1')).body.data.name).toBe('Acme Oy');
  });

  it('PATCH changes only the given fields and moves update_time; PUT is not a v2 method', async () => {
    const org = (await pd.post('/api/v2/organizations', { name: 'Acme', visible_to: 1 })).body.data;
    clock.advance(5000);
    const r = await pd.patch(`/api/v2/organizations/${org.id}`, { name: 'Acme Oy' });
    expect(r.body.data).toMatchObject({ name: 'Acme Oy', visible_to: 1, update_time: '2026-05-04T08:00:05Z' });
    expect((await pd.put(`/api/v2/organizations/${org.id}`, { name: 'x' })).status).toBe(404);
  });

  it('links persons and deals by plain integer ids, which must exist', async () => {
    const org = (await pd.post('/api/v2/organizations', { name: 'Acme' })).body.data;
    const emails = [{ value: 'jane@acme.example', primary: true, label: 'work' }];
    const person = (await pd.post('/api/v2/persons', { name: 'Jane Doe', org_id: org.id, emails })).body.data;
    expect(person).toMatchObject({ org_id: org.id, emails, phones: [], first_name: 'Jane', last_name: 'Doe' });
    const deal = await pd.post('/api/v2/deals', {
      title: 'Invoice 1',
      value: 120.5,
      currency: 'EUR',
      person_id: person.id,
    });
    expect(deal.body.data).toMatchObject({
      person_id: person.id,
      status: 'open',
      pipeline_id: 1,
      stage_id: 1,
      won_time: null,
    });
    const missing = await pd.post('/api/v2/deals', { title: 'x', person_id: 999 });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual(validation(/person_id: Person 999 not found/));
  });

  it('won deals get won_time and close_time; reopening clears them', async () => {
    const deal = (await pd.post('/api/v2/deals', { title: 'Invoice 2', value: 10 })).body.data;
    clock.advance(60_000);
    const won = (await pd.patch(`/api/v2/deals/${deal.id}`, { status: 'won' })).body.data;
    expect(won).toMatchObject({ status: 'won', won_time: '2026-05-04T08:01:00Z', close_time: '2026-05-04T08:01:00Z' });
    const open = (await pd.patch(`/api/v2/deals/${deal.id}`, { status: 'open' })).body.data;
    expect(open).toMatchObject({ status: 'open', won_time: null, close_time: null });
  });

  it('links an activity person through participants; person_id is read-only', async () => {
    const person = (await pd.post('/api/v2/persons', { name: 'Jane' })).body.data;
    const body = {
      subject: 'Pay',
      type: 'task',
      due_date: '2026-05-07',
      participants: [{ person_id: person.id, primary: true }],
    };
    const a = (await pd.post('/api/v2/activities', body)).body.data;
    expect(a).toMatchObject({ type: 'task', person_id: person.id, done: false, due_date: '2026-05-07' });
    expect((await pd.post('/api/v2/activities', { subject: 'x', type: 'fax' })).status).toBe(400);
    sim.setKnobs({ unknownBodyFields: 'reject' });
    const ro = await pd.post('/api/v2/activities', { subject: 'x', person_id: person.id });
    expect(ro.body).toEqual(validation(/person_id: unknown or read-only field/));
  });

  it('DELETE answers the id; the record is gone from get and list', async () => {
    const org = (await pd.post('/api/v2/organizations', { name: 'Gone' })).body.data;
    expect((await pd.delete(`/api/v2/organizations/${org.id}`)).body).toEqual({ success: true, data: { id: org.id } });
    expect((await pd.get(`/api/v2/organizations/${org.id}`)).status).toBe(404);
    expect((await pd.get('/api/v2/organizations')).body.data).toEqual([]);
    expect((await pd.delete(`/api/v2/organizations/${org.id}`)).status).toBe(404);
  });
});

describe('v2 strict validation', () => {
  it.each([
    ['a boolean as 1', '/api/v2/activities', { subject: 's', done: 1 }, /done: must be a boolean/],
    ['a boolean as "true"', '/api/v2/activities', { subject: 's', done: 'true' }, /done: must be a boolean/],
    ['a number as a string', '/api/v2/deals', { title: 't', value: '100' }, /value: must be a number/],
    ['an id as a string', '/api/v2/persons', { name: 'n', org_id: '1' }, /org_id: must be an integer/],
    ['a date in another format', '/api/v2/deals', { title: 't', expected_close_date: '07.05.2026' }, /YYYY-MM-DD/],
    ['a missing name', '/api/v2/organizations', { visible_to: 3 }, /name: is required/],
    ['visible_to outside 1/3/5/7', '/api/v2/organizations', { name: 'n', visible_to: 2 }, /visible_to/],
    ['emails as plain strings', '/api/v2/persons', { name: 'n', emails: ['a@b.c'] }, /emails\[0\]: must be an object/],
  ])('refuses %s with 400', async (_what, path, body, message) => {
    const r = await pd.post(path, body);
    expect(r.status).toBe(400);
    expect(r.body).toEqual(validation(message));
  });

  it('refuses non-RFC 3339 updated_since and non-boolean exact_match in the query', async () => {
    const since = await pd.get('/api/v2/organizations?updated_since=2026-05-04%2008:00:00');
    expect(since.body).toEqual(validation(/updated_since: must be an RFC 3339 date-time/));
    const exact = await pd.get('/api/v2/organizations/search?term=ab&exact_match=1');
    expect(exact.body).toEqual(validation(/exact_match: must be true or false/));
  });

  it('custom fields: hash keys only; typed values (enum by option id, set cleared by null not [])', async () => {
    const tier = await customField(pd, 'person', 'Tier', 'enum', ['gold', 'silver']);
    const tags = await customField(pd, 'person', 'Tags', 'set', ['a', 'b']);
    const limit = await customField(pd, 'person', 'Credit limit', 'monetary');
    const byName = await pd.post('/api/v2/persons', { name: 'n', custom_fields: { Tier: tier.options![0].id } });
    expect(byName.body).toEqual(validation(/custom_fields.Tier: no custom field has this key/));
    const label = await pd.post('/api/v2/persons', { name: 'n', custom_fields: { [tier.key]: 'gold' } });
    expect(label.body).toEqual(validation(/must be an integer/));
    const fields = {
      [tier.key]: tier.options![1].id,
      [tags.key]: [tags.options![0].id],
      [limit.key]: { value: 5000, currency: 'EUR' },
    };
    const p = (await pd.post('/api/v2/persons', { name: 'n', custom_fields: fields })).body.data;
    expect(p.custom_fields).toEqual(fields);
    const empty = await pd.patch(`/api/v2/persons/${p.id}`, { custom_fields: { [tags.key]: [] } });
    expect(empty.body).toEqual(validation(/use null, not an empty array/));
    const cleared = await pd.patch(`/api/v2/persons/${p.id}`, { custom_fields: { [tags.key]: null } });
    expect(cleared.body.data.custom_fields).toEqual({
      [tier.key]: tier.options![1].id,
      [limit.key]: fields[limit.key],
    });
  });

  it('answers every custom field (null when unset) with customFieldsInAnswers: all', async () => {
    const a = await customField(pd, 'organization', 'A');
    const b = await customField(pd, 'organization', 'B', 'double');
    sim.setKnobs({ customFieldsInAnswers: 'all' });
    const org = (await pd.post('/api/v2/organizations', { name: 'n', custom_fields: { [b.key]: 2 } })).body.data;
    expect(org.custom_fields).toEqual({ [a.key]: null, [b.key]: 2 });
  });
});

describe('v2 cursor paging', () => {
  it('pages with limit and cursor; next_cursor is null on the last page; limit above 500 is refused', async () => {
    for (let i = 0; i < 250; i++) await pd.post('/api/v2/organizations', { name: `Org ${i}` });
    const ids: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const r = await pd.get(`/api/v2/organizations?limit=100${q}`);
      ids.push(...r.body.data.map((o: { id: number }) => o.id));
      cursor = r.body.additional_data.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(ids).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect((await pd.get('/api/v2/organizations?limit=501')).status).toBe(400);
    expect((await pd.get('/api/v2/organizations?cursor=garbage')).status).toBe(400);
    expect((await pd.get('/api/v2/organizations')).body.data).toHaveLength(100);
  });

  it('sorts by update_time and filters with updated_since; a change between pages is not skipped', async () => {
    for (let i = 0; i < 5; i++) {
      await pd.post('/api/v2/persons', { name: `P${i}` });
      clock.advance(1000);
    }
    const since = encodeURIComponent('2026-05-04T08:00:02Z');
    const first = await pd.get(`/api/v2/persons?sort_by=update_time&sort_direction=asc&updated_since=${since}&limit=2`);
    expect(first.body.data.map((p: { name: string }) => p.name)).toEqual(['P2', 'P3']);
    await pd.patch('/api/v2/persons/1', { name: 'P0 changed' });
    const cursor = encodeURIComponent(first.body.additional_data.next_cursor);
    const rest = await pd.get(`/api/v2/persons?sort_by=update_time&updated_since=${since}&limit=10&cursor=${cursor}`);
    expect(rest.body.data.map((p: { name: string }) => p.name)).toEqual(['P4', 'P0 changed']);
  });

  it('narrows custom_fields to the keys asked for (at most 15)', async () => {
    const a = await customField(pd, 'deal', 'A');
    const b = await customField(pd, 'deal', 'B');
    await pd.post('/api/v2/deals', { title: 't', custom_fields: { [a.key]: 'x', [b.key]: 'y' } });
    const r = await pd.get(`/api/v2/deals?custom_fields=${b.key}`);
    expect(r.body.data[0].custom_fields).toEqual({ [b.key]: 'y' });
    const many = Array.from({ length: 16 }, (_, i) => `k${i}`).join(',');
    expect((await pd.get(`/api/v2/deals?custom_fields=${many}`)).status).toBe(400);
  });
});
