import { describe, expect, it } from 'vitest';
import type { ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import type { Validate } from './helpers/spec.js';
import { useZendeskSim } from './helpers/zendesk-sim.js';
import { waitForJob, type ZdClient } from './helpers/zendesk-client.js';

type Job = {
  id: string;
  url: string;
  status: string;
  job_type: string;
  total: number;
  progress: number;
  message: string | null;
  results: Array<Record<string, unknown>> | null;
};
type JobBody = { job_status: Job };

let sim: ZendeskSimulator;
let zd: ZdClient;
let validate: Validate;
useZendeskSim(2, (s) => ({ sim, zd, validate } = s));

const poll = (id: string) => zd.get<JobBody>(`/api/v2/job_statuses/${id}.json`);

describe('Zendesk bulk jobs', () => {
  it('create_many returns a queued job_status; writes appear only once the job completes', async () => {
    const r = await zd.post<JobBody>('/api/v2/organizations/create_many.json', {
      organizations: [
        { name: 'Alpha AS', external_id: 'a' },
        { name: 'Beta AB', external_id: 'b' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.job_status).toMatchObject({
      status: 'queued',
      total: 2,
      progress: 0,
      results: null,
      message: null,
      job_type: expect.any(String),
    });
    expect(r.body.job_status.url).toBe(`${sim.url}/api/v2/job_statuses/${r.body.job_status.id}.json`);
    expect(validate('JobStatusResponse', r.body)).toEqual([]);
    expect(sim.organizationCount()).toBe(0);

    const p1 = await poll(r.body.job_status.id);
    expect(p1.body.job_status).toMatchObject({ status: 'working', progress: 1, results: null });
    expect(sim.organizationCount()).toBe(0);

    const p2 = await poll(r.body.job_status.id);
    expect(p2.body.job_status.status).toBe('completed');
    expect(p2.body.job_status.progress).toBe(2);
    expect(p2.body.job_status.message).toMatch(/^Completed at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(validate('JobStatusResponse', p2.body)).toEqual([]);
    const a = sim.findOrganization('a')!;
    // CreateResourceResult: {id, index} and nothing else.
    expect(p2.body.job_status.results).toEqual([
      { id: a.id, index: 0 },
      { id: sim.findOrganization('b')!.id, index: 1 },
    ]);
    // Further polls keep the completed state.
    expect((await poll(r.body.job_status.id)).body.job_status.results).toHaveLength(2);
  });

  it('per-item failures (duplicate name, even within one batch) do not fail the job', async () => {
    await zd.post('/api/v2/organizations', { organization: { name: 'Taken AS' } });
    const r = await zd.post<JobBody>('/api/v2/organizations/create_many', {
      organizations: [{ name: 'Taken AS' }, { name: 'Fresh AS' }, { name: 'fresh as' }],
    });
    const done = await waitForJob(zd, r.body.job_status.id);
    expect(done.status).toBe('completed');
    const results = done.results as Array<Record<string, unknown>>;
    // A failed create has no id, so its row carries the record's index (FailedResult otherwise).
    expect(results).toEqual([
      {
        action: 'create',
        index: 0,
        error: 'RecordInvalid',
        details: 'Name: Taken AS has already been taken',
        success: false,
      },
      { id: sim.organizations().find((o) => o.name === 'Fresh AS')!.id, index: 1 },
      {
        action: 'create',
        index: 2,
        error: 'RecordInvalid',
        details: 'Name: fresh as has already been taken',
        success: false,
      },
    ]);
    expect(sim.organizationCount()).toBe(2);
  });

  it('update_many in batch mode and bulk mode (ids and external_ids)', async () => {
    const made = await zd.post<JobBody>('/api/v2/organizations/create_many', {
      organizations: [
        { name: 'One', external_id: 'o1' },
        { name: 'Two', external_id: 'o2' },
      ],
    });
    await waitForJob(zd, made.body.job_status.id);
    const one = sim.findOrganization('o1')!;
    const two = sim.findOrganization('o2')!;

    const batch = await zd.put<JobBody>('/api/v2/organizations/update_many.json', {
      organizations: [
        { id: one.id, notes: 'n1' },
        { id: 424242, notes: 'x' },
      ],
    });
    const b = await waitForJob(zd, batch.body.job_status.id);
    // UpdateResourceResult has no index; a failed update names the id it was sent.
    expect(b.results).toEqual([
      { action: 'update', id: one.id, status: 'Updated', success: true },
      { action: 'update', id: 424242, error: 'RecordNotFound', details: 'Not found', success: false },
    ]);
    expect(validate('JobStatusObject', b)).toEqual([]);
    expect(sim.findOrganization('o1')!.notes).toBe('n1');

    const bulk = await zd.put<JobBody>(`/api/v2/organizations/update_many?ids=${Number(one.id)},${Number(two.id)}`, {
      organization: { tags: ['vip'] },
    });
    await waitForJob(zd, bulk.body.job_status.id);
    expect(sim.findOrganization('o2')!.tags).toEqual(['vip']);

    const byExt = await zd.put<JobBody>('/api/v2/organizations/update_many?external_ids=O1', {
      organization: { details: 'd' },
    });
    await waitForJob(zd, byExt.body.job_status.id);
    expect(sim.findOrganization('o1')!.details).toBe('d');
  });

  it('refuses more than 100 items with a clear 400', async () => {
    const orgs = Array.from({ length: 101 }, (_, i) => ({ name: `N${i}` }));
    const r = await zd.post<{ error: string; description: string }>('/api/v2/organizations/create_many', {
      organizations: orgs,
    });
    expect(r.status).toBe(400);
    expect(r.body.description).toBe('Too many organizations: 101 given, the maximum per request is 100');
    const ok = await zd.post<JobBody>('/api/v2/organizations/create_many', { organizations: orgs.slice(0, 100) });
    expect(ok.status).toBe(200);
    expect(ok.body.job_status.total).toBe(100);
  });

  it('limits queued+working jobs per account (429) until some complete', async () => {
    sim.setKnobs({ maxActiveJobs: 2 });
    const a = await zd.post<JobBody>('/api/v2/organizations/create_many', { organizations: [{ name: 'J1' }] });
    await zd.post<JobBody>('/api/v2/organizations/create_many', { organizations: [{ name: 'J2' }] });
    const third = await zd.post<{ error: string }>('/api/v2/organizations/create_many', {
      organizations: [{ name: 'J3' }],
    });
    expect(third.status).toBe(429);
    expect(third.body.error).toBe('TooManyJobs');
    await waitForJob(zd, a.body.job_status.id);
    expect((await zd.post('/api/v2/organizations/create_many', { organizations: [{ name: 'J3' }] })).status).toBe(200);
  });

  it('jobPollsToComplete knob: 0 completes at creation, 4 needs four polls', async () => {
    sim.setKnobs({ jobPollsToComplete: 0 });
    const now = await zd.post<JobBody>('/api/v2/organizations/create_many', { organizations: [{ name: 'Instant' }] });
    expect(now.body.job_status.status).toBe('completed');
    expect(sim.organizationCount()).toBe(1);
    sim.setKnobs({ jobPollsToComplete: 4 });
    const slow = await zd.post<JobBody>('/api/v2/organizations/create_many', { organizations: [{ name: 'Slow' }] });
    const states = [];
    for (let i = 0; i < 4; i++) states.push((await poll(slow.body.job_status.id)).body.job_status.status);
    expect(states).toEqual(['working', 'working', 'working', 'completed']);
  });

  it('show_many counts as a poll for each job; unknown job ids are 404', async () => {
    const a = await zd.post<JobBody>('/api/v2/organizations/create_many', { organizations: [{ name: 'S1' }] });
    const b = await zd.post<JobBody>('/api/v2/organizations/create_many', { organizations: [{ name: 'S2' }] });
    const ids = `${a.body.job_status.id},${b.body.job_status.id}`;
    await zd.get(`/api/v2/job_statuses/show_many?ids=${ids}`);
    const r = await zd.get<{ job_statuses: Job[] }>(`/api/v2/job_statuses/show_many.json?ids=${ids}`);
    expect(r.body.job_statuses.map((j) => j.status)).toEqual(['completed', 'completed']);
    expect(validate('JobStatusesResponse', r.body)).toEqual([]);
    expect((await poll('nope')).status).toBe(404);
    expect(sim.jobStatuses()).toHaveLength(2);
  });

  it('destroy_many removes organizations by external id', async () => {
    const made = await zd.post<JobBody>('/api/v2/organizations/create_many', {
      organizations: [
        { name: 'D1', external_id: 'd1' },
        { name: 'D2', external_id: 'd2' },
      ],
    });
    await waitForJob(zd, made.body.job_status.id);
    const d1 = sim.findOrganization('d1')!.id;
    const del = await zd.delete<JobBody>('/api/v2/organizations/destroy_many?external_ids=d1,zz');
    const done = await waitForJob(zd, del.body.job_status.id);
    expect(done.results).toEqual([
      { action: 'delete', id: d1, status: 'Deleted', success: true },
      { action: 'delete', index: 1, error: 'RecordNotFound', details: 'Not found', success: false },
    ]);
    expect(sim.organizationCount()).toBe(1);
  });

  it('jobResultShape all_fields: every row carries index, id, action, status and success', async () => {
    sim.setKnobs({ jobResultShape: 'all_fields' });
    await zd.post('/api/v2/organizations', { organization: { name: 'Taken AS' } });
    const made = await zd.post<JobBody>('/api/v2/organizations/create_many', {
      organizations: [{ name: 'New AS', external_id: 'n' }, { name: 'Taken AS' }],
    });
    const c = await waitForJob(zd, made.body.job_status.id);
    const n = sim.findOrganization('n')!;
    expect(c.results).toEqual([
      { index: 0, id: n.id, action: 'create', status: 'Created', success: true },
      {
        index: 1,
        action: 'create',
        error: 'RecordInvalid',
        details: 'Name: Taken AS has already been taken',
        status: 'Failed',
        success: false,
      },
    ]);
    const upd = await zd.put<JobBody>('/api/v2/organizations/update_many', {
      organizations: [{ id: n.id, notes: 'x' }],
    });
    expect((await waitForJob(zd, upd.body.job_status.id)).results).toEqual([
      { index: 0, id: n.id, action: 'update', status: 'Updated', success: true },
    ]);
    // The knob applies at read time, to jobs that completed before it changed too.
    sim.setKnobs({ jobResultShape: 'spec' });
    expect((await poll(made.body.job_status.id)).body.job_status.results![0]).toEqual({ id: n.id, index: 0 });
  });
});
