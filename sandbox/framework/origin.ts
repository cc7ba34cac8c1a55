import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';

// Host names, IPv4/IPv6 literals and a port; anything else (spaces, slashes, @) could turn a
// link into another URL, so such a Host header is ignored.
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origin a client used to reach us: `Host` (and `X-Forwarded-Proto` when a proxy
 * terminated TLS), so absolute links in answers work behind a proxy or a port forward.
 * Falls back to the listening address when the headers are missing or malformed.
 */
export function originFromHeaders(headers: IncomingHttpHeaders, fallback: string): string {
  const host = headers.host;
  if (!host || !HOST.test(host)) return fallback;
  const forwarded = String(headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    .trim()
    .toLowerCase();
  const proto = forwarded === 'https' || forwarded === 'http' ? forwarded : new URL(fallback).protocol.replace(':', '');
  return `${proto}://${host}`;
}

const current = new AsyncLocalStorage<string>();

/**
 * Runs a request's handling with its origin in scope. Resource renderers deep in a store
 * (a job's `url`, an organization's `url`) read it without every call site passing it on.
 */
export function withRequestOrigin<T>(origin: string, fn: () => T): T {
  return current.run(origin, fn);
}

/** The origin of the request being handled, or undefined outside a request (in-process views). */
export function requestOrigin(): string | undefined {
  return current.getStore();
}
