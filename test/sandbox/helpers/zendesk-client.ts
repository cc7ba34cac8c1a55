import type { ZendeskSimulator } from '../../../sandbox/zendesk/index.js';

export interface ZdResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** Small Zendesk client using API-token Basic auth unless a bearer token is given. */
export function zendeskClient(sim: ZendeskSimulator, bearer?: string) {
  const c = sim.credentials();
  const auth = bearer
    ? `Bearer ${bearer}`
    : `Basic ${Buffer.from(`${c.email}/token:${c.api_token}`).toString('base64')}`;
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ZdResponse<T>> => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    get: <T = Record<string, unknown>>(p: string) => call<T>('GET', p),
    post: <T = Record<string, unknown>>(p: string, b?: unknown) => call<T>('POST', p, b),
    put: <T = Record<string, unknown>>(p: string, b?: unknown) => call<T>('PUT', p, b),
    delete: <T = Record<string, unknown>>(p: string) => call<T>('DELETE', p),
  };
}

export type ZdClient = ReturnType<typeof zendeskClient>;

/** Polls a job until it completes (bounded). */
export async function waitForJob(zd: ZdClient, id: string, maxPolls = 10): Promise<Record<string, unknown>> {
  for (let i = 0; i < maxPolls; i++) {
    const r = await zd.get<{ job_status: Record<string, unknown> }>(`/api/v2/job_statuses/${id}.json`);
    if (r.body.job_status.status === 'completed' || r.body.job_status.status === 'failed') return r.body.job_status;
  }
  throw new Error(`job ${id} did not complete in ${maxPolls} polls`);
}

export async function postForm(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
