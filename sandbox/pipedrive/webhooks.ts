import type { Account } from './context.js';
import type { ChangeEvent } from './events.js';
import { looseId } from './handlers.js';
import { oneOf, str, v1Time, ValidationError } from './values.js';
import { isRecord } from '../framework/types.js';

export const EVENT_ACTIONS = ['create', 'change', 'delete', '*'] as const;
export const EVENT_OBJECTS = [
  'activity',
  'deal',
  'lead',
  'note',
  'organization',
  'person',
  'pipeline',
  'product',
  'stage',
  'user',
  '*',
] as const;

export interface Webhook {
  id: number;
  subscription_url: string;
  event_action: (typeof EVENT_ACTIONS)[number];
  event_object: (typeof EVENT_OBJECTS)[number];
  name: string | null;
  user_id: number;
  http_auth_user: string | null;
  http_auth_password: string | null;
  version: '1.0' | '2.0';
  addMs: number;
  /** The last event delivered to it (deliveries resume after it). */
  deliveredSeq: number;
  lastDeliveryMs: number | null;
  lastHttpStatus: number | null;
}

export interface WebhookStoreState {
  webhooks: Webhook[];
  nextId: number;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/** `POST /v1/webhooks` registrations: at most 40 per user, HTTPS URLs, Basic auth credentials. */
export class WebhookStore {
  private webhooks: Webhook[];
  private nextId: number;

  constructor(state?: WebhookStoreState) {
    this.webhooks = state?.webhooks ?? [];
    this.nextId = state?.nextId ?? 1;
  }

  list(): Webhook[] {
    return [...this.webhooks];
  }

  get(id: number): Webhook | undefined {
    return this.webhooks.find((w) => w.id === id);
  }

  add(body: unknown, o: { userId: number; nowMs: number; max: number; httpsOnly: boolean; lastSeq: number }): Webhook {
    if (!isRecord(body)) throw new ValidationError('body must be a JSON object or form');
    const userId = looseId(body.user_id, 'user_id') ?? o.userId;
    if (this.webhooks.filter((w) => w.user_id === userId).length >= o.max) {
      throw new ValidationError(`A user can have at most ${o.max} webhooks`);
    }
    const w: Webhook = {
      id: this.nextId++,
      subscription_url: subscriptionUrl(body.subscription_url, o.httpsOnly),
      event_action: oneOf(body.event_action, EVENT_ACTIONS, 'event_action'),
      event_object: oneOf(body.event_object, EVENT_OBJECTS, 'event_object'),
      name: body.name === undefined ? null : str(body.name, 'name'),
      user_id: userId,
      http_auth_user: body.http_auth_user === undefined ? null : str(body.http_auth_user, 'http_auth_user'),
      http_auth_password:
        body.http_auth_password === undefined ? null : str(body.http_auth_password, 'http_auth_password'),
      version: body.version === undefined ? '2.0' : oneOf(body.version, ['1.0', '2.0'] as const, 'version'),
      addMs: o.nowMs,
      deliveredSeq: o.lastSeq,
      lastDeliveryMs: null,
      lastHttpStatus: null,
    };
    this.webhooks.push(w);
    return w;
  }

  remove(id: number): boolean {
    const before = this.webhooks.length;
    this.webhooks = this.webhooks.filter((w) => w.id !== id);
    return this.webhooks.length < before;
  }

  toState(): WebhookStoreState {
    return structuredClone({ webhooks: this.webhooks, nextId: this.nextId });
  }
}

function subscriptionUrl(v: unknown, httpsOnly: boolean): string {
  const s = str(v, 'subscription_url', 2000);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ValidationError('subscription_url must be a URL');
  }
  const local = LOOPBACK.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (local || !httpsOnly))) {
    throw new ValidationError('subscription_url must use HTTPS');
  }
  return s;
}

/** A registration as v1 answers it (PD-SDK v1 models/webhook.ts). */
export function renderWebhook(w: Webhook, account: Account): Record<string, unknown> {
  return {
    id: w.id,
    company_id: account.companyId,
    owner_id: account.userId,
    user_id: w.user_id,
    event_action: w.event_action,
    event_object: w.event_object,
    subscription_url: w.subscription_url,
    name: w.name,
    version: w.version,
    is_active: 1,
    add_time: v1Time(w.addMs),
    remove_time: null,
    type: 'general',
    http_auth_user: w.http_auth_user,
    http_auth_password: w.http_auth_password,
    remove_reason: null,
    last_delivery_time: w.lastDeliveryMs === null ? null : v1Time(w.lastDeliveryMs),
    last_http_status: w.lastHttpStatus,
    admin_id: account.userId,
  };
}

/** Does the webhook subscribe to this event? `*` matches any action or object. */
export function subscribes(w: Webhook, e: ChangeEvent): boolean {
  return (
    (w.event_action === '*' || w.event_action === e.action) && (w.event_object === '*' || w.event_object === e.entity)
  );
}

const V1_ACTIONS = { create: 'added', change: 'updated', delete: 'deleted' } as const;

/**
 * The body Pipedrive POSTs: v2 `{meta, data, previous}` (meta.attempt instead of v1's retry), or the
 * v1 `{v, matches_filters, meta, retry, current, previous, event}` for webhooks registered as 1.0.
 */
export function webhookPayload(w: Webhook, e: ChangeEvent, account: Account, host: string, attempt = 1) {
  const timestamp = Math.floor(e.atMs / 1000);
  if (w.version === '1.0') {
    const action = V1_ACTIONS[e.action];
    const meta = {
      v: 1,
      action,
      object: e.entity,
      id: e.entityId,
      company_id: account.companyId,
      user_id: account.userId,
      host,
      timestamp,
      timestamp_micro: e.atMs * 1000,
      permitted_user_ids: [account.userId],
      webhook_id: w.id,
    };
    const previous = e.action === 'create' ? null : e.previous;
    return {
      v: 1,
      matches_filters: { current: [], previous: [] },
      meta,
      retry: attempt - 1,
      current: e.data,
      previous,
      event: `${action}.${e.entity}`,
    };
  }
  const meta = {
    action: e.action,
    entity: e.entity,
    version: '2.0',
    company_id: account.companyId,
    user_id: account.userId,
    id: e.seq,
    entity_id: e.entityId,
    webhook_id: w.id,
    webhook_owner_id: w.user_id,
    permitted_user_ids: [account.userId],
    attempt,
    host,
    timestamp,
    change_source: e.changeSource,
  };
  return { meta, data: e.data, previous: e.previous };
}

export interface WebhookDelivery {
  webhook_id: number | null;
  event: number;
  url: string;
  status: number;
  /** The Authorization header sent (Basic auth from http_auth_user/password), if any. */
  authorization: string | null;
  error?: string;
}

/** POSTs one payload with HTTP Basic auth, the only protection Pipedrive gives (no signature, no HMAC). */
export async function postWebhook(
  url: string,
  payload: unknown,
  user: string | null,
  password: string | null,
): Promise<{ status: number; authorization: string | null; error?: string }> {
  const authorization = user !== null ? `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}` : null;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'Pipedrive Webhooks' };
  if (authorization) headers.Authorization = authorization;
  try {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(payload), redirect: 'manual' });
    await res.arrayBuffer();
    return { status: res.status, authorization };
  } catch (err) {
    return { status: 0, authorization, error: err instanceof Error ? err.message : String(err) };
  }
}
