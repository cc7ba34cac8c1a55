import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../engine/webhook/verifiers.js';
import type { Webhook } from '../../engine/config/types.generated.js';

// Test vectors from shared/api/targets.md §1.7 (Zendesk) and sources.md §3.8 (Intuit's SDK vector).
const ZD_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const zendesk: Webhook = {
  verifier: 'hmac_sha256',
  signature_header: 'X-Zendesk-Webhook-Signature',
  timestamp_header: 'X-Zendesk-Webhook-Signature-Timestamp',
  message: 'timestamp+body',
  secret: '{webhook_secret}',
  tolerance: '5m',
};
const vars = { webhook_secret: ZD_SECRET };
const body = '{"type":"zen:event-type:ticket.created","id":"01J000TEST","detail":{"id":"123"}}';
const at = Date.parse('2026-01-01T00:00:00Z');
const zdReq = (signature: string, rawBody = body, now = at) => ({
  headers: {
    'x-zendesk-webhook-signature': signature,
    'x-zendesk-webhook-signature-timestamp': '2026-01-01T00:00:00Z',
  },
  rawBody,
  now,
});

describe('hmac_sha256 (Zendesk: timestamp + body)', () => {
  it('accepts the documented scheme on the test vector', () => {
    expect(verifyWebhook(zendesk, zdReq('j6ouyL2nKJguWJYbl62Ug7fRj+AjAuuLrlS+a/O0QXY='), vars)).toEqual({ ok: true });
  });
  it('accepts an empty body with its vector', () => {
    expect(verifyWebhook(zendesk, zdReq('3oJmZ0ji7b+iOyoxyTZdQvIjlUaHYF+GNZ7cSymja8w=', ''), vars)).toEqual({
      ok: true,
    });
  });
  it('rejects a tampered body, a wrong secret and a missing header', () => {
    expect(
      verifyWebhook(zendesk, zdReq('j6ouyL2nKJguWJYbl62Ug7fRj+AjAuuLrlS+a/O0QXY=', body.replace('123', '124')), vars)
        .ok,
    ).toBe(false);
    expect(
      verifyWebhook(zendesk, zdReq('j6ouyL2nKJguWJYbl62Ug7fRj+AjAuuLrlS+a/O0QXY='), { webhook_secret: 'other' }).ok,
    ).toBe(false);
    expect(verifyWebhook(zendesk, { headers: {}, rawBody: body, now: at }, vars)).toEqual({
      ok: false,
      reason: 'missing X-Zendesk-Webhook-Signature header',
    });
  });
  it('rejects a replay outside the tolerance window', () => {
    expect(
      verifyWebhook(zendesk, zdReq('j6ouyL2nKJguWJYbl62Ug7fRj+AjAuuLrlS+a/O0QXY=', body, at + 6 * 60_000), vars),
    ).toEqual({ ok: false, reason: 'timestamp outside the replay window' });
  });
});

describe('hmac_sha256 (QuickBooks: body only)', () => {
  const qbo: Webhook = {
    verifier: 'hmac_sha256',
    signature_header: 'intuit-signature',
    message: 'body',
    secret: '{verifier_token}',
  };
  const payload =
    '{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[{"name":"Customer","id":"1","operation":"Create","lastUpdated":"2015-10-05T14:42:19-0700"}]}}]}';
  it("matches Intuit's SDK test vector", () => {
    const r = verifyWebhook(
      qbo,
      { headers: { 'intuit-signature': 'JC2GUwciPmRBwEO7WvrRmKqu9tGOKL8FFallocTFi8Q=' }, rawBody: payload, now: 0 },
      { verifier_token: 'b5771f19b12ddb4bcdb9f08bdc50bc63878a' },
    );
    expect(r).toEqual({ ok: true });
  });
});

describe('shared_header and basic_auth', () => {
  it('compares a static header', () => {
    const spec: Webhook = { verifier: 'shared_header', header: 'X-Acumatica-Secret', secret: '{push_secret}' };
    expect(
      verifyWebhook(
        spec,
        { headers: { 'x-acumatica-secret': 's3cret' }, rawBody: '{}', now: 0 },
        { push_secret: 's3cret' },
      ),
    ).toEqual({ ok: true });
    expect(
      verifyWebhook(
        spec,
        { headers: { 'x-acumatica-secret': 's3cret!' }, rawBody: '{}', now: 0 },
        { push_secret: 's3cret' },
      ).ok,
    ).toBe(false);
  });
  it('checks Basic credentials', () => {
    const spec: Webhook = { verifier: 'basic_auth', username: '{u}', password: '{p}' };
    const good = `Basic ${Buffer.from('hook:pw').toString('base64')}`;
    expect(
      verifyWebhook(spec, { headers: { authorization: good }, rawBody: '', now: 0 }, { u: 'hook', p: 'pw' }),
    ).toEqual({ ok: true });
    expect(
      verifyWebhook(spec, { headers: { authorization: good }, rawBody: '', now: 0 }, { u: 'hook', p: 'other' }).ok,
    ).toBe(false);
  });
});

