// Every auth strategy of engine/auth against nock (or a loopback server for cookies): what goes on
// the wire, token reuse and single flight, refresh, 401 handling, rotation ordering, redaction.
import nock from 'nock';
import { afterAll, describe, expect, it } from 'vitest';
import type { Auth, Oauth2ClientCredentialsAuth } from '../../engine/config/types.generated.js';
import { closeDefaultDispatcher, HttpError } from '../../engine/http/client.js';
import { openConnection } from '../../engine/runtime/connection.js';
import { SecretBox } from '../../engine/store/crypto.js';
import { openState } from '../../engine/store/open.js';
import { connectionSecrets } from '../../engine/store/token-store.js';
import {
  API,
  delay,
  fakeClock,
  json,
  localServer,
  memoryTokens,
  parseBody,
  removeTempDirs,
  shippedConnector,
  tempDir,
  useNock,
  withAuth,
} from './helpers.js';

useNock();
afterAll(() => closeDefaultDispatcher());

const visma = () => shippedConnector('visma');
const VISMA_VARS = {
  client_id: 'visma-cid',
  client_secret: 'visma-secret-value',
  tenant_id: 'tenant-42',
  scope: 'vismanet_erp_service_api:read',
};

/** Token endpoint of Visma Connect that hands out tok-1, tok-2, ... and records each request body. */
function vismaTokens(o: { expiresIn?: number } = {}) {
  const bodies: Record<string, unknown>[] = [];
  const scope = nock('https://connect.visma.com')
    .post('/connect/token')
    .times(10)
    .reply(function (_uri, body) {
      bodies.push({ ...parseBody(body), 'content-type': this.req.headers['content-type'] });
      return [200, { access_token: `tok-${bodies.length}`, token_type: 'Bearer', expires_in: o.expiresIn ?? 3600 }];
    });
  return { bodies, scope };
}

