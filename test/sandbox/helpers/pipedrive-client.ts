import { PipedriveSimulator, type PipedriveSimulatorOptions } from '../../../sandbox/pipedrive/index.js';

export interface PdResponse<T = PdBody> {
  status: number;
  headers: Headers;
  body: T;
}

/** The Pipedrive envelope, loosely typed for assertions. */
export interface PdBody {
  success: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach into answers of every shape
  data?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as data
  additional_data?: any;
  error?: string;
  error_info?: string;
  code?: string;
  errorCode?: number;
}

export type PdAuth = { apiToken: string } | { bearer: string } | { queryToken: string } | { none: true };

async function send<T>(url: string, init: RequestInit): Promise<PdResponse<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Cloudflare's block page is HTML.
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

/** A small client: the API token in `x-api-token` unless told otherwise. */
export function pipedriveClient(sim: PipedriveSimulator, auth: PdAuth = { apiToken: sim.credentials().api_token }) {
  const call = <T = PdBody>(method: string, path: string, body?: unknown): Promise<PdResponse<T>> => {
    const headers: Record<string, string> = {};
    let url = `${sim.url}${path}`;
    if ('apiToken' in auth) headers['x-api-token'] = auth.apiToken;
    if ('bearer' in auth) headers.authorization = `Bearer ${auth.bearer}`;
    if ('queryToken' in auth)
      url += `${path.includes('?') ? '&' : '?'}api_token=${encodeURIComponent(auth.queryToken)}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return send<T>(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  };
  return {
    get: <T = PdBody>(p: string) => call<T>('GET', p),
    post: <T = PdBody>(p: string, b?: unknown) => call<T>('POST', p, b),
    patch: <T = PdBody>(p: string, b?: unknown) => call<T>('PATCH', p, b),
    put: <T = PdBody>(p: string, b?: unknown) => call<T>('PUT', p, b),
    delete: <T = PdBody>(p: string) => call<T>('DELETE', p),
  };
}

export type PdClient = ReturnType<typeof pipedriveClient>;

/** POST /oauth/token with Basic client auth and a form body, as the docs describe. */
export function oauthToken(sim: PipedriveSimulator, form: Record<string, string>, basic?: string) {
  const c = sim.credentials();
  const auth = basic ?? Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64');
  return send<Record<string, unknown>>(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/** A started simulator with rate limits off unless the test turns them on. */
export async function startPipedrive(opts: PipedriveSimulatorOptions = {}): Promise<PipedriveSimulator> {
  return new PipedriveSimulator({ seed: 7, ...opts, knobs: { rateLimitEnabled: false, ...opts.knobs } }).start();
}

/** Creates a custom field through v2 and returns its 40-character key. */
export async function customField(
  pd: PdClient,
  entity: 'organization' | 'person' | 'deal',
  field_name: string,
  field_type = 'varchar',
  options?: string[],
): Promise<{ key: string; options: Array<{ id: number; label: string }> | null }> {
  const body: Record<string, unknown> = { field_name, field_type };
  if (options) body.options = options.map((label) => ({ label }));
  const r = await pd.post(`/api/v2/${entity}Fields`, body);
  if (r.status !== 200) throw new Error(`field ${field_name}: ${r.status} ${JSON.stringify(r.body)}`);
  return { key: r.body.data.field_code, options: r.body.data.options };
}
