// openConnection / resolveValues: ${env:X} and ${store:X} references, defaults, required values,
// secrets registered for redaction, auth options and URL overrides.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../engine/config/types.generated.js';
import { Redactor } from '../../engine/http/redact.js';
import { authenticate, ConnectionError, openConnection, resolveValues } from '../../engine/runtime/connection.js';
import type { StateBackend } from '../../engine/store/backend.js';
import { SecretBox } from '../../engine/store/crypto.js';
import { openState } from '../../engine/store/open.js';
import { connectionSecrets } from '../../engine/store/token-store.js';
import { shippedConnector, useNock } from './helpers.js';

useNock();

let state: StateBackend;
/** Stored credentials by name, as openConnection looks them up */
const credential = (name: string) => state.credentials.get(name);
beforeEach(async () => {
  state = await openState(null, { secrets: SecretBox.fromKey('c'.repeat(64)) });
});
afterEach(async () => {
  await state.abandon();
  delete process.env.MLC_TEST_CLIENT_SECRET;
});

const visma = (): Connector => shippedConnector('visma');

describe('resolveValues', () => {
  it('plain values, ${env:X}, ${store:X} inside longer strings, and connector defaults', async () => {
    process.env.MLC_TEST_CLIENT_SECRET = 'from-env-secret';
    await state.credentials.set('visma_tenant', 'tenant-from-store');
    const redactor = new Redactor();
    const vars = resolveValues(
      'visma',
      {
        connector: 'visma',
        values: {
          client_id: 'cid',
          client_secret: '${env:MLC_TEST_CLIENT_SECRET}',
          tenant_id: 'x-${store:visma_tenant}-y',
          company_id: 12,
        },
      },
      visma(),
      credential,
      redactor,
      'connections.yaml',
    );
    expect(vars).toEqual({
      scope: 'vismanet_erp_service_api:read',
      client_id: 'cid',
      client_secret: 'from-env-secret',
      tenant_id: 'x-tenant-from-store-y',
      company_id: '12',
    });
    // Secret variables are registered for redaction; others are not.
    expect(redactor.redact('from-env-secret cid')).toBe('*** cid');
  });

  it('a missing environment variable names the connection, the value and the variable', () => {
    expect(() =>
      resolveValues(
        'visma',
        {
          connector: 'visma',
          values: { client_id: 'c', client_secret: '${env:MLC_TEST_CLIENT_SECRET}', tenant_id: 't' },
        },
        visma(),
        credential,
        new Redactor(),
        'connections.yaml',
      ),
    ).toThrow(
      new ConnectionError(
        'connections.yaml: connection "visma" value "client_secret" needs environment variable MLC_TEST_CLIENT_SECRET, which is not set',
      ),
    );
  });

  it('a missing stored credential says how to store it', () => {
    expect(() =>
      resolveValues(
        'visma',
        { connector: 'visma', values: { client_id: 'c', client_secret: '${store:nope}', tenant_id: 't' } },
        visma(),
        credential,
        new Redactor(),
        'w',
      ),
    ).toThrow(/needs stored credential "nope": run mlc credentials set nope/);
  });

  it('a required value that is missing or empty is an error with its description', () => {
    expect(() =>
      resolveValues(
        'visma',
        { connector: 'visma', values: { client_id: 'c', client_secret: 's', tenant_id: '' } },
        visma(),
        credential,
        new Redactor(),
        'w',
      ),
    ).toThrow(
      /connection "visma" has no value for "tenant_id", which connector "visma" requires \(Visma Connect tenant id/,
    );
  });
});

describe('openConnection', () => {
  it('renders base_url, default headers (an unset optional one left out) and wires the auth into the client', async () => {
    const conn = openConnection({
      name: 'visma',
      connection: { connector: 'visma', values: { client_id: 'cid', client_secret: 'sec', tenant_id: 't' } },
      connector: visma(),
      ...connectionSecrets(state, 'visma'),
      where: 'w',
    });
    expect(conn.baseUrl).toBe('https://api.finance.visma.net');
    nock('https://connect.visma.com').post('/connect/token').reply(200, { access_token: 'tok', expires_in: 3600 });
    let headers: Record<string, unknown> = {};
    nock('https://api.finance.visma.net')
      .get('/v1/customer')
      .reply(function () {
        headers = this.req.headers;
        return [200, []];
      });
    await conn.client.request({ url: conn.client.url(conn.baseUrl, '/v1/customer') });
    expect(headers.authorization).toBe('Bearer tok');
    expect(headers.accept).toBe('application/json');
    expect(headers['ipp-company-id']).toBeUndefined();
  });

  it('a connection picks an auth option; base_url and token_url overrides are rendered', async () => {
    const zd = shippedConnector('zendesk');
    const conn = openConnection({
      name: 'zd',
      connection: {
        connector: 'zendesk',
        auth: 'api_token',
        base_url: 'https://{subdomain}.zendesk-staging.com/api/v2',
        values: { subdomain: 'acme', email: 'a@b.c', api_token: 'tkn-1234' },
      },
      connector: zd,
      ...connectionSecrets(state, 'zd'),
      where: 'w',
    });
    expect(conn.baseUrl).toBe('https://acme.zendesk-staging.com/api/v2');
    nock('https://acme.zendesk-staging.com')
      .get('/api/v2/organizations')
      .matchHeader('authorization', `Basic ${Buffer.from('a@b.c/token:tkn-1234').toString('base64')}`)
      .reply(200, {});
    await conn.client.request({ url: conn.client.url(conn.baseUrl, '/organizations') });
    expect(nock.isDone()).toBe(true);

    const oauth = openConnection({
      name: 'zd2',
      connection: {
        connector: 'zendesk',
        token_url: 'https://{subdomain}.example.test/oauth/tokens',
        values: { subdomain: 'acme', client_id: 'c', client_secret: 's', refresh_token: 'r' },
      },
      connector: zd,
      ...connectionSecrets(state, 'zd2'),
      where: 'w',
    });
    nock('https://acme.example.test').post('/oauth/tokens').reply(200, { access_token: 'at', expires_in: 60 });
    nock('https://acme.zendesk.com')
      .get('/api/v2/organizations')
      .matchHeader('authorization', 'Bearer at')
      .reply(200, {});
    await oauth.client.request({ url: oauth.client.url(oauth.baseUrl, '/organizations') });
    expect(nock.isDone()).toBe(true);
  });

  it('an auth option the connector does not offer is a clear error', () => {
    expect(() =>
      openConnection({
        name: 'zd',
        connection: { connector: 'zendesk', auth: 'magic', values: { subdomain: 'a' } },
        connector: shippedConnector('zendesk'),
        ...connectionSecrets(state, 'zd'),
        where: 'connections.yaml',
      }),
    ).toThrow(
      'connections.yaml: connection "zd" asks for auth "magic", which connector "zendesk" does not offer (it has: api_token)',
    );
  });

  it('tokens are kept per connection in the state (a second connection of the same connector has its own)', async () => {
    const make = (name: string) =>
      openConnection({
        name,
        connection: { connector: 'visma', values: { client_id: name, client_secret: 's', tenant_id: 't' } },
        connector: visma(),
        ...connectionSecrets(state, name),
        where: 'w',
      });
    const a = make('visma-a');
    const b = make('visma-b');
    const ids: string[] = [];
    nock('https://connect.visma.com')
      .post('/connect/token')
      .times(2)
      .reply((_uri, body) => {
        const id = new URLSearchParams(body as string).get('client_id')!;
        ids.push(id);
        return [200, { access_token: `tok-${id}`, expires_in: 3600 }];
      });
    nock('https://api.finance.visma.net')
      .get('/v1/customer')
      .matchHeader('authorization', 'Bearer tok-visma-a')
      .reply(200, []);
    nock('https://api.finance.visma.net')
      .get('/v1/customer')
      .matchHeader('authorization', 'Bearer tok-visma-b')
      .reply(200, []);
    await a.client.request({ url: `${a.baseUrl}/v1/customer` });
    await b.client.request({ url: `${b.baseUrl}/v1/customer` });
    expect(ids).toEqual(['visma-a', 'visma-b']);
    // A new run of visma-a reuses its saved token: no token request.
    const again = make('visma-a');
    nock('https://api.finance.visma.net')
      .get('/v1/customer')
      .matchHeader('authorization', 'Bearer tok-visma-a')
      .reply(200, []);
    await again.client.request({ url: `${again.baseUrl}/v1/customer` });
    expect(ids).toHaveLength(2);
  });

  it('authenticate() obtains the token now, with no API request, and the first API call uses it', async () => {
    const conn = openConnection({
      name: 'visma',
      connection: { connector: 'visma', values: { client_id: 'cid', client_secret: 'sec', tenant_id: 't' } },
      connector: visma(),
      ...connectionSecrets(state, 'visma'),
      where: 'w',
    });
    nock('https://connect.visma.com')
      .post('/connect/token')
      .reply(200, { access_token: 'tok-early', expires_in: 3600 });
    await authenticate(conn);
    expect(nock.isDone()).toBe(true);
    expect(conn.client.stats.requests).toBe(1); // the token request only
    nock('https://api.finance.visma.net')
      .get('/v1/customer')
      .matchHeader('authorization', 'Bearer tok-early')
      .reply(200, []);
    await conn.client.request({ url: `${conn.baseUrl}/v1/customer` });
    expect(nock.isDone()).toBe(true);
  });

  it('authenticate() rejects with the run error of a refused token request', async () => {
    const conn = openConnection({
      name: 'visma',
      connection: { connector: 'visma', values: { client_id: 'cid', client_secret: 'BAD-SECRET-77', tenant_id: 't' } },
      connector: visma(),
      ...connectionSecrets(state, 'visma'),
      where: 'w',
    });
    nock('https://connect.visma.com').post('/connect/token').reply(400, { error: 'invalid_client' });
    await expect(authenticate(conn)).rejects.toMatchObject({
      scope: 'run',
      message: expect.stringMatching(
        /connection visma: token request \(client_credentials\) failed: check the client id, secret/,
      ),
    });
  });
});

describe('the client and its auth', () => {
  it('the API client is built with its auth; the auth signs in through a plain client that shares its counts', async () => {
    const conn = openConnection({
      name: 'visma',
      connection: { connector: 'visma', values: { client_id: 'cid', client_secret: 'sec', tenant_id: 't' } },
      connector: visma(),
      ...connectionSecrets(state, 'visma'),
      where: 'w',
    });
    expect(conn.client.auth).toBe(conn.auth);
    let tokenHeaders: Partial<Record<string, string>> = {};
    nock('https://connect.visma.com')
      .post('/connect/token')
      .reply(function () {
        tokenHeaders = this.req.headers;
        return [200, { access_token: 'tok', expires_in: 3600 }];
      });
    nock('https://api.finance.visma.net').get('/v1/customer').matchHeader('authorization', 'Bearer tok').reply(200, []);
    await conn.client.request({ url: `${conn.baseUrl}/v1/customer` });
    // The token request carries no bearer token of its own.
    expect(tokenHeaders.authorization ?? '').not.toMatch(/^Bearer/);
    expect(conn.client.stats.requests).toBe(2);
  });
});
