// v1 notes (v1-only and not deprecated): attached to a deal, person or organization, offset pages,
// PUT (not PATCH), `YYYY-MM-DD HH:MM:SS` UTC timestamps, v1's lenient ids.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import type { PipedriveSimulator } from '../../sandbox/pipedrive/index.js';
import { pipedriveClient, startPipedrive, type PdClient } from './helpers/pipedrive-client.js';

let sim: PipedriveSimulator;
let pd: PdClient;
const clock = manualClock('2026-05-04T10:00:00Z');
beforeEach(async () => {
  clock.set('2026-05-04T10:00:00Z');
  sim = await startPipedrive({ clock: clock.now });
  pd = pipedriveClient(sim);
});
afterEach(() => sim.stop());

async function dealWithPerson(): Promise<{ deal: number; person: number; org: number }> {
  const org = (await pd.post('/api/v2/organizations', { name: 'Acme' })).body.data.id;
  const person = (await pd.post('/api/v2/persons', { name: 'Jane', org_id: org })).body.data.id;
  const deal = (await pd.post('/api/v2/deals', { title: 'Invoice 7', person_id: person })).body.data.id;
  return { deal, person, org };
}

describe('Pipedrive v1 notes', () => {
  it('creates a note on a deal and answers it as v1 does', async () => {
    const { deal } = await dealWithPerson();
    const r = await pd.post('/v1/notes', { content: '<p>Invoice 7: 120.50 EUR due 2026-05-07</p>', deal_id: deal });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({
      id: 1,
      content: '<p>Invoice 7: 120.50 EUR due 2026-05-07</p>',
      deal_id: deal,
      person_id: null,
      org_id: null,
      add_time: '2026-05-04 10:00:00',
      active_flag: true,
      deal: { title: 'Invoice 7' },
    });
  });

  it('lists by deal_id, person_id or org_id with start/limit pages', async () => {
    const { deal, org } = await dealWithPerson();
    for (let i = 0; i < 5; i++) await pd.post('/v1/notes', { content: `deal note ${i}`, deal_id: deal });
    await pd.post('/api/v1/notes', { content: 'org note', org_id: org });
    const first = await pd.get(`/v1/notes?deal_id=${deal}&start=0&limit=2`);
    expect(first.body.data.map((n: { content: string }) => n.content)).toEqual(['deal note 0', 'deal note 1']);
    expect(first.body.additional_data.pagination).toEqual({
      start: 0,
      limit: 2,
      more_items_in_collection: true,
      next_start: 2,
    });
    const last = await pd.get(`/v1/notes?deal_id=${deal}&start=4&limit=2`);
    expect(last.body.data).toHaveLength(1);
    expect(last.body.additional_data.pagination.more_items_in_collection).toBe(false);
    expect((await pd.get(`/v1/notes?org_id=${org}`)).body.data.map((n: { content: string }) => n.content)).toEqual([
      'org note',
    ]);
  });

  it('edits in place with PUT and deletes; update_time moves; updated_since filters in v1 format', async () => {
    const { person } = await dealWithPerson();
    const note = (await pd.post('/v1/notes', { content: 'v1', person_id: String(person) })).body.data;
    expect(note.person_id).toBe(person);
    clock.advance(90_000);
    const put = await pd.put(`/v1/notes/${note.id}`, { content: 'v2' });
    expect(put.body.data).toMatchObject({ id: note.id, content: 'v2', update_time: '2026-05-04 10:01:30' });
    expect((await pd.get('/v1/notes?updated_since=2026-05-04%2010:01:00')).body.data).toHaveLength(1);
    expect((await pd.get('/v1/notes?updated_since=2026-05-04%2010:02:00')).body.data).toHaveLength(0);
    expect((await pd.delete(`/v1/notes/${note.id}`)).body).toEqual({ success: true, data: true });
    expect((await pd.get(`/v1/notes/${note.id}`)).status).toBe(404);
    expect((await pd.patch(`/v1/notes/${note.id}`, { content: 'x' })).status).toBe(404);
  });

  it('refuses a note attached to nothing, to a missing deal, or without content', async () => {
    expect((await pd.post('/v1/notes', { content: 'alone' })).body).toMatchObject({
      success: false,
      error: 'Note must be attached to a deal, person, organization or lead',
    });
    expect((await pd.post('/v1/notes', { content: 'x', deal_id: 42 })).status).toBe(400);
    const { deal } = await dealWithPerson();
    expect((await pd.post('/v1/notes', { content: '  ', deal_id: deal })).status).toBe(400);
  });

  it('notes have no v2 API', async () => {
    expect((await pd.post('/api/v2/notes', { content: 'x', org_id: 1 })).status).toBe(404);
  });
});
