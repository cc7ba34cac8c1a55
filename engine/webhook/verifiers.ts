import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Webhook } from '../config/types.generated.js';
import { parseDuration } from '../util/duration.js';
import { render } from '../util/template.js';

export interface WebhookRequest {
  /** Header names in lower case */
  headers: Record<string, string | undefined>;
  /** The body exactly as received: signatures are over bytes, not over re-serialized JSON */
  rawBody: Buffer | string;
  now: number;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

type Verifier = (spec: Webhook, req: WebhookRequest, vars: Record<string, string>) => Verdict;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(req: WebhookRequest, name: string | undefined): string | undefined {
  return name ? req.headers[name.toLowerCase()] : undefined;
}

/** HMAC-SHA256 over the body (QuickBooks) or timestamp + body (Zendesk), with a replay window. */
const hmacSha256: Verifier = (spec, req, vars) => {
  const signature = header(req, spec.signature_header);
  if (!signature) return { ok: false, reason: `missing ${spec.signature_header} header` };
  let message = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.from(req.rawBody);
  if (spec.message === 'timestamp+body') {
    const ts = header(req, spec.timestamp_header);
    if (!ts) return { ok: false, reason: `missing ${spec.timestamp_header} header` };
    if (spec.tolerance) {
      const at = /^\d+$/.test(ts) ? Number(ts) * 1000 : Date.parse(ts);
      if (!Number.isFinite(at) || Math.abs(req.now - at) > parseDuration(spec.tolerance, 300_000)) return { ok: false, reason: 'timestamp outside the replay window' };
    }
    message = Buffer.concat([Buffer.from(ts), message]);
  }
  const expected = createHmac('sha256', render(spec.secret ?? '', vars)).update(message).digest(spec.encoding ?? 'base64');
  return same(signature, expected) ? { ok: true } : { ok: false, reason: 'signature does not match' };
};

/** A static secret header (Acumatica push notifications carry no signature). */
const sharedHeader: Verifier = (spec, req, vars) => {
  const got = header(req, spec.header);
  if (!got) return { ok: false, reason: `missing ${spec.header} header` };
  return same(got, render(spec.secret ?? '', vars)) ? { ok: true } : { ok: false, reason: `${spec.header} does not match` };
};

/** HTTP Basic credentials on the delivery (Pipedrive does not sign webhooks). */
const basicAuth: Verifier = (spec, req, vars) => {
  const auth = header(req, 'authorization');
  if (!auth?.startsWith('Basic ')) return { ok: false, reason: 'missing Basic authorization' };
  const expected = Buffer.from(`${render(spec.username ?? '', vars)}:${render(spec.password ?? '', vars)}`).toString('base64');
  return same(auth.slice(6), expected) ? { ok: true } : { ok: false, reason: 'credentials do not match' };
};

/** Webhook verifiers by the name the connector YAML uses; the schema's enum lists the same names. */
export const WEBHOOK_VERIFIERS: Record<Webhook['verifier'], Verifier> = {
  hmac_sha256: hmacSha256,
  shared_header: sharedHeader,
  basic_auth: basicAuth,
};

/** Verifies a delivery before anything else looks at it; comparisons are timing-safe. */
export function verifyWebhook(spec: Webhook, req: WebhookRequest, vars: Record<string, string>): Verdict {
  return WEBHOOK_VERIFIERS[spec.verifier](spec, req, vars);
}
