import type { VismaSimulator } from '../../../sandbox/visma/index.js';

export async function vismaToken(sim: VismaSimulator, overrides: Record<string, string> = {}): Promise<string> {
  const c = sim.connection;
  const res = await fetch(c.token_url!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.values.client_id,
      client_secret: c.values.client_secret,
      tenant_id: c.values.tenant_id,
      scope: 'vismanet_erp_service_api:read',
      ...overrides,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** GET with a bearer token; returns status, headers and parsed JSON. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T: the shape the test asserts on
export async function vismaGet<T = unknown>(
  sim: VismaSimulator,
  token: string,
  pathAndQuery: string,
): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(`${sim.url}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

export type Row = Record<string, unknown> & { metadata?: { totalCount: number; maxPageSize: number } };
