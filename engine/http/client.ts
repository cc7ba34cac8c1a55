import pRetry, { AbortError } from 'p-retry';
import { Agent, type Dispatcher } from 'undici';
import type { Connector } from '../config/types.generated.js';
import { parseDuration } from '../util/duration.js';
import { evaluate } from '../map/expression.js';
import { RateLimiter, realSleep, type Sleep } from './rate-limiter.js';
import { Redactor } from './redact.js';
import { joinUrl } from './request.js';
import { ErrorRules } from './rules.js';

export interface RequestOptions {
  method?: string;
  /** Absolute URL */
  url: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  /** The caller relies on a JSON answer: a 2xx whose body is not JSON is an error of this request. */
  expect?: 'json';
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
  url: string;
}

/** A request that did not succeed. `scope` says whether only the record fails or the whole run. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly scope: 'record' | 'run',
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** What a connection's auth strategy must provide to the client. */
export interface AuthApplier {
  apply(req: { headers: Record<string, string>; query: Record<string, string> }): Promise<void>;
  /**
   * The credentials a request carried were rejected: fetch new ones before the next attempt.
   * `used` is the Authorization header that was rejected; a late 401 for a token that has
   * already been replaced must not throw the new one away.
   */
  invalidate(used?: string): void | Promise<void>;
  /** A base URL the auth dictates (Pipedrive api_domain). */
  baseUrl?(): string | undefined;
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly delayMs?: number,
    readonly rateLimited = false,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** What an API client adds to a plain one: the auth and the API's default headers and query. */
export interface ApiOptions {
  auth?: AuthApplier;
  /** Default headers and query of API calls, already rendered */
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** The configured base URL; replaced by one the auth dictates (Pipedrive api_domain) */
  baseUrl?: string;
}

export interface ClientOptions extends ApiOptions {
  connector: Connector;
  connection: string;
  redactor: Redactor;
  dispatcher?: Dispatcher;
  sleep?: Sleep;
  now?: () => number;
}

export interface ClientStats {
  requests: number;
  retries: number;
  byMethod: Record<string, number>;
}

/** What the clients of one connection share: one budget of requests, one count of them. */
interface Shared {
  limiter: RateLimiter;
  stats: ClientStats;
}

/** The state of one request across its attempts. */
interface RequestRun {
  started: number;
  reauthenticated: boolean;
  rateLimitWaits: number;
  /** When the server last asked to be called again (Retry-After), as an instant */
  comeBackAt?: number;
}

/** Defaults a user would wait for: a server that does not answer is reported in seconds, not minutes. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
export const DEFAULT_REQUEST_BUDGET_MS = 5 * 60_000;

/** Keep-alive connection pools for the process, one per connect timeout (undici sets it per Agent). */
const agents = new Map<number, Agent>();
export function defaultDispatcher(connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Agent {
  let a = agents.get(connectTimeoutMs);
  if (!a) {
    // The per-attempt read timeout (an abort signal) is the one that applies; these only back it up.
    a = new Agent({
      connections: 16,
      keepAliveTimeout: 10_000,
      connect: { timeout: connectTimeoutMs },
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    agents.set(connectTimeoutMs, a);
  }
  return a;
}

export async function closeDefaultDispatcher(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close()));
}

/** A short, single-line quote of an answer for an error message. */
export function excerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}

/**
 * The one HTTP client: global fetch with an undici dispatcher (so nock can intercept it in unit
 * tests), retries with backoff and jitter, Retry-After, the connector's error rules (including
 * errors that arrive as HTTP 200), rate limits, timeouts, and redaction of secrets in errors.
 *
 * A connection has two: a plain one for its auth strategy's own requests (tokens, sign-in), and
 * the API client made from it with `withApi`, which applies the auth to every request. They share
 * the rate limiter and the statistics, so token requests count as the connection's requests.
 */
export class HttpClient {
  readonly auth?: AuthApplier;
  readonly stats: ClientStats;
  readonly limiter: RateLimiter;
  private readonly rules: ErrorRules;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly budgetMs: number;
  private readonly attempts: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly maxRetryAfter: number;
  private readonly sleep: Sleep;
  /** The clock waits and rate-limit windows run on (injected in virtual-time tests) */
  readonly now: () => number;
  private readonly dispatcher: Dispatcher;