describe('oauth2_client_credentials (Visma Connect)', () => {
  it('posts a form body with grant type, client pair, scope and tenant_id, then sends the token as Bearer', async () => {
    const t = vismaTokens();
    const { client } = withAuth(visma().auth, { vars: VISMA_VARS });
    nock(API).get('/v1/customer').matchHeader('authorization', 'Bearer tok-1').reply(200, []);
    const res = await client.request({ url: `${API}/v1/customer` });
    expect(res.status).toBe(200);
    expect(t.bodies).toEqual([
      {
        grant_type: 'client_credentials',
        client_id: 'visma-cid',
        client_secret: 'visma-secret-value',
        scope: 'vismanet_erp_service_api:read',
        tenant_id: 'tenant-42',
        'content-type': 'application/x-www-form-urlencoded',
      },
    ]);
  });

  it('reuses one token across sequential requests', async () => {
    const t = vismaTokens();
    const { client } = withAuth(visma().auth, { vars: VISMA_VARS });
    nock(API).get('/v1/customer').times(3).matchHeader('authorization', 'Bearer tok-1').reply(200, []);
    for (let i = 0; i < 3; i++) await client.request({ url: `${API}/v1/customer` });
    expect(t.bodies).toHaveLength(1);
  });

  it('concurrent requests share ONE token request (single flight)', async () => {
    let calls = 0;
    nock('https://connect.visma.com')
      .post('/connect/token')
      .times(5)
      .delay(20)
      .reply(() => {
        calls++;
        return [200, { access_token: `tok-${calls}`, expires_in: 3600 }];
      });
    const { client } = withAuth(visma().auth, { vars: VISMA_VARS });
    nock(API).get('/v1/customer').times(8).matchHeader('authorization', 'Bearer tok-1').reply(200, []);
    const all = await Promise.all(Array.from({ length: 8 }, () => client.request({ url: `${API}/v1/customer` })));
    expect(all.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(calls).toBe(1);
  });

  it('refreshes refresh_before (default 60 s) ahead of expiry, not earlier', async () => {
    const t = vismaTokens({ expiresIn: 600 });
    const clock = fakeClock();
    const { client } = withAuth(visma().auth, { vars: VISMA_VARS, clock });
    const seen: string[] = [];
    nock(API)
      .get('/v1/customer')
      .times(3)
      .reply(function () {
        seen.push(this.req.headers.authorization);
        return [200, []];
      });
    await client.request({ url: `${API}/v1/customer` });
    clock.advance(539_000); // 61 s left: still good
    await client.request({ url: `${API}/v1/customer` });
    clock.advance(2_000); // 59 s left: inside refresh_before
    await client.request({ url: `${API}/v1/customer` });
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    expect(t.bodies).toHaveLength(2);
  });

  it('a short-lived token is used for most of its life: refreshed min(refresh_before, 10% of its lifetime) ahead', async () => {
    // Issue 11 section 3: with 20 s tokens and refresh_before 60 s, every call asked for a new token.
    const fetchedAt: number[] = [];
    const clock = fakeClock();
    nock('https://connect.visma.com')
      .post('/connect/token')
      .times(200)
      .reply(() => {
        fetchedAt.push(clock.now());
        return [200, { access_token: `tok-${fetchedAt.length}`, expires_in: 20 }];
      });
    const { client } = withAuth(visma().auth, { vars: VISMA_VARS, clock });
    nock(API).get('/v1/customer').times(157).reply(200, []);
    const start = clock.now();
    for (let i = 0; i < 157; i++) {
      await client.request({ url: `${API}/v1/customer` });
      clock.advance(500);
    }
    // 78.5 s of calls, each token used for 18 s (refreshed 2 s, 10% of 20 s, before it expires).
    expect(fetchedAt.map((t) => (t - start) / 1000)).toEqual([0, 18, 36, 54, 72]);
  });

  it('a saved short-lived token is refreshed a tenth of its remaining life ahead, not refresh_before', async () => {
    const clock = fakeClock();
    const tokens = memoryTokens({ access_token: { value: 'saved-tok', expiresAt: clock.now() + 20_000 } });
    const t = vismaTokens({ expiresIn: 20 });
    const { client } = withAuth(visma().auth, { vars: VISMA_VARS, clock, tokens });
    const seen: string[] = [];
    nock(API)
      .get('/v1/customer')
      .times(2)
      .reply(function () {
        seen.push(this.req.headers.authorization);
        return [200, []];
      });
    await client.request({ url: `${API}/v1/customer` });
    clock.advance(18_000);
    await client.request({ url: `${API}/v1/customer` });
    expect(seen).toEqual(['Bearer saved-tok', 'Bearer tok-1']);
    expect(t.bodies).toHaveLength(1);
  });

  it('a 401 invalidates the token, fetches one new token and retries the call', async () => {
    const t = vismaTokens();
    const { client, tokens } = withAuth(visma().auth, { vars: VISMA_VARS });
    nock(API).get('/v1/customer').matchHeader('authorization', 'Bearer tok-1').reply(401, { message: 'expired' });
    nock(API)
      .get('/v1/customer')
      .matchHeader('authorization', 'Bearer tok-2')
      .reply(200, [{ number: '1' }]);
    const res = await client.request({ url: `${API}/v1/customer` });
    expect(res.body).toEqual([{ number: '1' }]);
    expect(t.bodies).toHaveLength(2);
    expect(tokens.log).toContain('delete access_token');
    expect(tokens.data.get('access_token')?.value).toBe('tok-2');
  });

  it('a second 401 stops the run: HttpError with scope "run"', async () => {
    const t = vismaTokens();
    const { client } = withAuth(visma().auth, { vars: VISMA_VARS, connector: { errors: visma().errors } });
    nock(API).get('/v1/customer').times(2).reply(401, { message: 'Authorization has been denied' });
    const err = await client.request({ url: `${API}/v1/customer` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).scope).toBe('run');
    expect((err as HttpError).status).toBe(401);
    // The connector's own message for 401 reaches the user.
    expect((err as HttpError).message).toContain('check that tenant_id is the company tenant');
    expect(t.bodies).toHaveLength(2);
  });

  it('a saved access token that is still valid is used without a token request', async () => {
    const clock = fakeClock();
    const tokens = memoryTokens({ access_token: { value: 'saved-tok', expiresAt: clock.now() + 3_600_000 } });
    const { client } = withAuth(visma().auth, { vars: VISMA_VARS, clock, tokens });
    nock(API).get('/v1/customer').matchHeader('authorization', 'Bearer saved-tok').reply(200, []);
    await client.request({ url: `${API}/v1/customer` });
    expect(nock.isDone()).toBe(true);
  });
});

describe('refresh-token grants with rotation', () => {
  const QB_VARS = { realm_id: '9130', client_id: 'qb-cid', client_secret: 'qb-secret', refresh_token: 'rt-0' };

  it('QuickBooks (oauth2_refresh_token, client_auth basic): client pair as HTTP Basic, rotated token stored BEFORE the API sees the new access token', async () => {
    const spec = shippedConnector('quickbooks').auth;
    const clock = fakeClock();
    const { client, tokens } = withAuth(spec, { vars: QB_VARS, clock });
    const tokenCalls: { body: Record<string, unknown>; authorization?: string }[] = [];
    nock('https://oauth.platform.intuit.com')
      .post('/oauth2/v1/tokens/bearer')
      .times(2)
      .reply(function (_uri, body) {
        tokenCalls.push({ body: parseBody(body), authorization: this.req.headers.authorization });
        const n = tokenCalls.length;
        return [
          200,
          {
            access_token: `at-${n}`,
            refresh_token: `rt-${n}`,
            expires_in: 3600,
            x_refresh_token_expires_in: 8_726_400,
            token_type: 'bearer',
          },
        ];
      });
    const storeAtApiCall: (string | undefined)[] = [];
    nock(API)
      .get('/query')
      .times(2)
      .reply(function () {
        storeAtApiCall.push(
          `${this.req.headers.authorization} / stored refresh ${tokens.data.get('refresh_token')?.value}`,
        );
        return [200, { QueryResponse: {} }];
      });

    await client.request({ url: `${API}/query` });
    expect(tokenCalls[0].authorization).toBe(`Basic ${Buffer.from('qb-cid:qb-secret').toString('base64')}`);
    expect(tokenCalls[0].body).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-0' });
    expect(storeAtApiCall[0]).toBe('Bearer at-1 / stored refresh rt-1');
    // Persisted before the access token: a crash in between must not lose the only live refresh token.
    expect(tokens.log.indexOf('set refresh_token=rt-1')).toBeGreaterThanOrEqual(0);
    expect(tokens.log.indexOf('set refresh_token=rt-1')).toBeLessThan(tokens.log.indexOf('set access_token=at-1'));

    // After expiry the rotated token (not the connection's rt-0) is the one sent.
    clock.advance(3_600_000);
    await client.request({ url: `${API}/query` });
    expect(tokenCalls[1].body).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1' });
    expect(storeAtApiCall[1]).toBe('Bearer at-2 / stored refresh rt-2');
  });

  it('the rotated refresh token is on disk (encrypted state file) before the API call that uses the new access token', async () => {
    const dir = tempDir();
    const path = `${dir}/state.db`;
    const secrets = SecretBox.fromKey('a'.repeat(64));
    const state = await openState(path, { secrets });
    try {
      const connector = {
        ...shippedConnector('quickbooks'),
        base_url: API,
        retry: { min_delay: '1ms', max_delay: '2ms' },
      };
      const conn = openConnection({
        name: 'qb',
        connection: { connector: 'quickbooks', values: QB_VARS },
        connector,
        ...connectionSecrets(state, 'qb'),
        where: 'test',
      });
      nock('https://oauth.platform.intuit.com')
        .post('/oauth2/v1/tokens/bearer')
        .query(true)
        .reply(200, { access_token: 'at-disk', refresh_token: 'rt-disk', expires_in: 3600 });
      let onDisk: string | undefined;
      nock(API)
        .get('/query')
        .query(true)
        .reply(async () => {
          // A second reader of the file sees only what was persisted.
          const reader = await openState(path, { secrets, lock: false });
          try {
            onDisk = (await reader.tokens.get('qb', 'refresh_token'))?.value;
          } finally {
            await reader.abandon();
          }
          return [200, {}];
        });
      await conn.client.request({ url: `${API}/query` });
      expect(onDisk).toBe('rt-disk');
    } finally {
      await state.abandon();
      removeTempDirs();
    }
  });

  it('Zendesk (oauth2_authorization_code, body_format json): JSON token body with the client pair, rotation kept', async () => {
    const spec = shippedConnector('zendesk').auth;
    const { client, tokens } = withAuth(spec, {
      vars: { subdomain: 'acme', client_id: 'zd-cid', client_secret: 'zd-secret', refresh_token: 'zd-rt-0' },
    });
    let seen: { body: unknown; type?: string } | undefined;
    nock('https://acme.zendesk.com')
      .post('/oauth/tokens')
      .reply(function (_uri, body) {
        seen = { body: parseBody(body), type: this.req.headers['content-type'] };
        return [201, { access_token: 'zd-at-1', refresh_token: 'zd-rt-1', token_type: 'bearer', expires_in: 7200 }];
      });
    nock(API).get('/organizations').matchHeader('authorization', 'Bearer zd-at-1').reply(200, { organizations: [] });
    await client.request({ url: `${API}/organizations` });
    expect(seen?.type).toBe('application/json');
    expect(seen?.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'zd-rt-0',
      client_id: 'zd-cid',
      client_secret: 'zd-secret',
    });
    expect(tokens.data.get('refresh_token')?.value).toBe('zd-rt-1');
  });

  it('authorization_code without any refresh token fails the run with a clear message and no request', async () => {
    const spec = shippedConnector('zendesk').auth;
    const { client } = withAuth(spec, { vars: { subdomain: 'acme', client_id: 'zd-cid', client_secret: 'zd-secret' } });
    const err = await client.request({ url: `${API}/organizations` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).scope).toBe('run');
    expect((err as HttpError).message).toMatch(/has no refresh token: authorize it first/);
  });

  it('invalid_grant: a run-scoped error that explains what to do and contains no secret', async () => {
    const state = await openState(null, { secrets: SecretBox.fromKey('k'.repeat(64)) });
    try {
      const connector = {
        ...shippedConnector('zendesk'),
        base_url: API,
        retry: { min_delay: '1ms', max_delay: '2ms' },
      };
      const conn = openConnection({
        name: 'zendesk',
        connection: {
          connector: 'zendesk',
          values: {
            subdomain: 'acme',
            client_id: 'zd-cid',
            client_secret: 'ZD-CLIENT-SECRET-123',
            refresh_token: 'ZD-REFRESH-TOKEN-456',
          },
        },
        connector,
        ...connectionSecrets(state, 'zendesk'),
        where: 'test',
      });
      // A token endpoint that echoes what it got (some do, in error_description).
      nock('https://acme.zendesk.com').post('/oauth/tokens').times(10).reply(400, {
        error: 'invalid_grant',
        error_description: 'refresh token ZD-REFRESH-TOKEN-456 for client ZD-CLIENT-SECRET-123 is revoked',
      });
      const err = await conn.client.request({ url: `${API}/organizations` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      const e = err as HttpError;
      expect(e.scope).toBe('run');
      expect(e.status).toBe(400);
      expect(e.message).toContain('token request (refresh_token) failed');
      expect(e.message).toContain('authorize the connection again');
      expect(e.message).toContain('invalid_grant');
      expect(e.message).not.toContain('ZD-REFRESH-TOKEN-456');
      expect(e.message).not.toContain('ZD-CLIENT-SECRET-123');
    } finally {
      await state.abandon();
    }
  });

  it('a token endpoint that cannot be reached is a network error: URL once, no "authorize again", no secret, refresh token kept', async () => {
    const clock = fakeClock();
    const tokens = memoryTokens({
      refresh_token: { value: 'ZD-ROTATED-RT-789' },
      refresh_token_origin: { value: 'ZD-REFRESH-TOKEN-456' },
    });
    const spec = shippedConnector('zendesk').auth;
    const { client } = withAuth(spec, {
      clock,
      tokens,
      vars: {
        subdomain: 'acme',
        client_id: 'zd-cid',
        client_secret: 'ZD-CLIENT-SECRET-123',
        refresh_token: 'ZD-REFRESH-TOKEN-456',
      },
    });
    client.redactor.add('ZD-CLIENT-SECRET-123');
    nock('https://acme.zendesk.com')
      .post('/oauth/tokens')
      .times(20)
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }));
    const err = (await client.request({ url: `${API}/organizations` }).catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.scope).toBe('run');
    expect(err.message).toMatch(/network error/);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message.split('https://acme.zendesk.com/oauth/tokens')).toHaveLength(2);
    expect(err.message).not.toMatch(/rejected|authorize the connection again|check the client id/);
    expect(err.message).not.toContain('ZD-ROTATED-RT-789');
    expect(err.message).not.toContain('ZD-CLIENT-SECRET-123');
    expect(tokens.data.get('refresh_token')?.value).toBe('ZD-ROTATED-RT-789');
  });

  // Regression (was a bug): engine/http/client.ts request() runs auth.apply() inside the p-retry loop (via once()),
  // so a run-scoped HttpError from a failed token request (invalid_grant, a wrong password, a refused sign-in) is
  // treated like a transient fault and retried `retry.attempts` times with backoff: 7 token requests by default. For
  // password grants and cookie sign-ins this risks locking the API user out, and it delays the run error by the whole
  // backoff.
  it('a rejected token request is made once, not retried by the API call that needed the token', async () => {
    const spec = shippedConnector('zendesk').auth;
    const { client } = withAuth(spec, {
      vars: { subdomain: 'acme', client_id: 'c', client_secret: 's', refresh_token: 'rt' },
    });
    let calls = 0;
    nock('https://acme.zendesk.com')
      .post('/oauth/tokens')
      .times(10)
      .reply(() => {
        calls++;
        return [400, { error: 'invalid_grant' }];
      });
    await expect(client.request({ url: `${API}/organizations` })).rejects.toMatchObject({ scope: 'run' });
    expect(calls).toBe(1);
  });

  // Regression (was a bug): engine/http/client.ts once() merges the connector's default API headers and query
  // (ClientOptions.headers / .query, "on every API request") into token requests too (auth: false). QuickBooks'
  // minorversion=75 goes to Intuit's OAuth server and the Accept header is sent twice ("application/json,
  // application/json"); a connector whose default header carries a key (a gateway subscription key) would hand that
  // key to the identity provider's host.
  it("token requests do not carry the connector's default API query parameters", async () => {
    const state = await openState(null, { secrets: SecretBox.fromKey('q'.repeat(64)) });
    try {
      const connector = {
        ...shippedConnector('quickbooks'),
        base_url: API,
        retry: { min_delay: '1ms', max_delay: '2ms' },
      };
      const conn = openConnection({
        name: 'qb',
        connection: { connector: 'quickbooks', values: QB_VARS },
        connector,
        ...connectionSecrets(state, 'qb'),
        where: 'test',
      });
      let tokenQuery = '';
      nock('https://oauth.platform.intuit.com')
        .post('/oauth2/v1/tokens/bearer')
        .query(true)
        .reply((uri) => {
          tokenQuery = new URL(uri, 'https://x').search;
          return [200, { access_token: 'a', refresh_token: 'r', expires_in: 3600 }];
        });
      nock(API).get('/query').query({ minorversion: '75' }).reply(200, {});
      await conn.client.request({ url: `${API}/query` });
      expect(tokenQuery).toBe('');
    } finally {
      await state.abandon();
    }
  });

  // Regression (was a bug): engine/auth/oauth2.ts refreshToken() always prefers the token store's rotated refresh
  // token over the connection's refresh_token value, and nothing ever deletes a rejected one. After invalid_grant the
  // error tells the user to "authorize the connection again and store the new refresh token", but the next run still
  // sends the dead stored token, so following the advice cannot recover the connection (only deleting the state's
  // tokens row can).
  it('after invalid_grant on a stored rotated token, the next run uses the re-authorized refresh_token of the connection', async () => {
    const spec = shippedConnector('quickbooks').auth;
    // The stored chain grew from the connection's original refresh token.
    const tokens = memoryTokens({
      refresh_token: { value: 'rt-dead' },
      refresh_token_origin: { value: 'rt-original' },
    });
    const vars = { realm_id: '1', client_id: 'cid', client_secret: 'cs', refresh_token: 'rt-original' };
    const sent: unknown[] = [];
    nock('https://oauth.platform.intuit.com')
      .post('/oauth2/v1/tokens/bearer')
      .times(20)
      .reply((_uri, body) => {
        const b = parseBody(body);
        sent.push(b.refresh_token);
        return b.refresh_token === 'rt-reauthorized'
          ? [200, { access_token: 'at-ok', refresh_token: 'rt-next', expires_in: 3600 }]
          : [400, { error: 'invalid_grant' }];
      });
    const first = withAuth(spec, { vars, tokens });
    await expect(first.client.request({ url: `${API}/query` })).rejects.toMatchObject({
      scope: 'run',
      message: expect.stringContaining('invalid_grant'),
    });
    expect(new Set(sent)).toEqual(new Set(['rt-dead']));
    // The user followed the advice and set a new refresh_token; this is the next run.
    sent.length = 0;
    nock(API).get('/query').reply(200, {});
    const second = withAuth(spec, { vars: { ...vars, refresh_token: 'rt-reauthorized' }, tokens });
    const res = await second.client.request({ url: `${API}/query` }).catch((e: unknown) => e);
    expect(sent[0]).toBe('rt-reauthorized');
    expect((res as { status?: number }).status).toBe(200);
  });
});

