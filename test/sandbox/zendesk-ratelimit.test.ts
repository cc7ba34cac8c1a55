import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import { ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import { zendeskClient, type ZdClient } from './helpers/zendesk-client.js';

const clock = manualClock('2026-04-01T12:00:15Z');
let sim: ZendeskSimulator;
let zd: ZdClient;

beforeAll(async () => {
  sim = await new ZendeskSimulator({ seed: 1, clock: clock.now, knobs: { rateLimitPerMinute: 3 } }).start();
  zd = zendeskClient(sim);
});
afterAll(() => sim.stop());

describe('Zendesk rate limits', () => {
  it('defaults to the Enterprise plan (700 rpm) and sends all the headers', async () => {
    const fresh = await new ZendeskSimulator({ seed: 1, clock: clock.now }).start();
    try {
      const r = await zendeskClient(fresh).get('/api/v2/organizations');
      expect(r.headers.get('x-rate-limit')).toBe('700');
      expect(r.headers.get('x-rate-limit-remaining')).toBe('699');
      expect(r.headers.get('ratelimit-limit')).toBe('700');
      expect(r.headers.get('ratelimit-remaining')).toBe('699');
      expect(r.headers.get('ratelimit-reset')).toBe('45');
      fresh.setKnobs({ plan: 'team' });
      expect((await zendeskClient(fresh).get('/api/v2/organizations')).headers.get('x-rate-limit')).toBe('200');
      fresh.setKnobs({ plan: 'high_volume' });
      expect((await zendeskClient(fresh).get('/api/v2/organizations')).headers.get('x-rate-limit')).toBe('2500');
    } finally {
      await fresh.stop();
    }
  });

  it('429 with Retry-After and the errors body past the limit; resets with the minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await zd.get('/api/v2/organizations')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await zd.get('/api/v2/organizations');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('45');
    expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(limited.body).toEqual({ errors: [{ code: 'TooManyRequests', title: 'Too many requests' }] });
    clock.set('2026-04-01T12:01:00Z');
    expect((await zd.get('/api/v2/organizations')).status).toBe(200);
  });

  it('the incremental export has its own 10 rpm budget', async () => {
    sim.setKnobs({ rateLimitPerMinute: 1000 });
    clock.set('2026-04-01T12:02:00Z');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await zd.get('/api/v2/incremental/tickets/cursor?start_time=0')).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
    expect((await zd.get('/api/v2/organizations')).status).toBe(200);
  });

  it('rateLimitEnabled=false turns limits and headers off', async () => {
    sim.setKnobs({ rateLimitEnabled: false, rateLimitPerMinute: 1 });
    for (let i = 0; i < 4; i++) {
      const r = await zd.get('/api/v2/organizations');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-rate-limit')).toBeNull();
    }
  });
});