  constructor(
    private readonly opts: ClientOptions,
    shared?: Shared,
  ) {
    const c = opts.connector;
    this.auth = opts.auth;
    this.rules = new ErrorRules(c.errors ?? [], `connector ${c.name}`);
    this.timeoutMs = parseDuration(c.timeout, DEFAULT_READ_TIMEOUT_MS);
    this.connectTimeoutMs = parseDuration(c.connect_timeout, DEFAULT_CONNECT_TIMEOUT_MS);
    this.budgetMs = parseDuration(c.retry?.budget, DEFAULT_REQUEST_BUDGET_MS);
    this.attempts = c.retry?.attempts ?? 6;
    this.minDelay = parseDuration(c.retry?.min_delay, 250);
    this.maxDelay = parseDuration(c.retry?.max_delay, 30_000);
    this.maxRetryAfter = parseDuration(c.retry?.max_retry_after, 120_000);
    this.sleep = opts.sleep ?? realSleep;
    this.now = opts.now ?? Date.now;
    this.dispatcher = opts.dispatcher ?? defaultDispatcher(this.connectTimeoutMs);
    this.limiter = shared?.limiter ?? new RateLimiter(c.rate_limit, c.max_concurrency ?? 4, this.sleep, this.now);
    this.stats = shared?.stats ?? { requests: 0, retries: 0, byMethod: {} };
  }

  /** The API client of this connection: this client's settings, limits and counts, with `api` added. */
  withApi(api: ApiOptions): HttpClient {
    return new HttpClient({ ...this.opts, ...api }, { limiter: this.limiter, stats: this.stats });
  }

  /** The limits in force for this connector (its settings over the defaults). */
  get timeouts(): { connectMs: number; readMs: number; budgetMs: number } {
    return { connectMs: this.connectTimeoutMs, readMs: this.timeoutMs, budgetMs: this.budgetMs };
  }

  get redactor(): Redactor {
    return this.opts.redactor;
  }

  /** The client's sleep, so polling loops share the injected clock. */
  wait(ms: number): Promise<void> {
    return this.sleep(ms);
  }

  get connection(): string {
    return this.opts.connection;
  }

  /** Joins a path template result onto the base URL, unless it is already absolute. */
  url(base: string, path: string): string {
    return joinUrl(base, path);
  }

  async request(req: RequestOptions): Promise<HttpResponse> {
    const run: RequestRun = { started: this.now(), reauthenticated: false, rateLimitWaits: 0 };
    return pRetry(() => this.attempt(req, run), {
      retries: this.attempts,
      minTimeout: this.minDelay,
      maxTimeout: this.maxDelay,
      factor: 2,
      randomize: true,
      onFailedAttempt: ({ error }) => this.beforeRetry(req, run, error),
      shouldConsumeRetry: ({ error }) => !(error instanceof Retryable && error.rateLimited),
    }).catch((e: unknown) => {
      throw this.finalError(req, e);
    });
  }

