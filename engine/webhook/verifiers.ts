import { createHmac, timingSafeEqual } from 'node:crypto';
import type { StrategyLint, StrategyProblem } from '../config/strategy.js';
import type {
  BasicAuthWebhook,
  CustomWebhook,
  HmacSha256Webhook,
  SharedHeaderWebhook,
  Webhook,
} from '../config/types.generated.js';
import { parseDuration } from '../util/duration.js';
import { MissingVariableError, render } from '../util/template.js';
import { errorMessage } from '../util/text.js';

export interface WebhookRequest {
  /** Header names in lower case */
  headers: Record<string, string | undefined>;
  /** The body exactly as received: signatures are over bytes, not over re-serialized JSON */
  rawBody: Buffer | string;
  now: number;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** A problem of a connector's webhook section, at one of its keys (or the section itself). */
export type WebhookProblem = StrategyProblem;

/** What a verifier module exports (built-in or custom): `verify(spec, request, vars)`, timing-safe. */
export type VerifyFn<W extends Webhook = Webhook> = (
  spec: W,
  req: WebhookRequest,
  vars: Record<string, string>,
) => Verdict;

/** A verifier checks deliveries and carries the lint rules of its part of the webhook section. */
type Verifier<W extends Webhook> = VerifyFn<W> & { lint: StrategyLint<W> };

const verifier = <W extends Webhook>(verify: VerifyFn<W>, lint: StrategyLint<W>): Verifier<W> =>
  Object.assign(verify, { lint });

/** A scheme that carries a timestamp refuses deliveries further than this from now when `tolerance` is omitted. */
export const DEFAULT_TOLERANCE_MS = 5 * 60_000;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(req: WebhookRequest, name: string | undefined): string | undefined {
  return name ? req.headers[name.toLowerCase()] : undefined;
}

/**
 * A configured credential, or undefined when there is none: an empty key would let anyone compute
 * a valid HMAC, and empty Basic credentials would accept `Basic Og==`.
 */
function configured(template: string | undefined, vars: Record<string, string>): string | undefined {
  if (!template) return undefined;
  try {
    const v = render(template, vars);
    return v.trim() === '' ? undefined : v;
  } catch (e) {
    if (e instanceof MissingVariableError) return undefined;
    throw e;
  }
}

const NO_SECRET: Verdict = {
  ok: false,
  reason: 'no webhook secret is configured for this connection: every delivery is refused',
};

type Key = 'secret' | 'signature_header' | 'timestamp_header' | 'header' | 'username' | 'password';

/**
 * Lint: `keys` must be set to something other than blanks (the schema requires the keys; a blank
 * value would refuse every delivery, or for a secret let anyone sign).
 */
const needs =
  <W extends Webhook>(...keys: { key: Key; why: string }[]): StrategyLint<W> =>
  (spec) =>
    keys
      .filter(({ key }) => {
        const v = (spec as Partial<Record<Key, unknown>>)[key];
        return typeof v === 'string' && v.trim() === '';
      })
      .map(({ key, why }) => ({ key, message: `webhook verifier ${spec.verifier} needs "${key}" (${why})` }));

const WHY: Partial<Record<Key, string>> = {
  secret:
    'the connection value that holds the signing secret, e.g. "{webhook_secret}"; without it every delivery is refused',
  signature_header: 'the header that carries the signature',
  timestamp_header: 'the header that carries the signed timestamp',
};

/** HMAC-SHA256 over the body (QuickBooks) or timestamp + body (Zendesk), with a replay window. */
const hmacSha256 = verifier<HmacSha256Webhook>(
  (spec, req, vars) => {
    const secret = configured(spec.secret, vars);
    if (secret === undefined) return NO_SECRET;
    const signature = header(req, spec.signature_header);
    if (!signature) return { ok: false, reason: `missing ${spec.signature_header} header` };
    let message = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.from(req.rawBody);
    if (spec.message === 'timestamp+body') {
      const ts = header(req, spec.timestamp_header);
      if (!ts) return { ok: false, reason: `missing ${spec.timestamp_header} header` };
      const at = /^\d+$/.test(ts) ? Number(ts) * 1000 : Date.parse(ts);
      if (!Number.isFinite(at) || Math.abs(req.now - at) > parseDuration(spec.tolerance, DEFAULT_TOLERANCE_MS))
        return { ok: false, reason: 'timestamp outside the replay window' };
      message = Buffer.concat([Buffer.from(ts), message]);
    }
    const expected = createHmac('sha256', secret)
      .update(message)
      .digest(spec.encoding ?? 'base64');
    return same(signature, expected) ? { ok: true } : { ok: false, reason: 'signature does not match' };
  },
  (spec, at) => {
    const rules: Key[] = ['secret', 'signature_header'];
    if (spec.message === 'timestamp+body') rules.push('timestamp_header');
    return needs<HmacSha256Webhook>(...rules.map((key) => ({ key, why: WHY[key] ?? '' })))(spec, at);
  },
);

/** A static secret header (Acumatica push notifications carry no signature). */
const sharedHeader = verifier<SharedHeaderWebhook>(
  (spec, req, vars) => {
    const secret = configured(spec.secret, vars);
    if (secret === undefined) return NO_SECRET;
    const got = header(req, spec.header);
    if (!got) return { ok: false, reason: `missing ${spec.header} header` };
    return same(got, secret) ? { ok: true } : { ok: false, reason: `${spec.header} does not match` };
  },
  needs(
    { key: 'header', why: 'the header that carries the secret' },
    {
      key: 'secret',
      why: 'the connection value that holds the secret, e.g. "{webhook_secret}"; without it every delivery is refused',
    },
  ),
);

/** HTTP Basic credentials on the delivery (Pipedrive does not sign webhooks). */
const basicAuth = verifier<BasicAuthWebhook>(
  (spec, req, vars) => {
    const username = configured(spec.username, vars);
    const password = configured(spec.password, vars);
    if (username === undefined || password === undefined)
      return {
        ok: false,
        reason: 'no webhook username and password are configured for this connection: every delivery is refused',
      };
    const auth = header(req, 'authorization');
    if (!auth?.startsWith('Basic ')) return { ok: false, reason: 'missing Basic authorization' };
    const expected = Buffer.from(`${username}:${password}`).toString('base64');
    return same(auth.slice(6), expected) ? { ok: true } : { ok: false, reason: 'credentials do not match' };
  },
  needs(
    {
      key: 'username',
      why: 'the connection value that holds the user name, e.g. "{webhook_user}"; without it every delivery is refused',
    },
    {
      key: 'password',
      why: 'the connection value that holds the password, e.g. "{webhook_password}"; without it every delivery is refused',
    },
  ),
);

const customs = new WeakMap<CustomWebhook, VerifyFn>();

/** Binds a custom verifier's spec to its module's verify function (config/custom-modules.ts, at load time). */
export function bindCustomVerifier(spec: CustomWebhook, verify: VerifyFn): void {
  customs.set(spec, verify);
}

/** A custom verifier that is not loaded, throws, or answers anything but a verdict refuses the delivery. */
const custom = verifier<CustomWebhook>(
  (spec, req, vars) => {
    const verify = customs.get(spec);
    if (!verify) return { ok: false, reason: `custom webhook verifier ${spec.module} is not loaded` };
    try {
      // A project's module may answer anything at all, whatever its declared type.
      const v = verify(spec, req, vars) as { ok?: unknown; reason?: unknown } | null | undefined;
      return v && (v.ok || typeof v.reason === 'string')
        ? (v as Verdict)
        : { ok: false, reason: `custom webhook verifier ${spec.module} gave no verdict` };
    } catch (e) {
      return { ok: false, reason: `custom webhook verifier ${spec.module} failed: ${errorMessage(e)}` };
    }
  },
  () => [],
);

/**
 * Webhook verifiers by the name the connector YAML uses, each with its lint rules; the schema's
 * oneOf branches carry the same names (a test proves it).
 */
export const WEBHOOK_VERIFIERS: { [V in Webhook['verifier']]: Verifier<Extract<Webhook, { verifier: V }>> } = {
  hmac_sha256: hmacSha256,
  shared_header: sharedHeader,
  basic_auth: basicAuth,
  custom,
};

/** Verifies a delivery before anything else looks at it; comparisons are timing-safe. */
export function verifyWebhook(spec: Webhook, req: WebhookRequest, vars: Record<string, string>): Verdict {
  return (WEBHOOK_VERIFIERS[spec.verifier] as VerifyFn)(spec, req, vars);
}

/** The lint problems of a connector's webhook section, by its verifier's own rules (all errors). */
export function lintWebhook(spec: Webhook): WebhookProblem[] {
  return Object.hasOwn(WEBHOOK_VERIFIERS, spec.verifier)
    ? (WEBHOOK_VERIFIERS[spec.verifier].lint as StrategyLint<Webhook>)(spec, {})
    : [];
}
