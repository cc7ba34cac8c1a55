import type { ApiKeyAuth, BasicAuth, BearerAuth } from '../config/types.generated.js';
import { render } from '../util/template.js';
import type { AuthContext, AuthProvider } from './context.js';

/** HTTP Basic, e.g. a Zendesk API token as {email}/token. */
export function basicAuth(spec: BasicAuth, ctx: AuthContext): AuthProvider {
  const pair = `${render(spec.username, ctx.vars)}:${render(spec.password, ctx.vars)}`;
  const value = `Basic ${Buffer.from(pair).toString('base64')}`;
  ctx.http.redactor.add(value.slice(6));
  const apply: AuthProvider['apply'] = (req) => {
    req.headers.authorization = value;
    return Promise.resolve();
  };
  return { apply, invalidate: () => {} };
}

/** A key in a header (x-api-token) or, for legacy APIs, a query parameter. */
export function apiKeyAuth(spec: ApiKeyAuth, ctx: AuthContext): AuthProvider {
  const key = render(spec.value, ctx.vars);
  return {
    apply: (req) => {
      if (spec.query_param) req.query[spec.query_param] = key;
      else req.headers[(spec.header ?? 'x-api-key').toLowerCase()] = key;
      return Promise.resolve();
    },
    invalidate: () => {},
  };
}

export function bearerAuth(spec: BearerAuth, ctx: AuthContext): AuthProvider {
  const token = render(spec.token, ctx.vars);
  const apply: AuthProvider['apply'] = (req) => {
    req.headers.authorization = `Bearer ${token}`;
    return Promise.resolve();
  };
  return { apply, invalidate: () => {} };
}

export function noAuth(): AuthProvider {
  return { apply: () => Promise.resolve(), invalidate: () => {} };
}