  /** One attempt: the answer, or an error that says whether (and when) to try again. */
  private async attempt(req: RequestOptions, run: RequestRun): Promise<HttpResponse> {
    const res = await this.once(req);
    const decision = await this.rules.classify(res.status, res.body);
    if (decision.action === 'ok') {
      if (req.expect === 'json' && (res.body === null || typeof res.body !== 'object')) {
        throw new AbortError(this.notJson(req, res));
      }
      return res;
    }
    const reason = this.describe(res, decision.message, await this.messageOf(res));
    switch (decision.action) {
      case 'retry': {
        // A server that says how long to wait is waited for without using up retries;
        // a bare 429 or 5xx backs off exponentially and counts.
        const asked = this.retryAfter(res.headers);
        if (asked !== undefined) run.comeBackAt = this.now() + asked;
        const delay = asked ?? decision.delayMs;
        throw new Retryable(reason, delay, delay !== undefined && run.rateLimitWaits++ < 50, res.status, res.body);
      }
      case 'reauthenticate':
        if (!this.auth || run.reauthenticated) {
          throw new AbortError(new HttpError(`authentication failed: ${reason}`, 'run', res.status, res.body));
        }
        run.reauthenticated = true;
        await this.auth.invalidate(res.sentAuthorization);
        throw new Retryable(reason, 0, true, res.status);
      case 'fail_run':
        throw new AbortError(new HttpError(reason, 'run', res.status, res.body));
      default:
        throw new AbortError(new HttpError(reason, 'record', res.status, res.body));
    }
  }

  private async beforeRetry(req: RequestOptions, run: RequestRun, error: Error): Promise<void> {
    const ms = error instanceof Retryable && error.delayMs ? Math.min(error.delayMs, this.maxRetryAfter) : 0;
    // Every wait counts against one budget per request (429 waits included): a server that
    // keeps saying "later" stops the run in minutes, with what was done recorded.
    const spent = this.now() - run.started;
    if (spent + ms > this.budgetMs) throw this.overBudget(req, error, spent, run.comeBackAt);
    this.stats.retries++;
    if (ms) {
      this.limiter.pause(ms);
      await this.sleep(ms);
    }
  }

  /** The error a request ends with once it will not be tried again. */
  private finalError(req: RequestOptions, e: unknown): HttpError {
    if (e instanceof HttpError) return e;
    const msg = this.opts.redactor.redact(e instanceof Error ? e.message : String(e));
    // Retries exhausted: an API that keeps answering with an error fails the record; one that
    // cannot be reached at all (network, timeout) stops the run.
    const answered = e instanceof Retryable && e.status !== undefined;
    // A network fault's message, and an answer's ("HTTP 503 from URL"), already name the request;
    // the URL is said once.
    const named = (e instanceof Retryable && !answered) || msg.includes(this.safeUrl(req.url).split('?')[0]);
    const text = named ? msg : `${req.method ?? 'GET'} ${this.safeUrl(req.url)}: ${msg}`;
    return new HttpError(text, answered ? 'record' : 'run', (e as Retryable).status, (e as Retryable).body);
  }

  /** The URL, headers and query of a request: the API's defaults and the auth applied. */
  private async prepare(req: RequestOptions): Promise<{ url: URL; headers: Record<string, string> }> {
    const headers: Record<string, string> = { ...this.opts.headers, ...req.headers };
    const query: Record<string, string> = { ...this.opts.query, ...req.query };
    let target = req.url;
    if (this.auth) {
      try {
        await this.auth.apply({ headers, query });
      } catch (e) {
        // A refused token request is not retried: a wrong password retried is a locked account.
        throw new AbortError(e instanceof HttpError ? e : new HttpError((e as Error).message, 'run'));
      }
      const dictated = this.auth.baseUrl?.();
      const configured = this.opts.baseUrl?.replace(/\/+$/, '');
      if (dictated && configured && target.startsWith(configured)) {
        target = dictated.replace(/\/+$/, '') + target.slice(configured.length);
      }
    }
    const url = new URL(target);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return { url, headers };
  }

  private async once(req: RequestOptions): Promise<HttpResponse & { sentAuthorization?: string }> {
    const method = req.method ?? 'GET';
    const { url, headers } = await this.prepare(req);
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    } else if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const { res, text } = await this.send(method, url, headers, body);
    this.limiter.observe(res.headers);
    const parsed = this.parse(res, text);
    const sentAuthorization = headers.authorization;
    return { status: res.status, headers: res.headers, body: parsed, url: url.toString(), sentAuthorization };
  }

