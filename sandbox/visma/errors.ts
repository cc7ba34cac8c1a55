import { randomUUID } from 'node:crypto';
import type { ErrorBodies, SimResponse } from '../framework/types.js';

/**
 * Legacy IPP error body, the one shape sources.md documents. Fault codes are
 * simulator-chosen (the real codes per validation error are UNCONFIRMED).
 */
export function ippError(status: number, message: string, faultCode = '10400'): SimResponse {
  return {
    status,
    body: {
      ExceptionType: 'IPPException',
      ExceptionMessage: message,
      ExceptionFaultCode: faultCode,
      ExceptionMessageID: `${faultCode}_${randomUUID()}`,
      ExceptionDetails: '',
    },
  };
}

/**
 * Gateway-level errors. The 401/404/429 bodies on api.finance.visma.net are UNCONFIRMED;
 * the gateway is Azure API Management, so its default `{statusCode, message}` shape is used.
 */
export function gatewayError(status: number, message: string, headers?: Record<string, string>): SimResponse {
  return { status, body: { statusCode: status, message }, headers };
}

export function unauthorized(message: string): SimResponse {
  return gatewayError(401, message, { 'WWW-Authenticate': 'Bearer' });
}

export const vismaErrorBodies: ErrorBodies = {
  notFound: (req) => gatewayError(404, `Resource not found: ${req.method} ${req.path}`),
  tooManyRequests: (retryAfterSec) =>
    gatewayError(429, `Rate limit is exceeded. Try again in ${retryAfterSec} seconds.`),
  serverError: (status) => gatewayError(status, status === 503 ? 'Service unavailable' : 'Internal server error'),
  invalidBody: (message) => ippError(400, message, '10400'),
};

/** OAuth errors from the token endpoint (RFC 6749 shape). */
export function oauthError(error: string, description?: string): SimResponse {
  return { status: 400, body: description ? { error, error_description: description } : { error } };
}
