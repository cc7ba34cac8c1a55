import { createHmac } from 'node:crypto';

/** Zendesk's "Test webhook" secret (the string itself is the key, it is not base64-decoded). */
export const ZENDESK_TEST_SIGNING_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';

/** base64(HMAC-SHA256(key = secret as UTF-8, message = timestamp + rawBody)); no separator. */
export function signZendeskWebhook(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret)
    .update(timestamp + rawBody, 'utf8')
    .digest('base64');
}

/** ISO-8601 UTC without milliseconds, like the docs' `2021-07-25T10:00:00Z`. */
export function webhookTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface WebhookDelivery {
  status: number;
  body: string;
  signature: string;
  timestamp: string;
}

/** POSTs a signed webhook the way Zendesk does. */
export async function deliverSignedWebhook(
  url: string,
  body: unknown,
  secret: string,
  at: Date,
): Promise<WebhookDelivery> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = webhookTimestamp(at);
  const signature = signZendeskWebhook(secret, timestamp, raw);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'Zendesk Webhook',
      'X-Zendesk-Webhook-Signature': signature,
      'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
    },
    body: raw,
  });
  return { status: res.status, body: await res.text(), signature, timestamp };
}