  /** Sends within the rate limits; a network fault or a timeout is worth another attempt. */
  private async send(method: string, url: URL, headers: Record<string, string>, body: string | undefined) {
    const release = await this.limiter.acquire();
    try {
      this.stats.requests++;
      this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
      const init = { method, headers, body, dispatcher: this.dispatcher, signal: AbortSignal.timeout(this.timeoutMs) };
      const res = await fetch(url, init);
      return { res, text: await res.text() };
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (e as Error).name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : `network error ${cause?.code ?? ''} ${cause?.message ?? (e as Error).message}`.trim();
      throw new Retryable(`${method} ${this.safeUrl(url.toString())}: ${why}`);
    } finally {
      release();
    }
  }

  private parse(res: Response, text: string): unknown {
    const type = res.headers.get('content-type') ?? '';
    if (!text) return undefined;
    if (!type.includes('json') && !/^\s*[[{]/.test(text)) return text;
    try {
      return JSON.parse(text);
    } catch {
      // A truncated page is a transient fault on a 2xx; on an error status keep the text.
      if (!res.ok) return text;
      const quoted = this.opts.redactor.redact(excerpt(text));
      throw new Retryable(`malformed JSON in a ${res.status} response: ${quoted}`, undefined, false, res.status, text);
    }
  }

  private overBudget(req: RequestOptions, last: Error, spentMs: number, comeBackAt: number | undefined): HttpError {
    const last_ = this.opts.redactor.redact(last.message);
    const at = comeBackAt === undefined ? undefined : new Date(comeBackAt).toISOString();
    const back = at === undefined ? '' : `; the server asked to come back at ${at}`;
    const budget = Math.round(this.budgetMs / 1000);
    const spent = `${Math.round(spentMs / 1000)} s of retries and waits (retry.budget ${budget} s)`;
    // The last error is a Retryable (an answer) or a network error, which has no status or body.
    const { status, body } = last as Error & { status?: number; body?: unknown };
    return new HttpError(
      `${req.method ?? 'GET'} ${this.safeUrl(req.url)}: gave up after ${spent}${back}. Last answer: ${last_}`,
      'run',
      status,
      body,
    );
  }

  private notJson(req: RequestOptions, res: HttpResponse): HttpError {
    const text = typeof res.body === 'string' ? res.body : res.body === undefined ? '' : JSON.stringify(res.body);
    const what = text === '' ? 'an empty body' : /^\s*</.test(text) ? 'an HTML page' : 'text that is not JSON';
    const quote = text ? `: ${this.opts.redactor.redact(excerpt(text))}` : '';
    const request = `${req.method ?? 'GET'} ${this.safeUrl(res.url)}`;
    return new HttpError(
      `${request}: expected a JSON answer, got ${what} with status ${res.status}${quote}`,
      'run',
      res.status,
      res.body,
    );
  }

  private retryAfter(h: Headers): number | undefined {
    const v = h.get(this.opts.connector.rate_limit?.retry_after_header ?? 'retry-after');
    if (!v) return undefined;
    const secs = Number(v);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const at = Date.parse(v);
    return Number.isNaN(at) ? undefined : Math.max(0, at - this.now());
  }

  private describe(res: HttpResponse, template: string | undefined, extracted: string | undefined): string {
    const answer = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
    const detail = extracted ?? answer.slice(0, 300);
    const text = template
      ? template.replace('{status}', () => String(res.status)).replace('{error}', () => detail)
      : `HTTP ${res.status} from ${res.url.split('?')[0]}: ${detail}`;
    return this.opts.redactor.redact(text);
  }

  private safeUrl(u: string): string {
    return this.opts.redactor.redact(u);
  }

  private async messageOf(res: HttpResponse): Promise<string | undefined> {
    const em = this.opts.connector.error_message;
    if (!em || !res.body || typeof res.body !== 'object') return undefined;
    try {
      const m = await evaluate(em, res.body, `connector ${this.opts.connector.name} error_message`);
      return typeof m === 'string' && m ? m : undefined;
    } catch {
      return undefined;
    }
  }
}