describe('concurrent 401s with a rotating token endpoint (Zendesk revokes the previous pair on refresh)', () => {
  // Regression (was a bug): engine/auth/oauth2.ts invalidate() (called by engine/http/client.ts on every 401) drops
  // whatever token is current, not the token the rejected request carried. A slow request that was sent with the old
  // token and gets its 401 after another request already refreshed discards the brand-new token and refreshes again;
  // with rotation that revokes the token the first request is retrying with, which then gets its second 401 and fails
  // the whole run.
  it('a late 401 for an already replaced token does not throw the new token away', async () => {
    // The server orders the story itself (no timing luck): A and B are both sent with the revoked tok-0; A's 401
    // comes first and A refreshes (tok-1); B's 401 is answered only once A's retry with tok-1 has arrived; A's retry is
    // answered once a newer token was issued (or after 300 ms if none is).
    let current = 'revoked-server-side';
    let n = 0;
    const arrived: string[] = [];
    const log: string[] = [];
    const until = async (cond: () => boolean, ms = 2000) => {
      for (const end = Date.now() + ms; !cond() && Date.now() < end;) await delay(2);
    };
    const srv = await localServer(async (req, res) => {
      if (req.url === '/oauth/tokens') {
        current = `tok-${++n}`; // rotation: every earlier access token stops working
        log.push(`issue ${current}`);
        json(res, 201, { access_token: current, refresh_token: `rt-${n}`, expires_in: 7200 });
        return;
      }
      const sent = String(req.headers.authorization).slice('Bearer '.length);
      arrived.push(sent);
      const seen = (t: string) => arrived.filter((x) => x === t).length;
      if (sent === 'tok-0' && seen('tok-0') === 1) await until(() => seen('tok-0') >= 2);
      else if (sent === 'tok-0') await until(() => seen('tok-1') >= 1);
      else if (sent === 'tok-1' && seen('tok-1') === 1) await until(() => n >= 2, 300);
      const ok = sent === current;
      log.push(`${req.url} ${sent} -> ${ok ? 200 : 401}`);
      if (ok) json(res, 200, {});
      else json(res, 401, { error: 'invalid_token' });
    });
    try {
      const clock = fakeClock();
      const tokens = memoryTokens({
        access_token: { value: 'tok-0', expiresAt: clock.now() + 3_600_000 },
        refresh_token: { value: 'rt-0' },
      });
      const spec = { ...shippedConnector('zendesk').auth, token_url: `${srv.url}/oauth/tokens` };
      const { client } = withAuth(spec, {
        vars: { subdomain: 'acme', client_id: 'c', client_secret: 's' },
        tokens,
        clock,
      });
      const results = await Promise.allSettled([
        client.request({ url: `${srv.url}/a` }),
        client.request({ url: `${srv.url}/b` }),
      ]);
      expect(
        results.map((r) => r.status),
        log.join('; '),
      ).toEqual(['fulfilled', 'fulfilled']);
    } finally {
      await srv.close();
    }
  });
});

