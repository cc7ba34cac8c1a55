import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BodyError, parseBody, readRawBody } from './body.js';
import type { Clock } from './clock.js';
import { FaultInjector } from './faults.js';
import { listen, type Listening } from './http-server.js';
import { originFromHeaders, withRequestOrigin } from './origin.js';
import { parseQuery } from './query.js';
import { Router, type RouteLookup } from './router.js';
import { RequestStats } from './stats.js';
import type { ErrorBodies, Middleware, SimRequest, SimResponse } from './types.js';

export const ADMIN_PREFIX = '/__sim/';

export interface SimServerOptions {
  seed: number;
  clock: Clock;
  errors: ErrorBodies;
  faults?: Record<string, unknown>;
  /** Applied to API paths before routing, e.g. Zendesk's optional `.json` suffix. */
  normalizePath?: (path: string) => string;
  statsLogLimit?: number;
}

/**
 * One HTTP server with two routers: vendor API routes (faults, middleware, stats)
 * and `/__sim/` admin routes (none of those).
 */
export class SimServer {
  readonly api = new Router();
  readonly admin = new Router();
  readonly faults: FaultInjector;
  readonly stats: RequestStats;
  private readonly middlewares: Middleware[] = [];
  private listening?: Listening;

  constructor(private readonly opts: SimServerOptions) {
    this.faults = new FaultInjector(opts.seed, opts.faults);
    this.stats = new RequestStats(opts.clock, opts.statsLogLimit);
  }

  use(mw: Middleware): this {
    this.middlewares.push(mw);
    return this;
  }

  get url(): string {
    if (!this.listening) throw new Error('simulator is not started');
    return this.listening.url;
  }

  get started(): boolean {
    return this.listening !== undefined;
  }

  async start(port = 0): Promise<string> {
    this.listening = await listen((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end(String(err));
        }
      });
    }, port);
    return this.listening.url;
  }

  async stop(): Promise<void> {
    const l = this.listening;
    this.listening = undefined;
    if (l) await l.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const base = this.listening?.url ?? 'http://127.0.0.1';
    await withRequestOrigin(originFromHeaders(req.headers, base), () => this.handleInScope(req, res));
  }

  private async handleInScope(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.listening?.url ?? 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith(ADMIN_PREFIX)) {
      const lookup = this.admin.lookup(method, url.pathname);
      const response = await this.dispatch(req, url, method, url.pathname, lookup, [], adminErrors);
      write(res, response);
      return;
    }

    const path = this.opts.normalizePath ? this.opts.normalizePath(url.pathname) : url.pathname;
    const lookup = this.api.lookup(method, path);
    const route = lookup.match?.route ?? `${method} (unmatched)`;
    const record = (status: number) => {
      this.stats.record({ method, path: url.pathname, query: url.search, route, status });
    };

    const fault = this.faults.decide();
    if (fault.drop) {
      record(0);
      req.socket.destroy();
      return;
    }
    if (fault.latencyMs > 0) await sleep(fault.latencyMs);

    let response: SimResponse;
    if (fault.burst !== null) {
      await readRawBody(req).catch(() => '');
      response = this.opts.errors.tooManyRequests(fault.burst);
      response.headers = { ...response.headers, 'Retry-After': String(fault.burst) };
    } else if (fault.error !== null) {
      await readRawBody(req).catch(() => '');
      response = this.opts.errors.serverError(fault.error);
    } else {
      response = await this.dispatch(req, url, method, path, lookup, this.middlewares, this.opts.errors);
    }
    if (fault.malformed) response = truncate(response);
    record(response.status);
    write(res, response);
  }

  private async dispatch(
    req: IncomingMessage,
    url: URL,
    method: string,
    path: string,
    lookup: RouteLookup,
    middlewares: Middleware[],
    errors: ErrorBodies,
  ): Promise<SimResponse> {
    let rawBody: string;
    let body: unknown;
    try {
      rawBody = await readRawBody(req);
      body = parseBody(rawBody, req.headers['content-type']);
    } catch (err) {
      return errors.invalidBody(err instanceof BodyError ? err.message : String(err));
    }
    const simReq: SimRequest = {
      method,
      path,
      rawPath: url.pathname,
      url,
      query: parseQuery(url.searchParams),
      queryAll: url.searchParams,
      params: lookup.match?.params ?? {},
      headers: req.headers,
      rawBody,
      body,
      route: lookup.match?.route,
    };
    const final = async (): Promise<SimResponse> => {
      if (!lookup.match) return errors.notFound(simReq);
      try {
        return await lookup.match.handler(simReq);
      } catch (err) {
        const r = errors.serverError(500);
        // Header values must be plain ASCII or setHeader throws.
        const message = String(err instanceof Error ? err.message : err)
          .replace(/[^\x20-\x7e]/g, '?')
          .slice(0, 200);
        r.headers = { ...r.headers, 'X-Sim-Error': message };
        return r;
      }
    };
    let next = final;
    for (const mw of [...middlewares].reverse()) {
      const inner = next;
      next = () => mw(simReq, inner);
    }
    return next();
  }
}

const adminErrors: ErrorBodies = {
  notFound: (req) => ({ status: 404, body: { error: `no admin route ${req.method} ${req.path}` } }),
  tooManyRequests: () => ({ status: 429, body: { error: 'too many requests' } }),
  serverError: (status) => ({ status, body: { error: 'admin handler failed' } }),
  invalidBody: (message) => ({ status: 400, body: { error: message } }),
};

function serialise(r: SimResponse): { text: string; contentType?: string } {
  if (r.body === undefined) return { text: '' };
  if (typeof r.body === 'string') return { text: r.body, contentType: 'text/plain; charset=utf-8' };
  return { text: JSON.stringify(r.body), contentType: 'application/json; charset=utf-8' };
}

/** The malformed-response fault: a 200 whose JSON stops half-way. */
function truncate(r: SimResponse): SimResponse {
  const { text } = serialise(r);
  const cut = text.length > 1 ? text.slice(0, Math.floor(text.length / 2)) : '{';
  return { status: 200, headers: { ...r.headers, 'Content-Type': 'application/json; charset=utf-8' }, body: cut };
}

function write(res: ServerResponse, r: SimResponse): void {
  const { text, contentType } = serialise(r);
  res.statusCode = r.status;
  if (contentType) res.setHeader('Content-Type', contentType);
  for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
