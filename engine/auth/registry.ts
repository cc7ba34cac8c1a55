import type { Auth } from '../config/types.generated.js';
import type { AuthContext, AuthProvider } from './context.js';
import { OAuth2Auth } from './oauth2.js';
import { SessionCookieLogin } from './session-cookie.js';
import { apiKeyAuth, basicAuth, bearerAuth, noAuth } from './static.js';

type Factory<T extends Auth['type']> = (spec: Extract<Auth, { type: T }>, ctx: AuthContext) => AuthProvider;

/** Auth strategies by the name the connector YAML uses; the schema's enum lists the same names. */
export const AUTH_STRATEGIES: { [T in Auth['type']]: Factory<T> } = {
  oauth2_client_credentials: (s, c) => new OAuth2Auth(s, c),
  oauth2_authorization_code: (s, c) => new OAuth2Auth(s, c),
  oauth2_refresh_token: (s, c) => new OAuth2Auth(s, c),
  oauth2_password: (s, c) => new OAuth2Auth(s, c),
  basic: basicAuth,
  api_key: apiKeyAuth,
  bearer: bearerAuth,
  session_cookie: (s, c) => new SessionCookieLogin(s, c),
  none: () => noAuth(),
};

export function createAuth(spec: Auth, ctx: AuthContext): AuthProvider {
  const factory = AUTH_STRATEGIES[spec.type] as Factory<typeof spec.type>;
  return factory(spec as never, ctx);
}