describe('Marketo identity: GET with the parameters in the query string', () => {
  it('sends grant_type, client_id and client_secret as query parameters, no body, and the token as Bearer', async () => {
    const spec = shippedConnector('marketo').auth;
    let seen: { query?: Record<string, string>; body?: string; method?: string } = {};
    nock('https://284-rpr-133.mktorest.com')
      .get('/identity/oauth/token')
      .query(true)
      .reply(function (uri, body) {
        seen = {
          query: Object.fromEntries(new URL(uri, 'https://x').searchParams),
          // nock hands a JSON body over parsed; text (an empty GET body) as it came.
          body: typeof body === 'string' ? body : JSON.stringify(body),
          method: this.req.method,
        };
        return [200, { access_token: 'mk-tok', token_type: 'bearer', expires_in: 3599, scope: 'api@x' }];
      });
    nock(API)
      .get('/v1/companies/describe.json')
      .matchHeader('authorization', 'Bearer mk-tok')
      .reply(200, { success: true, result: [] });
    const { client } = withAuth(spec, {
      vars: { munchkin_id: '284-RPR-133', client_id: 'mk-cid', client_secret: 'mk-secret' },
    });
    await client.request({ url: `${API}/v1/companies/describe.json` });
    expect(seen.method).toBe('GET');
    expect(seen.query).toEqual({ grant_type: 'client_credentials', client_id: 'mk-cid', client_secret: 'mk-secret' });
    expect(seen.body).toBe('');
  });
});

