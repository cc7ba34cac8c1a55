import pRetry, { AbortError } from 'p-retry';
import { Agent, type Dispatcher } from 'undici';
import type { Connector } from '../config/types.generated.js';
import { parseDuration } from '../util/duration.js';
import { evaluate } from '../map/expression.js';
import { RateLimiter, realSleep, type Sleep } from './rate-limiter.js';
import { Redactor } from './redact.js';
import { ErrorRules } from './rules.js';

export interface RequestOptions {
  method?: string;
  /** Absolute URL */
  url: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  /** Apply the connection's auth (default true); token requests themselves do not. */
  auth?: boolean;
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
  invalidate(used?: string): void;
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

export interface ClientOptions {
  connector: Connector;
  connection: string;
  redactor: Redactor;
  dispatcher?: Dispatcher;
  sleep?: Sleep;
  now?: () => number;
  /** Default headers and query of API calls (not of token requests), already rendered */
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** The configured base URL; replaced by one the auth dictates (Pipedrive api_domain) */
  baseUrl?: string;
}

export interface ClientStats {
  requests: number;
  retries: number;
  byMethod: Record<string, number>;
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
    a = new Agent({ connections: 16, keepAliveTimeout: 10_000, connect: { timeout: connectTimeoutMs }, headersTimeout: 120_000, bodyTimeout: 120_000 });
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
 */
export class HttpClient {
  auth?: AuthApplier;
  readonly stats: ClientStats = { requests: 0, retries: 0, byMethod: {} };
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

