// Token-based rate limits (targets.md 2.3): a burst limit per token in a rolling 2 s window by plan
// (OAuth 4x), search 10 per 2 s, a daily token budget per company with per-endpoint costs, the headers,
// and the daily-budget 429 that no retry clears before the reset.
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import type { PipedriveSimulator } from '../../sandbox/pipedrive/index.js';
import { oauthToken, pipedriveClient, startPipedrive } from './helpers/pipedrive-client.js';

let sim: PipedriveSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const clock = manualClock('2026-05-04T10:00:00Z');
async function limited(knobs: Record<string, unknown> = {}): Promise<PipedriveSimulator> {
  clock.set('2026-05-04T10:00:00Z');
  sim = await startPipedrive({ clock: clock.now, knobs: { rateLimitEnabled: true, ...knobs } });
  return sim;
}

describe('Pipedrive burst limits', () => {
  it('lets 20 requests through in 2 s with an API token on Lite, then 429 until the window rolls', async () => {
    const pd = pipedriveClient(await limited());
    const first = await pd.get('/api/v2/organizations');
    expect(first.headers.get('x-ratelimit-limit')).toBe('20');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('19');
    expect(first.headers.get('x-ratelimit-reset')).toBe('2');
    for (let i = 1; i < 20; i++) expect((await pd.get('/api/v2/organizations/1')).status).toBe(404);
    const over = await pd.get('/api/v2/organizations');
    expect(over.status).toBe(429);
    expect(over.body).toEqual({
      success: false,
      error: 'Request over limit',
      error_info: 'Please check developers.pipedrive.com',
      data: null,
      additional_data: null,
    });
    expect(over.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(over.headers.get('retry-after')).toBeNull();
    clock.advance(2000);
    expect((await pd.get('/api/v2/organizations')).status).toBe(200);
  });

  it('an OAuth token gets four times the plan limit; the plan knob changes both', async () => {
    const s = await limited({ plan: 'growth' });
    const t = await oauthToken(s, { grant_type: 'refresh_token', refresh_token: s.connection.values.refresh_token });
    const oauth = await pipedriveClient(s, { bearer: String(t.body.access_token) }).get('/api/v2/deals');
    expect(oauth.headers.get('x-ratelimit-limit')).toBe('160');
    expect((await pipedriveClient(s).get('/api/v2/deals')).headers.get('x-ratelimit-limit')).toBe('40');
  });

  it('search has its own 10 per 2 s', async () => {
    const pd = pipedriveClient(await limited());
    for (let i = 0; i < 10; i++) {
      const r = await pd.get('/api/v2/persons/search?term=ab');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ratelimit-limit')).toBe('10');
    }
    expect((await pd.get('/api/v2/persons/search?term=ab')).status).toBe(429);
    expect((await pd.get('/api/v2/persons')).status).toBe(200);
    expect(sim!.usageView().refused).toMatchObject({ search: 1, burst: 0, daily: 0 });
  });

  it('after repeated 429s an API token gets the Cloudflare HTML 403 (knob) until the window clears', async () => {
    const pd = pipedriveClient(await limited({ burstLimit: 2, cloudflareBlockAfter429s: 3 }));
    await pd.get('/api/v2/deals');
    await pd.get('/api/v2/deals');
    for (let i = 0; i < 3; i++) expect((await pd.get('/api/v2/deals')).status).toBe(429);
    // An HTML page: the client hands over text it cannot parse as it came.
    const blocked = await pd.get<string>('/api/v2/deals');
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get('content-type')).toContain('text/html');
    expect(blocked.body).toContain('Cloudflare');
    clock.advance(2000);
    expect((await pd.get('/api/v2/deals')).status).toBe(200);
  });
});