describe('Pipedrive OAuth: response.base_url (api_domain)', () => {
  const spec = () => shippedConnector('pipedrive').auth_options!.oauth;
  const vars = { company_domain: 'acme', client_id: 'pd-cid', client_secret: 'pd-secret', refresh_token: 'pd-rt-0' };

  function tokenEndpoint() {
    const calls: { auth?: string; body: Record<string, unknown> }[] = [];
    nock('https://oauth.pipedrive.com')
      .post('/oauth/token')
      .reply(function (_uri, body) {
        calls.push({ auth: this.req.headers.authorization, body: parseBody(body) });
        return [
          200,
          {
            access_token: 'pd-at',
            refresh_token: 'pd-rt-1',
            expires_in: 3599,
            api_domain: 'https://acme-sandbox.pipedrive.com',
            token_type: 'Bearer',
          },
        ];
      });
    return calls;
  }

  it('calls after the token request go to api_domain/api/v2, and the base is remembered for the next run', async () => {
    const calls = tokenEndpoint();
    const base = 'https://acme.pipedrive.com/api/v2';
    const { client, tokens } = withAuth(spec(), { vars, baseUrl: base });
    const hosts: string[] = [];
    for (const host of ['https://acme.pipedrive.com', 'https://acme-sandbox.pipedrive.com']) {
      nock(host)
        .get('/api/v2/organizations')
        .query(true)
        .times(2)
        .reply(() => {
          hosts.push(host);
          return [200, { success: true, data: [] }];
        });
    }
    // The ping computes its URL before the token exists.
    await client.request({ url: client.url(base, '/organizations'), query: { limit: '1' } });
    expect(calls[0].auth).toBe(`Basic ${Buffer.from('pd-cid:pd-secret').toString('base64')}`);
    expect(calls[0].body).toEqual({ grant_type: 'refresh_token', refresh_token: 'pd-rt-0' });
    await client.request({ url: client.url(base, '/organizations') });
    expect(hosts.at(-1)).toBe('https://acme-sandbox.pipedrive.com');
    expect(hosts).toHaveLength(2);
    expect(tokens.data.get('base_url')?.value).toBe('https://acme-sandbox.pipedrive.com/api/v2');
    // A full URL (the v1 notes endpoints) is left alone.
    expect(client.url(base, 'https://acme.pipedrive.com/api/v1/notes')).toBe('https://acme.pipedrive.com/api/v1/notes');
    // Next run: the saved base applies from the first call.
    const next = withAuth(spec(), { vars, baseUrl: base, tokens });
    const persons = nock('https://acme-sandbox.pipedrive.com')
      .get('/api/v2/persons')
      .reply(200, { success: true, data: [] });
    await next.client.request({ url: next.client.url(base, '/persons') });
    expect(persons.isDone()).toBe(true);
  });

  // Regression (was a bug): engine/http/client.ts url() asks auth.baseUrl() when the caller builds the URL, which
  // (StreamReader.pages, the writers, lookups) happens before request() applies the auth and fetches the token. On a
  // fresh connection the very first call made with the new token therefore still goes to the connector's base_url,
  // not to the api_domain the token belongs to.
  it('the first API call made with a freshly fetched token already goes to api_domain', async () => {
    tokenEndpoint();
    const base = 'https://acme.pipedrive.com/api/v2';
    const { client } = withAuth(spec(), { vars, baseUrl: base });
    const hosts: string[] = [];
    for (const host of ['https://acme.pipedrive.com', 'https://acme-sandbox.pipedrive.com']) {
      nock(host)
        .get('/api/v2/organizations')
        .query(true)
        .reply(() => {
          hosts.push(host);
          return [200, { success: true, data: [] }];
        });
    }
    const { StreamReader } = await import('../../engine/read/reader.js');
    const stream = { ...shippedConnector('pipedrive').streams!.organizations, incremental: undefined };
    const reader = new StreamReader({ client, baseUrl: base, vars, name: 'organizations', stream });
    for await (const _page of reader.pages()) {
      // Only the hosts the pages came from matter.
    }
    expect(hosts).toEqual(['https://acme-sandbox.pipedrive.com']);
  });
});

