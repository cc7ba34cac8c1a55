import type { Prng } from '../framework/prng.js';
import type { ErrorBodies, SimRequest, SimResponse } from '../framework/types.js';

/** Response-level messages as error-codes.md words them (the 606 one keeps Marketo's grammar). */
const MESSAGES: Record<string, string> = {
  '601': 'Access token invalid',
  '602': 'Access token expired',
  '603': 'Access denied',
  '604': 'Request time-out',
  '605': 'HTTP Method not supported',
  '607': 'Daily quota reached',
  '608': 'API Temporarily Unavailable',
  '609': 'Invalid JSON',
  '610': 'Requested resource not found',
  '611': 'System error',
  '612': 'Invalid Content Type',
  '615': 'Concurrent access limit reached',
  '702': 'No data found for a given search scenario',
};

/** Codes whose calls count neither towards the daily quota nor the rate limit (the docs' asterisks). */
export const UNCOUNTED_CODES: ReadonlySet<string> = new Set(['601', '602', '604', '605', '608', '611']);

export interface ApiError {
  code: string;
  message: string;
}

export function apiError(code: string, message = MESSAGES[code] ?? 'Error'): ApiError {
  return { code, message };
}

export function rateLimitMessage(limit: number, windowSec: number): string {
  return `Max rate limit '${limit}' exceeded with in '${windowSec}' secs`;
}

export interface OkExtras {
  moreResult?: boolean;
  nextPageToken?: string;
  warnings?: string[];
}

/**
 * Builds Marketo's envelope: always HTTP 200, `success` and the `requestId` Marketo gives every answer
 * (`e42b#14272d07d78`: four hex digits, then the time in ms as hex).
 */
export class Envelopes {
  constructor(
    private readonly rng: Prng,
    private readonly nowMs: () => number,
    private readonly style: () => 'spec' | 'docs',
  ) {}

  requestId(): string {
    return `${this.rng.hex(4)}#${this.nowMs().toString(16)}`;
  }

  ok(result: unknown[], extras: OkExtras = {}): SimResponse {
    const spec = this.style() === 'spec';
    const body: Record<string, unknown> = { requestId: this.requestId(), success: true, result };
    if (spec) body.errors = [];
    if (spec || extras.warnings?.length) body.warnings = extras.warnings ?? [];
    // The docs' query examples leave out moreResult when it is false.
    if (extras.moreResult !== undefined && (spec || extras.moreResult)) body.moreResult = extras.moreResult;
    if (extras.nextPageToken !== undefined) body.nextPageToken = extras.nextPageToken;
    return { status: 200, body };
  }

  fail(...errors: ApiError[]): SimResponse {
    const body: Record<string, unknown> = { requestId: this.requestId(), success: false, errors };
    if (this.style() === 'spec') Object.assign(body, { result: [], warnings: [] });
    return { status: 200, body };
  }

  code(code: string, message?: string): SimResponse {
    return this.fail(apiError(code, message));
  }
}

/** The code of a failed envelope, or undefined for a success or a non-envelope answer. */
export function failureCode(res: SimResponse): string | undefined {
  const b = res.body as { success?: unknown; errors?: Array<{ code?: unknown }> } | undefined;
  if (!b || typeof b !== 'object' || b.success !== false) return undefined;
  const code = b.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The framework's error answers in Marketo's terms: an unknown path is 610 and a known path under
 * another method 605, a bad body 609, all at HTTP 200; the fault injector's 429 burst becomes 606.
 */
export function marketoErrorBodies(
  env: Envelopes,
  pathExists: (req: SimRequest) => boolean,
  limit: () => [number, number],
): ErrorBodies {
  return {
    notFound: (req) => (pathExists(req) ? env.code('605') : env.code('610')),
    tooManyRequests: () => env.code('606', rateLimitMessage(...limit())),
    serverError: (status) => ({ ...env.code('611'), status }),
    invalidBody: () => env.code('609'),
  };
}
