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
    const first = await postJson(tokenUrl(), {
      grant_type: 'refresh_token',
      refresh_token: sim.connection.values.refresh_token,
      ...client(),
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      scope: 'read write',
      refresh_token: expect.any(String),
      // No expires_in asked for: the documented default is null, a token that never expires.
      expires_in: null,
      refresh_token_expires_in: 2_592_000,
    });
    // The spec types expires_in as an integer yet documents its default as null; the rest is checked.
    const { expires_in: _never, ...rest } = first.body;
    expect(zendeskValidator()('OAuthTokenForGrantTypesObject', rest)).toEqual([]);
    expect(await status(String(first.body.access_token))).toBe(200);

    const second = await postJson(tokenUrl(), {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      ...client(),
    });
    expect(second.status).toBe(201);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    // Rotation: the previous access and refresh tokens are gone.
    expect(await status(String(first.body.access_token))).toBe(401);
    const reuse = await postJson(tokenUrl(), {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      ...client(),
    });
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expect(await status(String(second.body.access_token))).toBe(200);
    // The profile's own token was consumed by the first exchange.
    expect(
      (
        await postJson(tokenUrl(), {
          grant_type: 'refresh_token',
          refresh_token: sim.connection.values.refresh_token,
          ...client(),
        })
      ).status,
    ).toBe(400);
  });

  it('authorization_code: the pre-issued code works once; form bodies are accepted', async () => {
    const code = sim.credentials().authorization_code;
    expect(sim.credentials().authorization_code).toBe(code);
    const r = await postForm(tokenUrl(), {
      grant_type: 'authorization_code',
      code,
      redirect_uri: sim.credentials().redirect_uri,
      scope: 'read',
      ...client(),
    });
    expect(r.status).toBe(201);
    expect(r.body.scope).toBe('read');
    expect((await postForm(tokenUrl(), { grant_type: 'authorization_code', code, ...client() })).status).toBe(400);
    // A used code is replaced in the credentials.
    expect(sim.credentials().authorization_code).not.toBe(code);
  });

  it('authorization codes expire after authCodeTtlSec', async () => {
    const code = sim.issueAuthorizationCode();
    clock.advance(121_000);
    expect((await postJson(tokenUrl(), { grant_type: 'authorization_code', code, ...client() })).body.error).toBe(
      'invalid_grant',
    );
  });

  it('client_credentials with Basic client auth, and no refresh token; bad client is 401 invalid_client', async () => {
    const c = client();
    const res = await fetch(tokenUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}`,
      },
      body: JSON.stringify({ grant_type: 'client_credentials', scope: 'organizations:write read' }),
    });
    expect(res.status).toBe(201);
    // The client asks again with its secret; there is nothing to refresh.
    expect(await res.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      scope: 'organizations:write read',
      expires_in: null,
    });
    const bad = await postJson(tokenUrl(), {
      grant_type: 'client_credentials',
      client_id: c.client_id,
      client_secret: 'x',
    });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
  });

  it('enforces the documented expires_in bounds and honours a valid one', async () => {
    const tooShort = await postJson(tokenUrl(), { grant_type: 'client_credentials', expires_in: 200, ...client() });
    expect(tooShort.status).toBe(400);
    const ok = await postJson(tokenUrl(), { grant_type: 'client_credentials', expires_in: 600, ...client() });
    expect(ok.body).toMatchObject({ expires_in: 600 });
    const code = sim.credentials().authorization_code;
    const both = await postJson(tokenUrl(), {
      grant_type: 'authorization_code',
      code,
      expires_in: 600,
      refresh_token_expires_in: 700_000,
      ...client(),
    });
    expect(both.body).toMatchObject({ expires_in: 600, refresh_token_expires_in: 700_000 });
    const refreshTooShort = await postJson(tokenUrl(), {
      grant_type: 'client_credentials',
      refresh_token_expires_in: 600_000,
      ...client(),
    });
    expect(refreshTooShort.status).toBe(400);
  });
});

describe('Zendesk API authentication', () => {
  it('401 body for missing or wrong credentials', async () => {
    const res = await fetch(`${sim.url}/api/v2/organizations.json`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Couldn't authenticate you" });
    const basicWrong = await fetch(`${sim.url}/api/v2/organizations.json`, {
      headers: { authorization: `Basic ${Buffer.from(`${sim.credentials().email}/token:wrong`).toString('base64')}` },
    });
    expect(basicWrong.status).toBe(401);
  });

  it('accepts API-token Basic auth unless apiTokensEnabled=false', async () => {
    expect((await zendeskClient(sim).get('/api/v2/organizations')).status).toBe(200);
    sim.setKnobs({ apiTokensEnabled: false });
    expect((await zendeskClient(sim).get('/api/v2/organizations')).status).toBe(401);
    sim.setKnobs({ apiTokensEnabled: true });
  });

  it('access tokens expire with the clock; expireTokens() kills them at once but refresh still works', async () => {
    const t = await postJson(tokenUrl(), { grant_type: 'client_credentials', expires_in: 7200, ...client() });
    expect(await status(String(t.body.access_token))).toBe(200);
    clock.advance(7200_000);
    expect(await status(String(t.body.access_token))).toBe(401);

    const u = await postJson(tokenUrl(), {
      grant_type: 'authorization_code',
      code: sim.credentials().authorization_code,
      ...client(),
    });
    sim.expireTokens();
    expect(await status(String(u.body.access_token))).toBe(401);
    const refreshed = await postJson(tokenUrl(), {
      grant_type: 'refresh_token',
      refresh_token: u.body.refresh_token,
      ...client(),
    });
    expect(refreshed.status).toBe(201);
    expect(await status(String(refreshed.body.access_token))).toBe(200);

    sim.expireTokens({ includeRefresh: true });
    expect(
      (
        await postJson(tokenUrl(), {
          grant_type: 'refresh_token',
          refresh_token: refreshed.body.refresh_token,
          ...client(),
        })
      ).status,
    ).toBe(400);
  });

  it('a token asked for without expires_in never expires (the documented default is null, not 7200 s)', async () => {
    const t = await postJson(tokenUrl(), { grant_type: 'client_credentials', ...client() });
    expect(t.body.expires_in).toBeNull();
    clock.advance(30 * 86_400_000);
    expect(await status(String(t.body.access_token))).toBe(200);
    // The knob sets a lifetime for tests that need tokens to run out.
    sim.setKnobs({ accessTokenTtlSec: 600 });
    const short = await postJson(tokenUrl(), { grant_type: 'client_credentials', ...client() });
    expect(short.body.expires_in).toBe(600);
    clock.advance(600_000);
    expect(await status(String(short.body.access_token))).toBe(401);
    sim.setKnobs({ accessTokenTtlSec: null });
  });
});

describe('Zendesk OAuth scopes', () => {
  const tokenWith = async (scope: unknown) =>
    String((await postJson(tokenUrl(), { grant_type: 'client_credentials', scope, ...client() })).body.access_token);
  const write = (bearer: string) =>
    zendeskClient(sim, bearer).post('/api/v2/organizations', { organization: { name: `Scoped ${Math.random()}` } });

  it('a read-only token reads but every write is 403 Forbidden', async () => {
    const read = await tokenWith('read');
    expect(await status(read)).toBe(200);
    const r = await write(read);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: 'Forbidden', description: expect.stringContaining('POST') });
    const bulk = await zendeskClient(sim, read).put('/api/v2/organizations/update_many', {
      organizations: [{ id: 1, notes: 'x' }],
    });
    expect(bulk.status).toBe(403);
    expect((await zendeskClient(sim, read).delete('/api/v2/organizations/1')).status).toBe(403);
  });

  it('resource scopes: organizations:write read writes organizations only; tickets:read reads tickets only', async () => {
    const orgWriter = await tokenWith('organizations:write read');
    expect((await write(orgWriter)).status).toBe(201);
    expect(
      (
        await zendeskClient(sim, orgWriter).post('/api/v2/tickets', {
          ticket: { subject: 's', comment: { body: 'b' } },
        })
      ).status,
    ).toBe(403);
    const ticketsOnly = await tokenWith('tickets:read');
    expect((await zendeskClient(sim, ticketsOnly).get('/api/v2/tickets')).status).toBe(200);
    expect(await status(ticketsOnly)).toBe(403);
  });

  it('a token issued for a malformed scope (an array) is Forbidden everywhere, as documented', async () => {
    const bad = await tokenWith(['read', 'write']);
    expect(await status(bad)).toBe(403);
  });
});
