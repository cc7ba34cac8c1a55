import type { ErrorBodies, SimResponse } from '../framework/types.js';

export type ErrorDetails = Record<string, Array<{ description: string; error: string }>>;

export function recordNotFound(): SimResponse {
  return { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
}

/** 422 envelope. Only `details` is sourced; the surrounding keys are UNCONFIRMED (targets.md 1.2). */
export function recordInvalid(details: ErrorDetails): SimResponse {
  return { status: 422, body: { error: 'RecordInvalid', description: 'Record validation errors', details } };
}

export function badRequest(error: string, description: string): SimResponse {
  return { status: 400, body: { error, description } };
}

export function unauthorized(): SimResponse {
  return { status: 401, body: { error: "Couldn't authenticate you" } };
}

export function forbidden(description: string): SimResponse {
  return { status: 403, body: { error: 'Forbidden', description } };
}

/** General 429 body: UNCONFIRMED (ZD-OAS shows this shape on some endpoints). */
export function tooManyRequests(retryAfterSec: number, title = 'Too many requests'): SimResponse {
  return {
    status: 429,
    headers: { 'Retry-After': String(retryAfterSec) },
    body: { errors: [{ code: 'TooManyRequests', title }] },
  };
}

export const zendeskErrorBodies: ErrorBodies = {
  notFound: () => ({ status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } }),
  tooManyRequests: (s) => tooManyRequests(s),
  serverError: (status) => ({
    status,
    body: { error: status === 503 ? 'ServiceUnavailable' : 'InternalServerError', description: 'Something went wrong' },
  }),
  invalidBody: (message) => badRequest('InvalidJSON', message),
};

export function detail(field: string, description: string, error = 'InvalidValue'): ErrorDetails {
  return { [field]: [{ description, error }] };
}
