import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import { ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import { zendeskValidator } from './helpers/spec.js';
import { postForm, postJson, zendeskClient } from './helpers/zendesk-client.js';

const clock = manualClock('2026-06-01T10:00:00Z');
let sim: ZendeskSimulator;

beforeAll(async () => {
  sim = await new ZendeskSimulator({ seed: 8, clock: clock.now, knobs: { rateLimitEnabled: false } }).start();
});
afterAll(() => sim.stop());

function tokenUrl() {
  return sim.connection.token_url!;
}
function client() {
  const c = sim.credentials();
  return { client_id: c.client_id, client_secret: c.client_secret };
}
const status = async (bearer: string) => (await zendeskClient(sim, bearer).get('/api/v2/organizations')).status;

describe('Zendesk OAuth token endpoint', () => {
  it('exchanges the pre-issued refresh token: 201, rotation, the old pair stops working', async () => {
    const first = await postJson(tokenUrl(), { grant_type: 'refresh_token', refresh_token: sim.connection.values.refresh_token, ...client() });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      scope: 'read write',
      refresh_token: expect.any(String),
      expires_in: 7200,
      refresh_token_expires_in: 2_592_000,
    });
    expect(zendeskValidator()('OAuthTokenForGrantTypesObject', first.body)).toEqual([]);
    expect(await status(String(first.body.access_token))).toBe(200);

    const second = await postJson(tokenUrl(), { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, ...client() });
    expect(second.status).toBe(201);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    // Rotation: the previous access and refresh tokens are gone.
    expect(await status(String(first.body.access_token))).toBe(401);
    const reuse = await postJson(tokenUrl(), { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, ...client() });
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expect(await status(String(second.body.access_token))).toBe(200);
    // The profile's own token was consumed by the first exchange.
    expect((await postJson(tokenUrl(), { grant_type: 'refresh_token', refresh_token: sim.connection.values.refresh_token, ...client() })).status).toBe(400);
  });

  it('authorization_code: the pre-issued code works once; form bodies are accepted', async () => {
    const code = sim.credentials().authorization_code;
    expect(sim.credentials().authorization_code).toBe(code);
    const r = await postForm(tokenUrl(), { grant_type: 'authorization_code', code, redirect_uri: sim.credentials().redirect_uri, scope: 'read', ...client() });
    expect(r.status).toBe(201);
    expect(r.body.scope).toBe('read');
    expect((await postForm(tokenUrl(), { grant_type: 'authorization_code', code, ...client() })).status).toBe(400);
    // A used code is replaced in the credentials.
    expect(sim.credentials().authorization_code).not.toBe(code);
  });

  it('authorization codes expire after authCodeTtlSec', async () => {
    const code = sim.issueAuthorizationCode();
    clock.advance(121_000);
    expect((await postJson(tokenUrl(), { grant_type: 'authorization_code', code, ...client() })).body.error).toBe('invalid_grant');
  });

  it('client_credentials with Basic client auth; bad client is 401 invalid_client', async () => {
    const c = client();
    const res = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}` },
      body: JSON.stringify({ grant_type: 'client_credentials', scope: 'organizations:write read' }),
    });
    expect(res.status).toBe(201);
    const bad = await postJson(tokenUrl(), { grant_type: 'client_credentials', client_id: c.client_id, client_secret: 'x' });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
  });

  it('enforces the documented expires_in bounds and honours a valid one', async () => {
    const tooShort = await postJson(tokenUrl(), { grant_type: 'client_credentials', expires_in: 200, ...client() });
    expect(tooShort.status).toBe(400);
    const ok = await postJson(tokenUrl(), { grant_type: 'client_credentials', expires_in: 600, refresh_token_expires_in: 700_000, ...client() });
    expect(ok.body).toMatchObject({ expires_in: 600, refresh_token_expires_in: 700_000 });
  });
});

describe('Zendesk API authentication', () => {
  it('401 body for missing or wrong credentials', async () => {
    const res = await fetch(`${sim.url}/api/v2/organizations.json`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Couldn't authenticate you" });
    const basicWrong = await fetch(`${sim.url}/api/v2/organizations.json`, { headers: { authorization: `Basic ${Buffer.from(`${sim.credentials().email}/token:wrong`).toString('base64')}` } });
    expect(basicWrong.status).toBe(401);
  });

  it('accepts API-token Basic auth unless apiTokensEnabled=false', async () => {
    expect((await zendeskClient(sim).get('/api/v2/organizations')).status).toBe(200);
    sim.setKnobs({ apiTokensEnabled: false });
    expect((await zendeskClient(sim).get('/api/v2/organizations')).status).toBe(401);
    sim.setKnobs({ apiTokensEnabled: true });
  });

  it('access tokens expire with the clock; expireTokens() kills them at once but refresh still works', async () => {
    const t = await postJson(tokenUrl(), { grant_type: 'client_credentials', ...client() });
    expect(await status(String(t.body.access_token))).toBe(200);
    clock.advance(7200_000);
    expect(await status(String(t.body.access_token))).toBe(401);

    const u = await postJson(tokenUrl(), { grant_type: 'client_credentials', ...client() });
    sim.expireTokens();
    expect(await status(String(u.body.access_token))).toBe(401);
    const refreshed = await postJson(tokenUrl(), { grant_type: 'refresh_token', refresh_token: u.body.refresh_token, ...client() });
    expect(refreshed.status).toBe(201);
    expect(await status(String(refreshed.body.access_token))).toBe(200);

    sim.expireTokens({ includeRefresh: true });
    expect((await postJson(tokenUrl(), { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token, ...client() })).status).toBe(400);
  });
});
