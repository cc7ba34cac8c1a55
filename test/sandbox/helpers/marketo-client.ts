import { MarketoSimulator, type MarketoSimulatorOptions } from '../../../sandbox/marketo/index.js';

export interface MkResponse<T = Envelope> {
  status: number;
  body: T;
}

export interface Envelope {
  requestId: string;
  success: boolean;
  result?: Array<Record<string, unknown>>;
  errors?: Array<{ code: string; message: string }>;
  warnings?: unknown[];
  moreResult?: boolean;
  nextPageToken?: string;
}

async function send<T>(url: string, init: RequestInit): Promise<MkResponse<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // HTTP-level refusals (413, 414) answer in plain text.
  }
  return { status: res.status, body: body as T };
}

/** Identity with the simulator's own credentials in the query string, as documented. */
export async function identity(sim: MarketoSimulator, overrides: Record<string, string> = {}, method = 'GET') {
  const c = sim.credentials();
  const q = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: c.client_id,
    client_secret: c.client_secret,
    ...overrides,
  });
  return send<{ access_token: string; token_type: string; expires_in: number; scope: string; error?: string }>(
    `${sim.url}/identity/oauth/token?${q}`,
    { method },
  );
}

export async function token(sim: MarketoSimulator): Promise<string> {
  const r = await identity(sim);
  if (r.status !== 200) throw new Error(`identity failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.access_token;
}

/** A REST client with a bearer token (fetched on first use unless given). */
export function marketoClient(sim: MarketoSimulator, bearer?: string) {
  let tok = bearer;
  const call = async <T = Envelope>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<MkResponse<T>> => {
    tok ??= await token(sim);
    const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
    const ct: Record<string, string> = raw !== undefined ? { 'content-type': 'application/json' } : {};
    return send<T>(`${sim.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tok}`, ...ct, ...headers },
      body: raw,
    });
  };
  return {
    get: <T = Envelope>(p: string, h?: Record<string, string>) => call<T>('GET', p, undefined, h),
    post: <T = Envelope>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('POST', p, b, h),
    setToken: (t: string) => {
      tok = t;
    },
  };
}

export type MkClient = ReturnType<typeof marketoClient>;

/** A started simulator with limits off unless the test turns them on. */
export async function startMarketo(opts: MarketoSimulatorOptions = {}): Promise<MarketoSimulator> {
  return new MarketoSimulator({ seed: 5, ...opts, knobs: { limitsEnabled: false, ...opts.knobs } }).start();
}

export function companies(
  n: number,
  prefix = 'C-',
  extra: (i: number) => Record<string, unknown> = () => ({}),
): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    externalCompanyId: `${prefix}${10000 + i}`,
    company: `Company ${i}`,
    ...extra(i),
  }));
}