  constructor(private readonly opts: ClientOptions) {
    const c = opts.connector;
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
    this.limiter = new RateLimiter(c.rate_limit, c.max_concurrency ?? 4, this.sleep, this.now);
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
    if (/^https?:\/\//.test(path)) return path;
    return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  }

  async request(req: RequestOptions): Promise<HttpResponse> {
    let reauthenticated = false;
    let rateLimitWaits = 0;
    const started = this.now();
    /** When the server last asked to be called again (Retry-After), as an instant */
    let comeBackAt: number | undefined;
    return pRetry(
      async () => {
        const res = await this.once(req);
        const decision = await this.rules.classify(res.status, res.body);
        if (decision.action === 'ok') {
          if (req.expect === 'json' && (res.body === null || typeof res.body !== 'object')) throw new AbortError(this.notJson(req, res));
          return res;
        }
        const reason = this.describe(res, decision.message, await this.messageOf(res));
        switch (decision.action) {
          case 'retry': {
            // A server that says how long to wait is waited for without using up retries;
            // a bare 429 or 5xx backs off exponentially and counts.
            const asked = this.retryAfter(res.headers);
            if (asked !== undefined) comeBackAt = this.now() + asked;
            const delay = asked ?? decision.delayMs;
            throw new Retryable(reason, delay, delay !== undefined && rateLimitWaits++ < 50, res.status, res.body);
          }
          case 'reauthenticate':
            if (req.auth === false || !this.auth || reauthenticated) throw new AbortError(new HttpError(`authentication failed: ${reason}`, 'run', res.status, res.body));
            reauthenticated = true;
            this.auth.invalidate(res.sentAuthorization);
            throw new Retryable(reason, 0, true, res.status);
          case 'fail_run':
            throw new AbortError(new HttpError(reason, 'run', res.status, res.body));
          default:
            throw new AbortError(new HttpError(reason, 'record', res.status, res.body));
        }
      },
      {
        retries: this.attempts,
        minTimeout: this.minDelay,
        maxTimeout: this.maxDelay,
        factor: 2,
        randomize: true,
        onFailedAttempt: async ({ error }) => {
          const ms = error instanceof Retryable && error.delayMs ? Math.min(error.delayMs, this.maxRetryAfter) : 0;
          // Every wait counts against one budget per request (429 waits included): a server that
          // keeps saying "later" stops the run in minutes, with what was done recorded.
          const spent = this.now() - started;
          if (spent + ms > this.budgetMs) throw this.overBudget(req, error, spent, comeBackAt);
          this.stats.retries++;
          if (ms) {
            this.limiter.pause(ms);
            await this.sleep(ms);
          }
        },
        shouldConsumeRetry: ({ error }) => !(error instanceof Retryable && error.rateLimited),
      },
    ).catch((e: unknown) => {
      if (e instanceof HttpError) throw e;
      const msg = this.opts.redactor.redact(e instanceof Error ? e.message : String(e));
      // Retries exhausted: an API that keeps answering with an error fails the record; one that
      // cannot be reached at all (network, timeout) stops the run.
      const answered = e instanceof Retryable && e.status !== undefined;
      // A network fault's message, and an answer's ("HTTP 503 from URL"), already name the request; the URL is said once.
      const named = (e instanceof Retryable && !answered) || msg.includes(this.safeUrl(req.url).split('?')[0]);
      const text = named ? msg : `${req.method ?? 'GET'} ${this.safeUrl(req.url)}: ${msg}`;
      throw new HttpError(text, answered ? 'record' : 'run', (e as Retryable).status, (e as Retryable).body);
    });
  }

  private async once(req: RequestOptions): Promise<HttpResponse & { sentAuthorization?: string }> {
    const method = req.method ?? 'GET';
    const api = req.auth !== false;
    // Token requests go to an identity provider: the API's default headers and query stay off them.
    const headers: Record<string, string> = { ...(api ? this.opts.headers : {}), ...req.headers };
    const query: Record<string, string> = { ...(api ? this.opts.query : {}), ...req.query };
    let target = req.url;
    if (api && this.auth) {
      try {
        await this.auth.apply({ headers, query });
      } catch (e) {
        // A refused token request is not retried: a wrong password retried is a locked account.
        throw new AbortError(e instanceof HttpError ? e : new HttpError((e as Error).message, 'run'));
      }
      const dictated = this.auth.baseUrl?.();
      const configured = this.opts.baseUrl?.replace(/\/+$/, '');
      if (dictated && configured && target.startsWith(configured)) target = dictated.replace(/\/+$/, '') + target.slice(configured.length);
    }
    const url = new URL(target);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    } else if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const release = await this.limiter.acquire();
    let res: Response;
    let text: string;
    try {
      this.stats.requests++;
      this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
      res = await fetch(url, { method, headers, body, dispatcher: this.dispatcher, signal: AbortSignal.timeout(this.timeoutMs) } as RequestInit);
      text = await res.text();
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new Retryable(`${method} ${this.safeUrl(url.toString())}: ${(e as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : `network error ${cause?.code ?? ''} ${cause?.message ?? (e as Error).message}`.trim()}`);
    } finally {
      release();
    }
    this.limiter.observe(res.headers);
    let parsed: unknown = text;
    const type = res.headers.get('content-type') ?? '';
    if (text && (type.includes('json') || /^\s*[[{]/.test(text))) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // A truncated page is a transient fault on a 2xx; on an error status keep the text.
        if (res.ok) throw new Retryable(`malformed JSON in a ${res.status} response: ${this.opts.redactor.redact(excerpt(text))}`, undefined, false, res.status, text);
      }
    } else if (!text) {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, url: url.toString(), sentAuthorization: headers.authorization };
  }

  private overBudget(req: RequestOptions, last: Error, spentMs: number, comeBackAt: number | undefined): HttpError {
    const last_ = this.opts.redactor.redact(last.message);
    const back = comeBackAt !== undefined ? `; the server asked to come back at ${new Date(comeBackAt).toISOString()}` : '';
    return new HttpError(
      `${req.method ?? 'GET'} ${this.safeUrl(req.url)}: gave up after ${Math.round(spentMs / 1000)} s of retries and waits (retry.budget ${Math.round(this.budgetMs / 1000)} s)${back}. Last answer: ${last_}`,
      'run',
      (last as Retryable).status,
      (last as Retryable).body,
    );
  }

  private notJson(req: RequestOptions, res: HttpResponse): HttpError {
    const text = typeof res.body === 'string' ? res.body : res.body === undefined ? '' : JSON.stringify(res.body);
    const what = text === '' ? 'an empty body' : /^\s*</.test(text) ? 'an HTML page' : 'text that is not JSON';
    return new HttpError(
      `${req.method ?? 'GET'} ${this.safeUrl(res.url)}: expected a JSON answer, got ${what} with status ${res.status}${text ? `: ${this.opts.redactor.redact(excerpt(text))}` : ''}`,
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
    const detail = extracted ?? (typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '')).slice(0, 300);
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