describe('oauth2_password (Acumatica)', () => {
  const vars = {
    instance_url: 'https://erp.example.com',
    tenant: 'Company',
    client_id: 'F4B1-GUID',
    client_secret: 'ac-secret',
    username: 'api-user',
    password: 'P@ss word!',
  };

  it('password grant first (client_id@tenant, scope), then refresh_token with the token it returned', async () => {
    const clock = fakeClock();
    const { client, tokens } = withAuth(shippedConnector('acumatica').auth, { vars, clock });
    const bodies: Record<string, unknown>[] = [];
    nock('https://erp.example.com')
      .post('/identity/connect/token')
      .times(2)
      .reply((_uri, body) => {
        bodies.push(parseBody(body));
        return [
          200,
          {
            access_token: `ac-at-${bodies.length}`,
            refresh_token: `ac-rt-${bodies.length}`,
            expires_in: 3600,
            token_type: 'Bearer',
          },
        ];
      });
    nock(API).get('/Customer').times(2).reply(200, []);
    await client.request({ url: `${API}/Customer` });
    clock.advance(3_600_000);
    await client.request({ url: `${API}/Customer` });
    expect(bodies).toEqual([
      {
        grant_type: 'password',
        username: 'api-user',
        password: 'P@ss word!',
        client_id: 'F4B1-GUID@Company',
        client_secret: 'ac-secret',
        scope: 'api offline_access',
      },
      {
        grant_type: 'refresh_token',
        refresh_token: 'ac-rt-1',
        client_id: 'F4B1-GUID@Company',
        client_secret: 'ac-secret',
        scope: 'api offline_access',
      },
    ]);
    expect(tokens.data.get('refresh_token')?.value).toBe('ac-rt-2');
  });

  it('without a returned refresh token every fetch uses the password grant', async () => {
    const clock = fakeClock();
    const { client } = withAuth(shippedConnector('acumatica').auth, { vars, clock });
    const grants: unknown[] = [];
    nock('https://erp.example.com')
      .post('/identity/connect/token')
      .times(2)
      .reply((_uri, body) => {
        grants.push(parseBody(body).grant_type);
        return [200, { access_token: `x${grants.length}`, expires_in: 3600 }];
      });
    nock(API).get('/Customer').times(2).reply(200, []);
    await client.request({ url: `${API}/Customer` });
    clock.advance(3_600_000);
    await client.request({ url: `${API}/Customer` });
    expect(grants).toEqual(['password', 'password']);
  });

  // Regression (was a bug): engine/auth/oauth2.ts grant() for oauth2_password always uses a stored refresh token when
  // one exists and never falls back to the password grant it has the credentials for. Once the refresh-token chain
  // expires (30 days on Acumatica by default) every run fails with invalid_grant until someone deletes the token from
  // the state.
  it('falls back to the password grant when the stored refresh token is rejected', async () => {
    const tokens = memoryTokens({ refresh_token: { value: 'ac-rt-expired' } });
    const { client } = withAuth(shippedConnector('acumatica').auth, { vars, tokens });
    nock('https://erp.example.com')
      .post('/identity/connect/token')
      .times(20)
      .reply((_uri, body) =>
        parseBody(body).grant_type === 'password'
          ? [200, { access_token: 'fresh', expires_in: 3600 }]
          : [400, { error: 'invalid_grant' }],
      );
    nock(API).get('/Customer').matchHeader('authorization', 'Bearer fresh').reply(200, []);
    const res = await client.request({ url: `${API}/Customer` });
    expect(res.status).toBe(200);
  });
});

