// Webhooks (targets.md 2.4): registered with POST /v1/webhooks (at most 40, HTTPS), delivered as v2
// payloads {meta, data, previous} with HTTP Basic auth only: no signature, no HMAC.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PipedriveSimulator } from '../../sandbox/pipedrive/index.js';
import { pipedriveClient, startPipedrive, type PdClient } from './helpers/pipedrive-client.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a webhook body, read as it came for assertions
  body: Record<string, any>;
}

let receiver: http.Server;
let hookUrl: string;
const received: Received[] = [];
beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) as Received['body'] });
      res.statusCode = 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) =>
    receiver.listen(0, '127.0.0.1', () => {
      r();
    }),
  );
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/pipedrive`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((r) =>
    receiver.close(() => {
      r();
    }),
  );
});

let sim: PipedriveSimulator;
let pd: PdClient;
beforeEach(async () => {
  received.length = 0;
  sim = await startPipedrive();
  pd = pipedriveClient(sim);
});
afterEach(() => sim.stop());

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const flush = async () => (await fetch(`${sim.url}/__sim/pipedrive/webhooks/flush`, { method: 'POST' })).json();

describe('Pipedrive webhook registration', () => {
  it('registers with POST /v1/webhooks (version 2.0 by default) and lists and deletes', async () => {
    const body = {
      subscription_url: hookUrl,
      event_action: '*',
      event_object: 'deal',
      http_auth_user: 'u',
      http_auth_password: 'p',
    };
    const r = await pd.post('/v1/webhooks', body);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      success: true,
      data: { id: 1, version: '2.0', event_object: 'deal', http_auth_user: 'u' },
    });
    expect((await pd.get('/v1/webhooks')).body.data).toHaveLength(1);
    expect((await pd.delete('/v1/webhooks/1')).body).toMatchObject({ success: true });
    expect((await pd.get('/v1/webhooks')).body.data).toEqual([]);
  });

  it('refuses a 41st webhook, a plain-HTTP URL outside loopback and unknown actions', async () => {
    const base = { subscription_url: hookUrl, event_action: 'change', event_object: 'person' };
    for (let i = 0; i < 40; i++) expect((await pd.post('/v1/webhooks', base)).status).toBe(201);
    const over = await pd.post('/v1/webhooks', base);
    expect(over).toMatchObject({ status: 400, body: { success: false, error: 'A user can have at most 40 webhooks' } });
    await pd.delete('/v1/webhooks/1');
    expect((await pd.post('/v1/webhooks', { ...base, subscription_url: 'http://example.com/h' })).status).toBe(400);
    expect((await pd.post('/v1/webhooks', { ...base, event_action: 'updated' })).status).toBe(400);
    expect((await pd.post('/v1/webhooks', { ...base, subscription_url: 'https://example.com/h' })).status).toBe(201);
  });
});

describe('Pipedrive webhook delivery', () => {
  it('delivers API changes as v2 payloads with Basic auth and no signature header', async () => {
    const reg = {
      subscription_url: hookUrl,
      event_action: '*',
      event_object: 'deal',
      http_auth_user: 'hook',
      http_auth_password: 's3cret',
    };
    await pd.post('/v1/webhooks', reg);
    const deal = (await pd.post('/api/v2/deals', { title: 'Invoice 9', value: 50 })).body.data;
    await pd.patch(`/api/v2/deals/${deal.id}`, { status: 'won' });
    await pd.post('/api/v2/persons', { name: 'not a deal' });
    const out = await flush();
    expect(out.deliveries.map((d: { status: number }) => d.status)).toEqual([200, 200]);
    expect(received).toHaveLength(2);
    const [created, changed] = received;
    expect(created.headers.authorization).toBe(basic('hook', 's3cret'));
    expect(Object.keys(created.headers).some((h) => /signature|hmac/i.test(h))).toBe(false);
    expect(created.body.meta).toMatchObject({
      action: 'create',
      entity: 'deal',
      version: '2.0',
      entity_id: deal.id,
      attempt: 1,
    });
    expect(created.body.meta.host).toBe(`${sim.credentials().company_domain}.pipedrive.com`);
    expect(created.body.previous).toBeNull();
    expect(changed.body.meta).toMatchObject({ action: 'change', change_source: 'api', webhook_id: 1 });
    expect(changed.body.data).toMatchObject({ id: deal.id, status: 'won', custom_fields: {} });
    expect(changed.body.previous).toMatchObject({ status: 'open', won_time: null, close_time: null });
    expect((await flush()).deliveries).toEqual([]);
  });

  it('a web-app change (admin route) is delivered too; 1.0 webhooks get v1 payloads', async () => {
    await pd.post('/v1/webhooks', {
      subscription_url: hookUrl,
      event_action: 'change',
      event_object: 'person',
      version: '1.0',
    });
    const person = (await pd.post('/api/v2/persons', { name: 'Jane' })).body.data;
    const res = await fetch(`${sim.url}/__sim/pipedrive/persons/${person.id}`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Jane Doe' }),
    });
    expect(res.status).toBe(200);
    await flush();
    expect(received).toHaveLength(1);
    expect(received[0].body).toMatchObject({
      v: 1,
      event: 'updated.person',
      meta: { action: 'updated', object: 'person', id: person.id },
      current: { name: 'Jane Doe' },
      previous: { name: 'Jane' },
    });
    expect(received[0].headers.authorization).toBeUndefined();
  });

  it('the deliver admin route sends one record with the connection webhook credentials by default', async () => {
    const org = (await pd.post('/api/v2/organizations', { name: 'Acme' })).body.data;
    const body = JSON.stringify({ url: hookUrl, entity: 'organization', id: org.id });
    const r = await (await fetch(`${sim.url}/__sim/pipedrive/webhooks/deliver`, { method: 'POST', body })).json();
    expect(r).toMatchObject({ status: 200, webhook_id: null });
    const v = sim.connection.values;
    expect(received[0].headers.authorization).toBe(basic(v.webhook_user, v.webhook_password));
    expect(received[0].body).toMatchObject({
      meta: { action: 'change', entity: 'organization', entity_id: org.id },
      data: { name: 'Acme' },
    });
    const missing = await fetch(`${sim.url}/__sim/pipedrive/webhooks/deliver`, {
      method: 'POST',
      body: JSON.stringify({ url: hookUrl, entity: 'deal', id: 9 }),
    });
    expect(missing.status).toBe(404);
  });
});
