import type { ErrorBodies, SimResponse } from '../framework/types.js';

const ERROR_INFO = 'Please check developers.pipedrive.com';

/** Success envelope: `{success: true, data, additional_data}` (additional_data left out when there is none). */
export function ok(data: unknown, additional?: unknown, status = 200): SimResponse {
  const body: Record<string, unknown> = { success: true, data };
  if (additional !== undefined) body.additional_data = additional;
  return { status, body };
}

/** The documented error envelope (pipedrive.readme.io, core-api-concepts-responses); `code` where one applies. */
export function fail(status: number, error: string, code?: string): SimResponse {
  const body: Record<string, unknown> = {
    success: false,
    error,
    error_info: ERROR_INFO,
    data: null,
    additional_data: null,
  };
  if (code) body.code = code;
  return { status, body };
}

/** v2 schema validation: the wording and the code are UNCONFIRMED; the status (400) and envelope are documented. */
export function invalid(message: string): SimResponse {
  return fail(400, `Validation failed: ${message}`, 'ERR_SCHEMA_VALIDATION_FAILED');
}

export function notFound(what: string): SimResponse {
  return fail(404, `${what} not found`);
}

/**
 * The live 401 as PD-NOTES verified it (UNCONFIRMED here): `errorCode` instead of the envelope's
 * data/additional_data, and the gateway's `x-401-by-gw` header.
 */
export function unauthorized(): SimResponse {
  return {
    status: 401,
    headers: { 'x-401-by-gw': 'true' },
    body: { success: false, error: 'unauthorized access', errorCode: 401, error_info: ERROR_INFO },
  };
}

export function tooManyRequests(error: string): SimResponse {
  return fail(429, error);
}

/** What an API-token client that keeps calling after 429s gets from Cloudflare (PD-NOTES): HTML, not JSON. */
export function cloudflareBlock(): SimResponse {
  const html =
    '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>' +
    '<body><h1>Sorry, you have been blocked</h1><p>You are unable to access pipedrive.com</p></body></html>';
  return { status: 403, headers: { 'Content-Type': 'text/html; charset=UTF-8' }, body: html };
}

export const pipedriveErrorBodies: ErrorBodies = {
  notFound: (req) => fail(404, `Unknown method ${req.method} ${req.path}`),
  tooManyRequests: () => tooManyRequests('Request over limit'),
  serverError: (status) => fail(status, status === 503 ? 'Service unavailable' : 'Internal server error'),
  invalidBody: (message) => fail(400, message),
};