describe('static strategies', () => {
  it('basic: Zendesk legacy API token as {email}/token', async () => {
    const spec = shippedConnector('zendesk').auth_options!.api_token;
    const { client, redactor } = withAuth(spec, { vars: { email: 'agent@acme.com', api_token: 'zd-api-token' } });
    const expected = Buffer.from('agent@acme.com/token:zd-api-token').toString('base64');
    nock(API).get('/organizations').matchHeader('authorization', `Basic ${expected}`).reply(200, {});
    await client.request({ url: `${API}/organizations` });
    expect(nock.isDone()).toBe(true);
    expect(redactor.redact(`auth ${expected}`)).toBe('auth ***');
  });

  it('api_key in a header (Pipedrive x-api-token)', async () => {
    const spec = shippedConnector('pipedrive').auth;
    const { client } = withAuth(spec, { vars: { company_domain: 'acme', api_token: 'pd-key-1' } });
    nock(API).get('/organizations').matchHeader('x-api-token', 'pd-key-1').reply(200, {});
    await client.request({ url: `${API}/organizations` });
    expect(nock.isDone()).toBe(true);
  });

  it('api_key in a query parameter, beside the request own query', async () => {
    const spec: Auth = { type: 'api_key', query_param: 'api_token', value: '{key}' };
    const { client } = withAuth(spec, { vars: { key: 'legacy-key' } });
    let headers: Record<string, unknown> = {};
    nock(API)
      .get('/v1/deals')
      .query({ api_token: 'legacy-key', limit: '5' })
      .reply(function () {
        headers = this.req.headers;
        return [200, {}];
      });
    await client.request({ url: `${API}/v1/deals`, query: { limit: '5' } });
    expect(nock.isDone()).toBe(true);
    expect(headers['x-api-key']).toBeUndefined();
  });

  it('api_key defaults to the x-api-key header', async () => {
    const { client } = withAuth({ type: 'api_key', value: 'k-123' });
    nock(API).get('/a').matchHeader('x-api-key', 'k-123').reply(200, {});
    await client.request({ url: `${API}/a` });
    expect(nock.isDone()).toBe(true);
  });

  it('bearer sends the rendered token', async () => {
    const { client } = withAuth({ type: 'bearer', token: '{pat}' }, { vars: { pat: 'pat-xyz' } });
    nock(API).get('/me').matchHeader('authorization', 'Bearer pat-xyz').reply(200, {});
    await client.request({ url: `${API}/me` });
    expect(nock.isDone()).toBe(true);
  });

  it('none sends no credentials', async () => {
    const { client } = withAuth({ type: 'none' });
    let h: Record<string, unknown> = {};
    nock(API)
      .get('/open')
      .reply(function () {
        h = this.req.headers;
        return [200, {}];
      });
    await client.request({ url: `${API}/open` });
    expect(h.authorization).toBeUndefined();
    expect(h.cookie).toBeUndefined();
  });
});

