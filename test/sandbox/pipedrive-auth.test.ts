// Pipedrive auth as targets.md 2.1 describes it: the API token in x-api-token (the query parameter was
// v1-only), OAuth 2.0 with Basic client auth, api_domain in the token answer, refresh tokens.
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import type { PipedriveSimulator } from '../../sandbox/pipedrive/index.js';
import { oauthToken, pipedriveClient, startPipedrive } from './helpers/pipedrive-client.js';

let sim: PipedriveSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const UNAUTHORIZED = {
  success: false,
  error: 'unauthorized access',
  errorCode: 401,
  error_info: 'Please check developers.pipedrive.com',
};

describe('Pipedrive API token', () => {
  it('is taken from the x-api-token header on v2 and v1', async () => {
    sim = await startPipedrive();
    const pd = pipedriveClient(sim);
    const v2 = await pd.get('/api/v2/organizations');
    expect(v2.status).toBe(200);
    expect(v2.body).toEqual({ success: true, data: [], additional_data: { next_cursor: null } });
    expect((await pd.get('/v1/users/me')).body.data.company_domain).toBe(sim.credentials().company_domain);
    expect((await pd.get('/api/v1/activityTypes')).status).toBe(200);
  });

  it('refuses a wrong token with the gateway 401 (body and x-401-by-gw)', async () => {
    sim = await startPipedrive();
    const r = await pipedriveClient(sim, { apiToken: 'nope' }).get('/api/v2/persons');
    expect(r.status).toBe(401);
    expect(r.body).toEqual(UNAUTHORIZED);
    expect(r.headers.get('x-401-by-gw')).toBe('true');
    expect((await pipedriveClient(sim, { none: true }).get('/api/v2/persons')).status).toBe(401);
  });

  it('refuses ?api_token= on v2 but takes it on v1 (legacy); knobs change both', async () => {
    sim = await startPipedrive();
    const token = sim.credentials().api_token;
    const q = pipedriveClient(sim, { queryToken: token });
    expect((await q.get('/api/v2/deals')).status).toBe(401);
    expect((await q.get('/v1/notes')).status).toBe(200);
    sim.setKnobs({ apiTokenQueryV2: 'accept', apiTokenQueryV1: 'reject' });
    expect((await q.get('/api/v2/deals')).status).toBe(200);
    expect((await q.get('/v1/notes')).status).toBe(401);
  });

  it('refuses the API token sent as a Bearer token unless the knob accepts it', async () => {
    sim = await startPipedrive();
    const bearer = pipedriveClient(sim, { bearer: sim.credentials().api_token });
    expect((await bearer.get('/api/v2/organizations')).status).toBe(401);
    sim.setKnobs({ apiTokenAsBearer: 'accept' });
    expect((await bearer.get('/api/v2/organizations')).status).toBe(200);
  });
});

describe('Pipedrive OAuth 2.0', () => {
  it('exchanges a code with Basic client auth; the answer names api_domain; the bearer token works', async () => {
    sim = await startPipedrive();
    const r = await oauthToken(sim, { grant_type: 'authorization_code', code: sim.issueAuthorizationCode() });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, api_domain: sim.url });
    expect(String(r.body.access_token)).toMatch(/^v1:/);
    expect(r.body.refresh_token).toEqual(expect.any(String));
    const api = pipedriveClient(sim, { bearer: String(r.body.access_token) });
    expect((await api.get('/api/v2/organizations')).status).toBe(200);
    // api_domain is the company URL for v1 as well (notes).
    expect((await api.get('/v1/notes')).status).toBe(200);
  });

  it('refuses a code used twice, a client without Basic auth and an unknown grant', async () => {
    sim = await startPipedrive();
    const code = sim.issueAuthorizationCode();
    expect((await oauthToken(sim, { grant_type: 'authorization_code', code })).status).toBe(200);
    const again = await oauthToken(sim, { grant_type: 'authorization_code', code });
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const wrong = Buffer.from(`${sim.credentials().client_id}:wrong`).toString('base64');
    const badClient = await oauthToken(sim, { grant_type: 'refresh_token', refresh_token: 'x' }, wrong);
    expect(badClient).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await oauthToken(sim, { grant_type: 'password' })).status).toBe(400);
  });

  it('refreshes: a new access token; an expired one gets 401; the refresh token stays (no rotation)', async () => {
    sim = await startPipedrive();
    const refresh = sim.connection.values.refresh_token;
    const first = await oauthToken(sim, { grant_type: 'refresh_token', refresh_token: refresh });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toBe(refresh);
    const api = pipedriveClient(sim, { bearer: String(first.body.access_token) });
    expect((await api.get('/api/v2/deals')).status).toBe(200);
    sim.expireTokens();
    expect((await api.get('/api/v2/deals')).status).toBe(401);
    const second = await oauthToken(sim, { grant_type: 'refresh_token', refresh_token: refresh });
    expect(second.status).toBe(200);
    expect(second.body.access_token).not.toBe(first.body.access_token);
  });

  it('rotating refresh tokens (knob): the old one stops working once used', async () => {
    sim = await startPipedrive({ knobs: { refreshTokenRotates: true } });
    const refresh = sim.connection.values.refresh_token;
    const r = await oauthToken(sim, { grant_type: 'refresh_token', refresh_token: refresh });
    expect(r.body.refresh_token).not.toBe(refresh);
    expect((await oauthToken(sim, { grant_type: 'refresh_token', refresh_token: refresh })).status).toBe(400);
    const next = await oauthToken(sim, { grant_type: 'refresh_token', refresh_token: String(r.body.refresh_token) });
    expect(next.status).toBe(200);
  });

  it('access tokens expire after expires_in; a refresh token unused for 60 days expires', async () => {
    const clock = manualClock('2026-03-01T00:00:00Z');
    sim = await startPipedrive({ clock: clock.now });
    const refresh = sim.connection.values.refresh_token;
    const r = await oauthToken(sim, { grant_type: 'refresh_token', refresh_token: refresh });
    const api = pipedriveClient(sim, { bearer: String(r.body.access_token) });
    clock.advance(3598 * 1000);
    expect((await api.get('/api/v2/deals')).status).toBe(200);
    clock.advance(2000);
    expect((await api.get('/api/v2/deals')).status).toBe(401);
    clock.advance(61 * 86_400_000);
    expect((await oauthToken(sim, { grant_type: 'refresh_token', refresh_token: refresh })).status).toBe(400);
  });
});
