import type { ApiKeyAuth, BasicAuth, BearerAuth } from '../config/types.generated.js';
import { render } from '../util/template.js';
import type { AuthContext, AuthProvider } from './context.js';

/** HTTP Basic, e.g. a Zendesk API token as {email}/token. */
export function basicAuth(spec: BasicAuth, ctx: AuthContext): AuthProvider {
  const pair = `${render(spec.username, ctx.vars)}:${render(spec.password, ctx.vars)}`;
  const value = `Basic ${Buffer.from(pair).toString('base64')}`;
  ctx.http.redactor.add(value.slice(6));
  return { apply: async (req) => void (req.headers.authorization = value), invalidate: () => {} };
}

/** A key in a header (x-api-token) or, for legacy APIs, a query parameter. */
export function apiKeyAuth(spec: ApiKeyAuth, ctx: AuthContext): AuthProvider {
  const key = render(spec.value, ctx.vars);
  return {
    apply: async (req) => {
      if (spec.query_param) req.query[spec.query_param] = key;
      else req.headers[(spec.header ?? 'x-api-key').toLowerCase()] = key;
    },
    invalidate: () => {},
  };
}

export function bearerAuth(spec: BearerAuth, ctx: AuthContext): AuthProvider {
  const token = render(spec.token, ctx.vars);
  return { apply: async (req) => void (req.headers.authorization = `Bearer ${token}`), invalidate: () => {} };
}

export function noAuth(): AuthProvider {
  return { apply: async () => {}, invalidate: () => {} };
}