describe('session_cookie (Acumatica legacy login)', () => {
  it('signs in once, sends every cookie, signs in again on 401 and signs out on close', async () => {
    let session = 0;
    const log: string[] = [];
    let valid = new Set<string>();
    const srv = await localServer((req, res) => {
      const cookie = req.headers.cookie ?? '';
      if (req.url === '/entity/auth/login') {
        session++;
        log.push(`login ${req.body}`);
        valid = new Set([`ASP.NET_SessionId=s${session}; .ASPXAUTH=a${session}`]);
        res.writeHead(204, {
          'set-cookie': [`ASP.NET_SessionId=s${session}; path=/; HttpOnly`, `.ASPXAUTH=a${session}; path=/; secure`],
        });
        return res.end();
      }
      if (req.url === '/entity/auth/logout') {
        log.push(`logout ${cookie}`);
        res.writeHead(204);
        return res.end();
      }
      log.push(`${req.method} ${req.url} ${cookie}`);
      if (!valid.has(cookie)) {
        json(res, 401, { message: 'You are not logged in.' });
        return;
      }
      json(res, 200, [{ CustomerID: { value: 'C1' } }]);
    });
    try {
      const spec = shippedConnector('acumatica').auth_options!.session_cookie;
      const vars = { instance_url: srv.url, username: 'admin', password: 'pw-secret', tenant: 'Company', branch: 'HQ' };
      const base = `${srv.url}/entity/Default/24.200.001`;
      const { client, auth } = withAuth(spec, { vars, baseUrl: base });
      // Concurrent first calls: one sign-in.
      await Promise.all([1, 2, 3].map(() => client.request({ url: `${base}/Customer` })));
      expect(log.filter((l) => l.startsWith('login'))).toHaveLength(1);
      expect(JSON.parse(log[0].slice(6))).toEqual({
        name: 'admin',
        password: 'pw-secret',
        tenant: 'Company',
        branch: 'HQ',
      });
      expect(
        log.filter((l) => l.startsWith('GET')).every((l) => l.endsWith('ASP.NET_SessionId=s1; .ASPXAUTH=a1')),
      ).toBe(true);
      // The server drops the session: one 401, a new sign-in, the call succeeds.
      valid = new Set();
      const res = await client.request({ url: `${base}/Customer` });
      expect(res.status).toBe(200);
      expect(log.filter((l) => l.startsWith('login'))).toHaveLength(2);
      expect(log.at(-1)).toBe('GET /entity/Default/24.200.001/Customer ASP.NET_SessionId=s2; .ASPXAUTH=a2');
      await auth.close?.();
      expect(log.at(-1)).toBe('logout ASP.NET_SessionId=s2; .ASPXAUTH=a2');
      // Closing twice signs out once.
      await auth.close?.();
      expect(log.filter((l) => l.startsWith('logout'))).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });

  it('a sign-in that sets no cookie stops the run', async () => {
    const srv = await localServer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    try {
      const spec = shippedConnector('acumatica').auth_options!.session_cookie;
      const { client } = withAuth(spec, {
        vars: { instance_url: srv.url, username: 'u', password: 'p', tenant: 't', branch: 'b' },
      });
      const err = await client
        .request({ url: `${srv.url}/entity/Default/24.200.001/Customer` })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).scope).toBe('run');
      expect((err as HttpError).message).toContain('sign-in returned no session cookie');
    } finally {
      await srv.close();
    }
  });

  it('a sign-in answered with a status outside success_status stops the run, even with a cookie', async () => {
    const srv = await localServer((_req, res) => {
      res.writeHead(202, { 'set-cookie': 'ASP.NET_SessionId=abc; path=/' });
      res.end();
    });
    try {
      const spec = { ...shippedConnector('acumatica').auth_options!.session_cookie, success_status: [204] } as Auth;
      const { client } = withAuth(spec, {
        vars: { instance_url: srv.url, username: 'u', password: 'p', tenant: 't', branch: 'b' },
      });
      const err = await client
        .request({ url: `${srv.url}/entity/Default/24.200.001/Customer` })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).scope).toBe('run');
      expect((err as HttpError).message).toContain('sign-in answered HTTP 202, expected 204');
    } finally {
      await srv.close();
    }
  });

  it('a rejected sign-in is a run error', async () => {
    const srv = await localServer((_req, res) => {
      json(res, 401, { message: 'Invalid credentials' });
    });
    try {
      const spec = shippedConnector('acumatica').auth_options!.session_cookie;
      const { client } = withAuth(spec, {
        vars: { instance_url: srv.url, username: 'u', password: 'wrong-password', tenant: 't', branch: 'b' },
      });
      const err = await client
        .request({ url: `${srv.url}/entity/Default/24.200.001/Customer` })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).scope).toBe('run');
      expect((err as HttpError).message).toMatch(/sign-in failed/);
    } finally {
      await srv.close();
    }
  });
});

describe('token requests and secrets', () => {
  const ccSpec = (extra: Partial<Oauth2ClientCredentialsAuth> = {}): Auth => ({
    type: 'oauth2_client_credentials',
    token_url: 'https://id.test/token',
    client_id: '{client_id}',
    client_secret: '{client_secret}',
    ...extra,
  });

  it('obtained access tokens are redacted from later error messages', async () => {
    const { client } = withAuth(ccSpec(), { vars: { client_id: 'c', client_secret: 'sec-123456' } });
    nock('https://id.test').post('/token').reply(200, { access_token: 'ACCESS-TOKEN-999', expires_in: 3600 });
    nock(API).get('/x').reply(422, { error: 'bad request with token ACCESS-TOKEN-999' });
    const err = (await client.request({ url: `${API}/x` }).catch((e: unknown) => e)) as HttpError;
    expect(err.scope).toBe('record');
    expect(err.message).toContain('bad request with token ***');
    expect(err.message).not.toContain('ACCESS-TOKEN-999');
  });

  it('a token response without an access token is a clear run error', async () => {
    const { client } = withAuth(ccSpec(), { vars: { client_id: 'c', client_secret: 's' } });
    nock('https://id.test').post('/token').times(10).reply(200, { token_type: 'bearer' });
    await expect(client.request({ url: `${API}/x` })).rejects.toMatchObject({
      scope: 'run',
      message: expect.stringContaining('token response has no access token'),
    });
  });

  it('response JSONata paths read non-standard token responses; expires_in_default applies without expires_in', async () => {
    const clock = fakeClock();
    const spec = ccSpec({
      response: { access_token: 'data.token', expires_in: 'data.ttl' },
      expires_in_default: '10m',
    });
    const { client } = withAuth(spec, { vars: { client_id: 'c', client_secret: 's' }, clock });
    let n = 0;
    nock('https://id.test')
      .post('/token')
      .times(2)
      .reply(() => [200, { data: { token: `nested-${++n}` } }]);
    const seen: string[] = [];
    nock(API)
      .get('/x')
      .times(3)
      .reply(function () {
        seen.push(this.req.headers.authorization);
        return [200, {}];
      });
    await client.request({ url: `${API}/x` });
    clock.advance(8 * 60_000);
    await client.request({ url: `${API}/x` });
    clock.advance(60_000 + 1); // 10m - 60s refresh_before passed
    await client.request({ url: `${API}/x` });
    expect(seen).toEqual(['Bearer nested-1', 'Bearer nested-1', 'Bearer nested-2']);
  });

  it('a connection token_url override wins over the connector one', async () => {
    const { client } = withAuth(ccSpec(), {
      vars: { client_id: 'c', client_secret: 's' },
      tokenUrl: 'https://sandbox-id.test/oauth/token',
    });
    nock('https://sandbox-id.test').post('/oauth/token').reply(200, { access_token: 'sbx', expires_in: 60 });
    nock(API).get('/x').matchHeader('authorization', 'Bearer sbx').reply(200, {});
    await client.request({ url: `${API}/x` });
    expect(nock.isDone()).toBe(true);
  });
});
