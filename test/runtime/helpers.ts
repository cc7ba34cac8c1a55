// Shared helpers of the runtime unit tests: a fake clock, small connectors, HTTP clients wired to
// nock, recording token stores, temp folders and a tiny loopback HTTP server.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { AuthProvider, TokenStore } from '../../engine/auth/context.js';
import { createAuth } from '../../engine/auth/registry.js';
import { loadProject } from '../../engine/config/project.js';
import type { Auth, Connector } from '../../engine/config/types.generated.js';
import { HttpClient, HttpError } from '../../engine/http/client.js';
import { Redactor } from '../../engine/http/redact.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A clock that only moves when something sleeps on it; every requested delay is recorded. */
export interface FakeClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  sleeps: number[];
  advance(ms: number): void;
}

export function fakeClock(start = Date.UTC(2026, 0, 15, 12, 0, 0)): FakeClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** nock for the whole file: no real network, loopback (the tiny test servers) allowed. */
export function useNock(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  });
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
}

let shipped: Map<string, Connector> | undefined;

/** A shipped connector from connectors/*.yaml (a deep copy, so tests may change it). */
export function shippedConnector(name: string): Connector {
  if (!shipped) {
    shipped = new Map();
    for (const [n, l] of loadProject(repoRoot).connectors) if (l.data) shipped.set(n, l.data);
  }
  const c = shipped.get(name);
  if (!c) throw new Error(`no valid shipped connector ${name}`);
  return structuredClone(c);
}

export const API = 'https://api.test';

/** A small connector without auth and with millisecond backoff, so retry tests are fast. */
export function testConnector(extra: Partial<Connector> = {}): Connector {
  return {
    name: 'test',
    base_url: API,
    auth: { type: 'none' },
    ...extra,
    retry: { min_delay: '1ms', max_delay: '5ms', ...extra.retry },
  };
}

export interface ClientSetup {
  client: HttpClient;
  clock: FakeClock;
  redactor: Redactor;
}

export function makeClient(
  connector: Connector,
  o: {
    clock?: FakeClock;
    redactor?: Redactor;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    baseUrl?: string;
  } = {},
): ClientSetup {
  const clock = o.clock ?? fakeClock();
  const redactor = o.redactor ?? new Redactor();
  const client = new HttpClient({
    connector,
    connection: connector.name,
    redactor,
    sleep: clock.sleep,
    now: clock.now,
    headers: o.headers,
    query: o.query,
    baseUrl: o.baseUrl,
  });
  return { client, clock, redactor };
}

/** An in-memory TokenStore that logs every call in order. */
export interface RecordingTokenStore extends TokenStore {
  data: Map<string, { value: string; expiresAt?: number }>;
  log: string[];
}

export function memoryTokens(initial: Record<string, { value: string; expiresAt?: number }> = {}): RecordingTokenStore {
  const data = new Map(Object.entries(initial));
  const log: string[] = [];
  return {
    data,
    log,
    get(kind) {
      return Promise.resolve(data.get(kind));
    },
    set(kind, value, expiresAt) {
      log.push(`set ${kind}=${value}`);
      data.set(kind, { value, expiresAt });
      return Promise.resolve();
    },
    delete(kind) {
      log.push(`delete ${kind}`);
      data.delete(kind);
      return Promise.resolve();
    },
  };
}

export interface AuthSetup extends ClientSetup {
  auth: AuthProvider;
  tokens: RecordingTokenStore;
}

/**
 * A client whose auth is built by the registry from `spec`, as openConnection does: the strategy
 * gets a plain client for its own requests, the API client is made from it with the strategy.
 */
export function withAuth(
  spec: Auth,
  o: {
    vars?: Record<string, string>;
    tokens?: RecordingTokenStore;
    clock?: FakeClock;
    connector?: Partial<Connector>;
    redactor?: Redactor;
    baseUrl?: string;
    tokenUrl?: string;
  } = {},
): AuthSetup {
  const connector = testConnector({ ...o.connector, auth: spec });
  const plain = makeClient(connector, { clock: o.clock, redactor: o.redactor });
  const tokens = o.tokens ?? memoryTokens();
  const baseUrl = o.baseUrl ?? API;
  const http = plain.client;
  const auth = createAuth(spec, {
    connection: 'conn',
    vars: o.vars ?? {},
    tokenUrl: o.tokenUrl,
    baseUrl,
    http,
    tokens,
    now: plain.clock.now,
  });
  return { ...plain, client: plain.client.withApi({ auth, baseUrl }), auth, tokens };
}

/** Parses a captured request body (nock hands over JSON objects or raw form text). */
export function parseBody(body: unknown): Record<string, unknown> {
  if (body && typeof body === 'object') return body as Record<string, unknown>;
  if (typeof body !== 'string' || body === '') return {};
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return Object.fromEntries(new URLSearchParams(body));
  }
}

const tempDirs: string[] = [];

export function tempDir(prefix = 'mlc-rt-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export type Handler = (req: IncomingMessage & { body: string }, res: ServerResponse) => unknown;

/** A real HTTP server on 127.0.0.1 (for what nock cannot fake faithfully: several Set-Cookie headers, concurrency). */
export async function localServer(
  handler: Handler,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Object.assign(req, { body: Buffer.concat(chunks).toString('utf8') });
      Promise.resolve(handler(req as IncomingMessage & { body: string }, res)).catch((e: unknown) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => {
          r();
        });
      }),
  };
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The HttpError a request fails with (the test fails if it succeeds or fails otherwise). */
export async function failure(p: Promise<unknown>): Promise<HttpError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(HttpError);
  return e as HttpError;
}
