import type { IncomingHttpHeaders } from 'node:http';

/** Query parameters by name: a parameter the client did not send is undefined. */
export type QueryParams = Partial<Record<string, string>>;

/** A parsed request as handlers see it. */
export interface SimRequest {
  method: string;
  /** Path after normalisation (e.g. a stripped `.json` suffix), without the query string. */
  path: string;
  /** Path as received, without the query string. */
  rawPath: string;
  url: URL;
  /** Decoded query parameters; bracket keys stay literal (`page[size]`). Last value wins. */
  query: QueryParams;
  /** Every value per key, for parameters that may repeat. */
  queryAll: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON or form body; undefined when the body is empty. */
  body: unknown;
  /** The matched route pattern, e.g. `GET /api/v2/organizations/{id}`. */
  route?: string;
}

/** What a handler returns. `body` is serialised as JSON unless it is a string. */
export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** Wraps the route dispatch of API requests (rate limits, auth, headers). */
export type Middleware = (req: SimRequest, next: () => Promise<SimResponse>) => Promise<SimResponse>;

/** Vendor-specific error bodies used by the shared pipeline. */
export interface ErrorBodies {
  notFound(req: SimRequest): SimResponse;
  tooManyRequests(retryAfterSec: number): SimResponse;
  serverError(status: number): SimResponse;
  invalidBody(message: string): SimResponse;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): SimResponse {
  return { status, body, headers };
}

export function empty(status: number, headers?: Record<string, string>): SimResponse {
  return { status, headers };
}

/**
 * A value a client sent, as text for a message or a lookup: strings as sent, numbers, booleans and
 * nullish values as String() writes them, objects and arrays as JSON (String() says "[object Object]").
 */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  // Request bodies are JSON or forms: what is left is an object or an array.
  return JSON.stringify(v);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
