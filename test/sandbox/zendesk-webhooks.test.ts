import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../sandbox/framework/clock.js';
import { signZendeskWebhook, ZENDESK_TEST_SIGNING_SECRET, ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import { postJson } from './helpers/zendesk-client.js';

// Test vectors from targets.md section 1.7.
const VECTOR_BODY = '{"type":"zen:event-type:ticket.created","id":"01J000TEST","detail":{"id":"123"}}';
const VECTOR_TS = '2026-01-01T00:00:00Z';

describe('Zendesk webhook signing', () => {
  it('matches the targets.md test vectors', () => {
    expect(signZendeskWebhook(ZENDESK_TEST_SIGNING_SECRET, VECTOR_TS, VECTOR_BODY)).toBe(
      'j6ouyL2nKJguWJYbl62Ug7fRj+AjAuuLrlS+a/O0QXY=',
    );
    expect(signZendeskWebhook(ZENDESK_TEST_SIGNING_SECRET, VECTOR_TS, '')).toBe(
      '3oJmZ0ji7b+iOyoxyTZdQvIjlUaHYF+GNZ7cSymja8w=',
    );
  });

  it('uses timestamp + body, not the legacy body + timestamp order', () => {
    const secret = 'HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=';
    expect(signZendeskWebhook(secret, '2021-07-25T10:00:00Z', '{"say": "hello"}')).toBe(
      'Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk=',
    );
    expect(signZendeskWebhook(secret, '2021-07-25T10:00:00Z', '{"say": "hello"}')).not.toBe(
      'tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=',
    );
  });
});

describe('Zendesk webhook delivery', () => {
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  let sim: ZendeskSimulator;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = 202;
        res.end('ok');
      });
    });
    await new Promise<void>((r) =>
      receiver.listen(0, '127.0.0.1', () => {
        r();
      }),
    );
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/zendesk`;
    sim = await new ZendeskSimulator({ seed: 1, clock: fixedClock(VECTOR_TS) }).start();
  });
  afterAll(async () => {
    await sim.stop();
    receiver.closeAllConnections();
    await new Promise<void>((r) =>
      receiver.close(() => {
        r();
      }),
    );
  });

  it('in-process delivery signs the raw body with the given secret', async () => {
    const d = await sim.deliverWebhook(receiverUrl, VECTOR_BODY, ZENDESK_TEST_SIGNING_SECRET);
    expect(d.status).toBe(202);
    const got = received.at(-1)!;
    expect(got.body).toBe(VECTOR_BODY);
    expect(got.headers['x-zendesk-webhook-signature-timestamp']).toBe(VECTOR_TS);
    expect(got.headers['x-zendesk-webhook-signature']).toBe('j6ouyL2nKJguWJYbl62Ug7fRj+AjAuuLrlS+a/O0QXY=');
  });

  it('admin endpoint delivers an object body with the simulator secret by default', async () => {
    const r = await postJson(`${sim.url}/__sim/zendesk/webhooks/deliver`, {
      url: receiverUrl,
      body: { type: 'zen:event-type:organization.created', detail: { id: '1' } },
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe(202);
    const got = received.at(-1)!;
    const secret = sim.credentials().webhook_secret;
    expect(got.headers['x-zendesk-webhook-signature']).toBe(signZendeskWebhook(secret, VECTOR_TS, got.body));
    expect(JSON.parse(got.body)).toEqual({ type: 'zen:event-type:organization.created', detail: { id: '1' } });
    expect((await postJson(`${sim.url}/__sim/zendesk/webhooks/deliver`, { body: {} })).status).toBe(400);
  });
});
