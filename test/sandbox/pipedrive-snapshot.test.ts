// Snapshot/restore keeps everything a continued sandbox needs (records, field hashes, notes, the spent
// budget, webhooks, a working refresh token); the registry definition starts it and shows what a run wrote.
import { afterEach, assert, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import { definition } from '../../sandbox/pipedrive/definition.js';
import { PipedriveSimulator } from '../../sandbox/pipedrive/index.js';
import { customField, oauthToken, pipedriveClient, startPipedrive } from './helpers/pipedrive-client.js';

const sims: PipedriveSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});
/** Registers a simulator for teardown; the registry must have started a real PipedriveSimulator. */
const track = (s: unknown) => {
  assert(s instanceof PipedriveSimulator);
  sims.push(s);
  return s;
};

describe('Pipedrive snapshot', () => {
  it('restores records, field hashes, notes, webhooks, the spent budget and the credentials', async () => {
    const clock = manualClock('2026-05-04T10:00:00Z');
    const a = track(
      await startPipedrive({ clock: clock.now, knobs: { dailyTokenBudget: 1000, rateLimitEnabled: true } }),
    );
    const pd = pipedriveClient(a);
    const f = await customField(pd, 'person', 'Customer number');
    const person = (await pd.post('/api/v2/persons', { name: 'Jane', custom_fields: { [f.key]: '10001' } })).body.data;
    await pd.post('/v1/notes', { content: 'hello', person_id: person.id });
    await pd.post('/v1/webhooks', { subscription_url: 'https://example.com/h', event_action: '*', event_object: '*' });
    const snap = JSON.parse(JSON.stringify(a.snapshot()));

    const b = track(await startPipedrive({ clock: clock.now, knobs: { dailyTokenBudget: 1000 }, snapshot: snap }));
    expect(b.connection.values).toEqual(a.connection.values);
    const pb = pipedriveClient(b);
    expect((await pb.get(`/api/v2/persons/${person.id}`)).body.data.custom_fields).toEqual({ [f.key]: '10001' });
    expect((await pb.get(`/v1/notes?person_id=${person.id}`)).body.data[0].content).toBe('hello');
    expect((await pb.get('/v1/webhooks')).body.data).toHaveLength(1);
    expect(b.usageView().budgetUsed).toBe(a.usageView().budgetUsed);
    // Ids and hashes continue where they were: no second record gets id 1, no second field gets the same hash.
    expect((await pb.post('/api/v2/persons', { name: 'Next' })).body.data.id).toBe((person.id as number) + 1);
    expect((await customField(pb, 'person', 'Other')).key).not.toBe(f.key);
    const t = await oauthToken(b, { grant_type: 'refresh_token', refresh_token: b.connection.values.refresh_token });
    expect(t.status).toBe(200);
  });

  it('refuses a snapshot of another system', () => {
    expect(() => new PipedriveSimulator({ snapshot: { format: 'mlc-sandbox/zendesk', version: 1 } })).toThrow(
      /not a Pipedrive simulator snapshot/,
    );
  });
});

describe('Pipedrive registry definition', () => {
  it('starts a target whose connection matches connectors/pipedrive.yaml', async () => {
    const sim = track(await definition.start({ seed: 3, size: 10 }));
    expect(definition).toMatchObject({ system: 'pipedrive', role: 'target' });
    expect(sim.connection).toMatchObject({
      connector: 'pipedrive',
      base_url: `${sim.url}/api/v2`,
      token_url: `${sim.url}/oauth/token`,
    });
    expect(Object.keys(sim.connection.values).sort()).toEqual(
      [
        'api_token',
        'client_id',
        'client_secret',
        'company_domain',
        'refresh_token',
        'webhook_password',
        'webhook_user',
      ].sort(),
    );
    expect(sim.connection.values.company_domain).toMatch(/^[a-z0-9-]+$/);
  });

  it('examples: the persons, deals and organizations this run wrote, a person with the most deals first', async () => {
    const sim = track(await definition.start({ seed: 3, size: 10, knobs: { rateLimitEnabled: false } }));
    const pd = pipedriveClient(sim);
    const status = await customField(pd, 'person', 'Payment status', 'enum', ['good', 'overdue']);
    const lonely = (await pd.post('/api/v2/persons', { name: 'Lonely' })).body.data;
    const fields = { [status.key]: status.options![1].id };
    const jane = (await pd.post('/api/v2/persons', { name: 'Jane Doe', custom_fields: fields })).body.data;
    const deal = (await pd.post('/api/v2/deals', { title: 'Invoice 1 — Jane', value: 100, person_id: jane.id })).body
      .data;
    const org = (await pd.post('/api/v2/organizations', { name: 'Acme' })).body.data;
    const ids = [lonely.id, jane.id, deal.id, org.id].map(String);
    const ex = definition.examples!(sim, ids, 10);
    expect(ex.title).toContain('(simulated) Pipedrive');
    expect(ex.records.map((r) => [r.entity, r.id])).toEqual([
      ['persons', jane.id],
      ['persons', lonely.id],
      ['deals', deal.id],
      ['organizations', org.id],
    ]);
    const view = ex.view!(ex.records[0]);
    expect(view.heading).toBe(`Person Jane Doe (id ${jane.id})`);
    expect(view.fields).toMatchObject({ 'Payment status': 'overdue', deals: ['Invoice 1 — Jane (open, 100 EUR)'] });
    expect(definition.examples!(sim, [], 2)).toMatchObject({
      records: [],
      nothing: expect.stringContaining('No person'),
    });
  });
});