// Issue 10 item 22: without a configured secret nothing passes; a timestamped scheme always has a replay window.
describe('refusing without a configured secret', () => {
  const forged = (secret: string, ts = '2026-01-01T00:00:00Z') =>
    createHmac('sha256', secret)
      .update(ts + body)
      .digest('base64');

  it('hmac_sha256 refuses when the secret is empty, blank, unset or not in the spec (never an HMAC with an empty key)', () => {
    const refused = {
      ok: false,
      reason: 'no webhook secret is configured for this connection: every delivery is refused',
    };
    expect(verifyWebhook(zendesk, zdReq(forged('')), { webhook_secret: '' })).toEqual(refused);
    expect(verifyWebhook(zendesk, zdReq(forged('  ')), { webhook_secret: '  ' })).toEqual(refused);
    expect(verifyWebhook(zendesk, zdReq(forged('')), {})).toEqual(refused);
    // The schema requires a secret; the verifier still refuses a spec without one (built by hand, say).
    expect(verifyWebhook({ ...zendesk, secret: undefined } as unknown as Webhook, zdReq(forged('')), vars)).toEqual(
      refused,
    );
    expect(verifyWebhook({ ...zendesk, secret: '' }, zdReq(forged('')), vars)).toEqual(refused);
  });

  it('shared_header refuses an empty header against an empty secret', () => {
    const spec: Webhook = { verifier: 'shared_header', header: 'X-Acumatica-Secret', secret: '{push_secret}' };
    expect(
      verifyWebhook(spec, { headers: { 'x-acumatica-secret': '' }, rawBody: '{}', now: 0 }, { push_secret: '' }).ok,
    ).toBe(false);
    expect(verifyWebhook(spec, { headers: { 'x-acumatica-secret': 'anything' }, rawBody: '{}', now: 0 }, {}).ok).toBe(
      false,
    );
  });

  it('basic_auth refuses "Basic Og==" (empty user and password) when no credentials are configured', () => {
    const spec: Webhook = { verifier: 'basic_auth', username: '{u}', password: '{p}' };
    const empty = { headers: { authorization: 'Basic Og==' }, rawBody: '', now: 0 };
    expect(verifyWebhook(spec, empty, { u: '', p: '' })).toEqual({
      ok: false,
      reason: 'no webhook username and password are configured for this connection: every delivery is refused',
    });
    expect(verifyWebhook(spec, empty, {}).ok).toBe(false);
    expect(verifyWebhook({ verifier: 'basic_auth' } as unknown as Webhook, empty, {}).ok).toBe(false);
    // A user without a password is not a credential either.
    expect(
      verifyWebhook(
        spec,
        { ...empty, headers: { authorization: `Basic ${Buffer.from('hook:').toString('base64')}` } },
        { u: 'hook', p: '' },
      ).ok,
    ).toBe(false);
  });
});

describe('a default replay window', () => {
  const noTolerance: Webhook = { ...zendesk, tolerance: undefined };
  const signed = 'j6ouyL2nKJguWJYbl62Ug7fRj+AjAuuLrlS+a/O0QXY=';

  it('refuses a timestamp more than 5 minutes away when tolerance is omitted', () => {
    expect(verifyWebhook(noTolerance, zdReq(signed, body, at + 5 * 60_000), vars)).toEqual({ ok: true });
    expect(verifyWebhook(noTolerance, zdReq(signed, body, at + 5 * 60_000 + 1), vars)).toEqual({
      ok: false,
      reason: 'timestamp outside the replay window',
    });
    expect(verifyWebhook(noTolerance, zdReq(signed, body, at - 24 * 3_600_000), vars)).toEqual({
      ok: false,
      reason: 'timestamp outside the replay window',
    });
  });

  it('keeps a configured tolerance', () => {
    expect(verifyWebhook({ ...zendesk, tolerance: '1h' }, zdReq(signed, body, at + 30 * 60_000), vars)).toEqual({
      ok: true,
    });
  });
});
