import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import { VismaSimulator } from '../../sandbox/visma/index.js';
import { vismaGet, vismaToken } from './helpers/visma-client.js';

const clock = manualClock('2026-01-10T08:15:00Z');
let sim: VismaSimulator;
let token: string;

beforeAll(async () => {
  sim = await new VismaSimulator({ seed: 5, size: 10, clock: clock.now, knobs: { rateLimitPerHour: 3 } }).start();
  token = await vismaToken(sim);
});
afterAll(() => sim.stop());

describe('Visma rate limits (4-fixed-window)', () => {
  it('sends the X-RateLimit headers on every API response and 429s past the hourly limit', async () => {
    const seen: Array<[number, string | null, string | null]> = [];
    for (let i = 0; i < 4; i++) {
      const r = await vismaGet(sim, token, '/v1/customer');
      expect(r.headers.get('x-ratelimit-limit')).toBe('3');
      expect(r.headers.get('x-ratelimit-policy')).toBe('4-fixed-window');
      seen.push([r.status, r.headers.get('x-ratelimit-remaining'), r.headers.get('x-ratelimit-reset')]);
    }
    // 08:15 -> window ends 09:00: 2700 s.
    expect(seen).toEqual([
      [200, '2', '2700'],
      [200, '1', '2700'],
      [200, '0', '2700'],
      [429, '0', '2700'],
    ]);
    const limited = await vismaGet<{ statusCode: number }>(sim, token, '/v1/customer');
    expect(limited.status).toBe(429);
    expect(limited.body.statusCode).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
  });

  it('sends Retry-After only when the sendRetryAfter knob is on', async () => {
    sim.setKnobs({ sendRetryAfter: true });
    const r = await vismaGet(sim, token, '/v1/customer');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2700');
    sim.setKnobs({ sendRetryAfter: false });
  });

  it('the token endpoint is not limited, and the window resets on the hour', async () => {
    expect(await vismaToken(sim)).toEqual(expect.any(String));
    clock.set('2026-01-10T09:00:00Z');
    const r = await vismaGet(sim, token, '/v1/customer');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(r.headers.get('x-ratelimit-reset')).toBe('3600');
  });

  it('rateLimitEnabled=false removes the limiter', async () => {
    sim.setKnobs({ rateLimitEnabled: false });
    for (let i = 0; i < 5; i++) expect((await vismaGet(sim, token, '/v1/customer')).status).toBe(200);
    sim.setKnobs({ rateLimitEnabled: true });
  });
});
