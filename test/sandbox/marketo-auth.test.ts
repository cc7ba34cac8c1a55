import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import type { MarketoSimulator } from '../../sandbox/marketo/index.js';
import { identity, marketoClient, startMarketo, token } from './helpers/marketo-client.js';

let sim: MarketoSimulator | undefined;
afterEach(() => sim?.stop());

describe('Marketo identity (targets.md 3.1)', () => {
  it('issues a bearer token for client credentials in the query, by GET and by POST', async () => {
    sim = await startMarketo();
    const r = await identity(sim);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      access_token: expect.stringMatching(/^[0-9a-f-]{36}:\w+$/),
      token_type: 'bearer',
      expires_in: 3600,
      scope: expect.any(String),
    });
    const p = await identity(sim, {}, 'POST');
    expect(p.body.access_token).toBe(r.body.access_token);
  });

  it('returns the same token with its remaining lifespan until it expires, then a new one', async () => {
    const clock = manualClock('2026-12-01T10:00:00Z');
    sim = await startMarketo({ clock: clock.now });
    const first = await identity(sim);
    clock.advance(1_000_500);
    const again = await identity(sim);
    expect(again.body.access_token).toBe(first.body.access_token);
    expect(again.body.expires_in).toBe(2599);
    clock.advance(2_600_000);
    const next = await identity(sim);
    expect(next.body.access_token).not.toBe(first.body.access_token);
    expect(next.body.expires_in).toBe(3600);
  });

  it('answers bad client credentials with HTTP 401 and an unknown grant with 400', async () => {
    sim = await startMarketo();
    expect((await identity(sim, { client_secret: 'nope' })).status).toBe(401);
    expect((await identity(sim, { grant_type: 'password' })).status).toBe(400);
  });

  it('reads credentials from a form body too (knob identityBodyCredentials)', async () => {
    sim = await startMarketo();
    const c = sim.credentials();
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.client_id,
      client_secret: c.client_secret,
    });
    const res = await fetch(`${sim.url}/identity/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(res.status).toBe(200);
    sim.setKnobs({ identityBodyCredentials: false });
    const refused = await fetch(`${sim.url}/identity/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(refused.status).toBe(400);
  });
});

describe('Marketo REST authentication errors arrive as HTTP 200 envelopes', () => {
  it('601 without a token or with an unknown one', async () => {
    sim = await startMarketo();
    const none = await fetch(`${sim.url}/rest/v1/companies/describe.json`);
    expect(none.status).toBe(200);
    expect(await none.json()).toMatchObject({
      success: false,
      errors: [{ code: '601', message: 'Access token invalid' }],
      requestId: expect.stringMatching(/^[0-9a-f]{4}#[0-9a-f]+$/),
    });
    const bad = await marketoClient(sim, 'not-a-token').get('/rest/v1/companies/describe.json');
    expect(bad).toMatchObject({ status: 200, body: { success: false, errors: [{ code: '601' }] } });
  });

  it('602 once the token has expired; Identity then issues a new token that works', async () => {
    const clock = manualClock('2026-12-01T10:00:00Z');
    sim = await startMarketo({ clock: clock.now });
    const old = await token(sim);
    const mk = marketoClient(sim, old);
    expect((await mk.get('/rest/v1/companies/describe.json')).body.success).toBe(true);
    clock.advance(3_600_000);
    expect((await mk.get('/rest/v1/companies/describe.json')).body).toMatchObject({
      success: false,
      errors: [{ code: '602', message: 'Access token expired' }],
    });
    const fresh = await token(sim);
    expect(fresh).not.toBe(old);
    mk.setToken(fresh);
    expect((await mk.get('/rest/v1/companies/describe.json')).body.success).toBe(true);
  });

  it('expireTokens() makes the current token answer 602 at once', async () => {
    sim = await startMarketo();
    const mk = marketoClient(sim);
    expect((await mk.get('/rest/v1/companies/describe.json')).body.success).toBe(true);
    sim.expireTokens();
    expect((await mk.get('/rest/v1/companies/describe.json')).body.errors?.[0].code).toBe('602');
  });

  it('refuses the access_token query parameter (601) unless the knob accepts it', async () => {
    sim = await startMarketo();
    const t = await token(sim);
    const viaQuery = () => fetch(`${sim!.url}/rest/v1/companies/describe.json?access_token=${t}`).then((r) => r.json());
    expect(await viaQuery()).toMatchObject({ success: false, errors: [{ code: '601' }] });
    sim.setKnobs({ accessTokenQuery: 'accept' });
    expect(await viaQuery()).toMatchObject({ success: true });
  });

  it('does not count 601/602 answers or Identity calls towards the quota', async () => {
    sim = await startMarketo({ knobs: { limitsEnabled: true } });
    await marketoClient(sim, 'bad').get('/rest/v1/companies/describe.json');
    await identity(sim);
    expect(sim.usageView()).toMatchObject({ quotaUsed: 0, windowCalls: 0, errorCodes: { '601': 1 } });
  });
});
