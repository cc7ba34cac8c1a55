import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import { VismaSimulator } from '../../sandbox/visma/index.js';
import { vismaGet, vismaToken } from './helpers/visma-client.js';
import { postForm } from './helpers/zendesk-client.js';

const clock = manualClock('2026-01-10T08:00:00Z');
let sim: VismaSimulator;

beforeAll(async () => {
  sim = await new VismaSimulator({ seed: 3, size: 20, clock: clock.now }).start();
});
afterAll(() => sim.stop());

describe('Visma Connect token endpoint', () => {
  it('issues a bearer token for client_credentials (form-encoded)', async () => {
    const c = sim.connection;
    const r = await postForm(c.token_url!, {
      grant_type: 'client_credentials',
      client_id: c.values.client_id,
      client_secret: c.values.client_secret,
      tenant_id: c.values.tenant_id,
      scope: 'vismanet_erp_service_api:read',
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'vismanet_erp_service_api:read',
    });
  });

  it('rejects a wrong secret with 400 invalid_client, a missing tenant with invalid_request', async () => {
    const c = sim.connection.values;
    const bad = await postForm(sim.connection.token_url!, {
      grant_type: 'client_credentials',
      client_id: c.client_id,
      client_secret: 'nope',
      tenant_id: c.tenant_id,
    });
    expect(bad).toEqual({ status: 400, body: { error: 'invalid_client' } });
    const noTenant = await postForm(sim.connection.token_url!, {
      grant_type: 'client_credentials',
      client_id: c.client_id,
      client_secret: c.client_secret,
    });
    expect(noTenant.status).toBe(400);
    expect(noTenant.body.error).toBe('invalid_request');
    const grant = await postForm(sim.connection.token_url!, {
      grant_type: 'password',
      client_id: c.client_id,
      client_secret: c.client_secret,
      tenant_id: c.tenant_id,
    });
    expect(grant.body.error).toBe('unsupported_grant_type');
  });

  it('honours the expiresIn knob', async () => {
    sim.setKnobs({ expiresIn: 600 });
    const c = sim.connection.values;
    const r = await postForm(sim.connection.token_url!, {
      grant_type: 'client_credentials',
      client_id: c.client_id,
      client_secret: c.client_secret,
      tenant_id: c.tenant_id,
    });
    expect(r.body.expires_in).toBe(600);
    sim.setKnobs({ expiresIn: 3600 });
  });
});

describe('Visma API auth', () => {
  it('401 without a token or with a made-up one', async () => {
    const none = await fetch(`${sim.url}/v1/customer`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await vismaGet(sim, 'made-up', '/v1/customer')).status).toBe(401);
  });

  it('a token works until expires_in passes on the clock', async () => {
    const token = await vismaToken(sim);
    expect((await vismaGet(sim, token, '/v1/customer')).status).toBe(200);
    clock.advance(3599_000);
    expect((await vismaGet(sim, token, '/v1/customer')).status).toBe(200);
    clock.advance(1_000);
    expect((await vismaGet(sim, token, '/v1/customer')).status).toBe(401);
  });

  it('expireTokens() invalidates every issued token at once', async () => {
    const a = await vismaToken(sim);
    const b = await vismaToken(sim);
    sim.expireTokens();
    expect((await vismaGet(sim, a, '/v1/customer')).status).toBe(401);
    expect((await vismaGet(sim, b, '/v1/customer')).status).toBe(401);
    expect((await vismaGet(sim, await vismaToken(sim), '/v1/customer')).status).toBe(200);
  });

  it('a token for another tenant (the customer tenant) is issued but gets 401 on the API', async () => {
    const token = await vismaToken(sim, { tenant_id: '00000000-0000-4000-a000-000000000000' });
    const r = await vismaGet<{ statusCode: number; message: string }>(sim, token, '/v1/customer');
    expect(r.status).toBe(401);
    expect(r.body.statusCode).toBe(401);
  });

  it('ignores ipp-company-id by default and can require it', async () => {
    const token = await vismaToken(sim);
    expect((await vismaGet(sim, token, '/v1/customer')).status).toBe(200);
    sim.setKnobs({ requireCompanyHeader: true });
    try {
      expect((await vismaGet(sim, token, '/v1/customer')).status).toBe(401);
      const ok = await fetch(`${sim.url}/v1/customer`, {
        headers: { authorization: `Bearer ${token}`, 'ipp-company-id': sim.connection.values.company_id },
      });
      expect(ok.status).toBe(200);
      const wrong = await fetch(`${sim.url}/v1/customer`, {
        headers: { authorization: `Bearer ${token}`, 'ipp-company-id': '1' },
      });
      expect(wrong.status).toBe(401);
    } finally {
      sim.setKnobs({ requireCompanyHeader: false });
    }
  });

  it('credentials are stable for a seed', () => {
    const again = new VismaSimulator({ seed: 3, size: 1 });
    expect(again.credentials()).toEqual(sim.credentials());
    expect(new VismaSimulator({ seed: 4, size: 1 }).credentials().client_secret).not.toBe(
      sim.credentials().client_secret,
    );
  });
});
