import { describe, expect, it } from 'vitest';
import type { ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import type { Validate } from './helpers/spec.js';
import { useZendeskSim } from './helpers/zendesk-sim.js';
import { waitForJob, type ZdClient } from './helpers/zendesk-client.js';

type User = Record<string, unknown> & { id: number; email?: string; external_id: string | null };
type Identity = { id: number; value: string; primary: boolean; type: string };

let sim: ZendeskSimulator;
let zd: ZdClient;
let validate: Validate;
useZendeskSim(6, (s) => ({ sim, zd, validate } = s));

const upsert = (u: Record<string, unknown>) =>
  zd.post<{ user: User }>('/api/v2/users/create_or_update.json', { user: u });

describe('Zendesk users', () => {
  it('create_or_update: 201 with Location, then 200 matched by email', async () => {
    const a = await upsert({
      name: 'Kari Nordmann',
      email: 'kari@fjordkraft.no',
      role: 'end-user',
      skip_verify_email: true,
    });
    expect(a.status).toBe(201);
    expect(a.headers.get('location')).toBe(`${sim.url}/api/v2/users/${a.body.user.id}.json`);
    expect(validate('UserResponse', a.body)).toEqual([]);
    const b = await upsert({ name: 'Kari N.', email: 'KARI@fjordkraft.no' });
    expect(b.status).toBe(200);
    expect(b.body.user.id).toBe(a.body.user.id);
    expect(b.body.user.name).toBe('Kari N.');
  });

  it('matches external_id case-insensitively and rewrites it to the case sent', async () => {
    const a = await upsert({ name: 'Ola', external_id: 'ERP-P-77', email: 'ola@x.no' });
    const b = await upsert({ name: 'Ola', external_id: 'erp-p-77' });
    expect(b.status).toBe(200);
    expect(b.body.user.id).toBe(a.body.user.id);
    expect(b.body.user.external_id).toBe('erp-p-77');
    const found = await zd.get<{ users: User[] }>('/api/v2/users/search?external_id=ERP-P-77');
    expect(found.body.users.map((u) => u.id)).toEqual([a.body.user.id]);
  });

  it('email is writable on create only: a new email on update becomes a secondary identity', async () => {
    const a = await upsert({ name: 'Sofie', external_id: 's1', email: 'sofie@old.no' });
    const b = await upsert({ external_id: 's1', email: 'sofie@new.no' });
    expect(b.status).toBe(200);
    expect(b.body.user.email).toBe('sofie@old.no');
    const ids = await zd.get<{ identities: Identity[] }>(`/api/v2/users/${a.body.user.id}/identities.json`);
    expect(ids.body.identities.map((i) => [i.value, i.primary])).toEqual([
      ['sofie@old.no', true],
      ['sofie@new.no', false],
    ]);
    expect(validate('UserIdentitiesResponse', ids.body)).toEqual([]);

    const secondary = ids.body.identities[1];
    const mp = await zd.put<{ identities: Identity[] }>(
      `/api/v2/users/${a.body.user.id}/identities/${secondary.id}/make_primary`,
    );
    expect(mp.status).toBe(200);
    expect(mp.body.identities.find((i) => i.primary)?.value).toBe('sofie@new.no');
    expect((await zd.get<{ user: User }>(`/api/v2/users/${a.body.user.id}`)).body.user.email).toBe('sofie@new.no');
  });

  it('adds identities (201) and refuses an email owned by another user (422)', async () => {
    const a = await upsert({ name: 'A', email: 'a@x.no' });
    await upsert({ name: 'B', email: 'b@x.no' });
    const add = await zd.post<{ identity: Identity }>(`/api/v2/users/${a.body.user.id}/identities`, {
      identity: { type: 'email', value: 'a2@x.no' },
    });
    expect(add.status).toBe(201);
    expect(validate('UserIdentityResponse', add.body)).toEqual([]);
    const taken = await zd.post(`/api/v2/users/${a.body.user.id}/identities`, {
      identity: { type: 'email', value: 'b@x.no' },
    });
    expect(taken.status).toBe(422);
  });

  it('search by query (email:, free text) and show', async () => {
    const a = await upsert({ name: 'Magnus Berg', email: 'magnus@berg.no' });
    expect(
      (await zd.get<{ users: User[] }>('/api/v2/users/search?query=email:magnus@berg.no')).body.users.map((u) => u.id),
    ).toEqual([a.body.user.id]);
    expect((await zd.get<{ users: User[] }>('/api/v2/users/search?query=berg')).body.users.map((u) => u.id)).toEqual([
      a.body.user.id,
    ]);
    expect((await zd.get(`/api/v2/users/${a.body.user.id}`)).status).toBe(200);
    expect((await zd.get('/api/v2/users/1')).status).toBe(404);
  });

  it('create_or_update_many is 403 unless bulkUserImport, then a job', async () => {
    const users = [
      { name: 'U1', email: 'u1@x.no' },
      { name: 'U2', email: 'u2@x.no' },
    ];
    const denied = await zd.post('/api/v2/users/create_or_update_many', { users });
    expect(denied.status).toBe(403);
    sim.setKnobs({ bulkUserImport: true });
    const r = await zd.post<{ job_status: { id: string } }>('/api/v2/users/create_or_update_many', { users });
    expect(r.status).toBe(200);
    const done = await waitForJob(zd, r.body.job_status.id);
    expect(done.results).toEqual([
      { id: sim.findUser('u1@x.no')!.id, index: 0 },
      { id: sim.findUser('u2@x.no')!.id, index: 1 },
    ]);
    // A second pass updates both: update rows, without index.
    const again = await zd.post<{ job_status: { id: string } }>('/api/v2/users/create_or_update_many', { users });
    expect((await waitForJob(zd, again.body.job_status.id)).results).toEqual([
      { action: 'update', id: sim.findUser('u1@x.no')!.id, status: 'Updated', success: true },
      { action: 'update', id: sim.findUser('u2@x.no')!.id, status: 'Updated', success: true },
    ]);
  });

  it("matches external_id before email and will not move another user's email", async () => {
    await upsert({ name: 'A', email: 'a@x.no', external_id: 'p-1' });
    const b = await upsert({ name: 'B', email: 'b@x.no' });
    // external_id wins the match, so this is an update of A asking for B's address.
    const r = await upsert({ name: 'B', email: 'b@x.no', external_id: 'P-1' });
    expect(r.status).toBe(422);
    expect(Object.keys((r.body as unknown as { details: object }).details)).toEqual(['email']);
    expect(sim.findUser('b@x.no')?.id).toBe(b.body.user.id);
  });

  it('handles many users without slowing down (indexed lookups)', async () => {
    sim.setKnobs({ bulkUserImport: true });
    for (let batch = 0; batch < 5; batch++) {
      const users = Array.from({ length: 100 }, (_, i) => ({
        name: `U${batch}-${i}`,
        email: `u${batch}-${i}@x.no`,
        external_id: `ext-${batch}-${i}`,
      }));
      const r = await zd.post<{ job_status: { id: string } }>('/api/v2/users/create_or_update_many', { users });
      await waitForJob(zd, r.body.job_status.id);
    }
    expect(sim.findUser('EXT-4-99')?.email).toBe('u4-99@x.no');
    expect(sim.users()).toHaveLength(501);
  });

  it('refuses a user in a missing organization', async () => {
    const r = await upsert({ name: 'X', email: 'x@x.no', organization_id: 12345 });
    expect(r.status).toBe(422);
  });
});