describe('Pipedrive daily token budget', () => {
  it('charges per endpoint (v2 list 10, get 1, write 5, delete 3, search 20; v1 list 20), in headers', async () => {
    const s = await limited({ dailyTokenBudget: 1000 });
    const pd = pipedriveClient(s);
    const list = await pd.get('/api/v2/organizations');
    expect(list.headers.get('x-daily-ratelimit-token-limit')).toBe('1000');
    expect(list.headers.get('x-daily-ratelimit-token-remaining')).toBe('990');
    const org = (await pd.post('/api/v2/organizations', { name: 'A' })).body.data;
    await pd.get(`/api/v2/organizations/${org.id}`);
    await pd.get('/api/v2/organizations/search?term=ab');
    await pd.delete(`/api/v2/organizations/${org.id}`);
    await pd.get('/v1/notes');
    expect(s.usageView()).toMatchObject({
      budgetUsed: 10 + 5 + 1 + 20 + 3 + 20,
      tokensByClass: { list: 30, write: 5, get: 1, search: 20, delete: 3 },
    });
  });

  it('defaults to 30,000 x plan multiplier x seats', async () => {
    const s = await limited({ plan: 'premium', seats: 3 });
    expect(s.usageView().dailyBudget).toBe(450_000);
  });

  it('a spent budget answers 429 that waiting out the burst window does not clear; midnight does', async () => {
    const s = await limited({ dailyTokenBudget: 25 });
    const pd = pipedriveClient(s);
    // The budget refuses once exhausted: the third list overdraws it (25 - 30), the fourth is refused.
    for (let i = 0; i < 3; i++) expect((await pd.get('/api/v2/deals')).status).toBe(200);
    const spent = await pd.get('/api/v2/deals');
    expect(spent.status).toBe(429);
    expect(spent.body).toMatchObject({ success: false, error: 'Request over limit' });
    expect(spent.headers.get('x-daily-ratelimit-token-remaining')).toBe('0');
    // The burst window is far from full: that is how a client tells the two 429s apart.
    expect(Number(spent.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      clock.advance(5000);
      expect((await pd.get('/api/v2/deals/1')).status).toBe(429);
    }
    expect(s.usageView()).toMatchObject({ budgetUsed: 30, budgetRemaining: 0, refused: { daily: 4, burst: 0 } });
    clock.set('2026-05-05T00:00:01Z');
    expect((await pd.get('/api/v2/deals')).status).toBe(200);
    expect(s.usageView().budgetResetsAt).toBe('2026-05-06T00:00:00.000Z');
  });

  it('with budgetRefusal: cost, a request is refused when it costs more than is left', async () => {
    const pd = pipedriveClient(await limited({ dailyTokenBudget: 25, budgetRefusal: 'cost' }));
    expect((await pd.get('/api/v2/deals')).status).toBe(200);
    expect((await pd.get('/api/v2/deals')).status).toBe(200);
    const list = await pd.get('/api/v2/deals');
    expect(list.status).toBe(429);
    expect(list.headers.get('x-daily-ratelimit-token-remaining')).toBe('5');
    // A get costs 1: the 5 left still serve it.
    expect((await pd.get('/api/v2/deals/1')).status).toBe(404);
  });

  it('the admin route sets and resets the spent budget', async () => {
    const s = await limited();
    const pd = pipedriveClient(s);
    const set = await fetch(`${s.url}/__sim/pipedrive/budget`, {
      method: 'POST',
      body: JSON.stringify({ used: 30_000 }),
    });
    expect(await set.json()).toMatchObject({ dailyBudget: 30_000, budgetRemaining: 0 });
    expect((await pd.get('/api/v2/persons/1')).status).toBe(429);
    await fetch(`${s.url}/__sim/pipedrive/budget/reset`, { method: 'POST' });
    expect((await pd.get('/api/v2/persons/1')).status).toBe(404);
  });

  it('the daily-token headers can be missing on some answers (dailyHeadersMissingEvery), or off', async () => {
    const s = await limited({ dailyHeadersMissingEvery: 2 });
    const pd = pipedriveClient(s);
    const seen = [];
    for (let i = 0; i < 4; i++)
      seen.push((await pd.get('/api/v2/deals')).headers.has('x-daily-ratelimit-token-remaining'));
    expect(seen).toEqual([true, false, true, false]);
    s.setKnobs({ dailyTokenHeaders: false });
    expect((await pd.get('/api/v2/deals')).headers.has('x-daily-ratelimit-token-limit')).toBe(false);
  });

  it('API-token answers carry x-daily-requests-left, counting POST/PUT of the UTC day', async () => {
    const pd = pipedriveClient(await limited());
    expect((await pd.get('/api/v2/deals')).headers.get('x-daily-requests-left')).toBe('10000');
    expect((await pd.post('/api/v2/deals', { title: 't' })).headers.get('x-daily-requests-left')).toBe('9999');
  });
});
