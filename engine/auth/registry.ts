import type { LintAt, StrategyLint, StrategyProblem } from '../config/strategy.js';
import type { ApiKeyAuth, Auth, CustomAuth, OAuth2 } from '../config/types.generated.js';
import type { AuthContext, AuthProvider } from './context.js';
import { OAuth2Auth } from './oauth2.js';
import { SessionCookieLogin } from './session-cookie.js';
import { apiKeyAuth, basicAuth, bearerAuth, noAuth } from './static.js';

/** What an auth module exports (built-in or custom): a provider for one connection. */
export type AuthFactory<T extends Auth = Auth> = (spec: T, ctx: AuthContext) => AuthProvider;

type Entry<T extends Auth> = AuthFactory<T> & { lint: StrategyLint<T> };
const entry = <T extends Auth>(factory: AuthFactory<T>, ...rules: StrategyLint<T>[]): Entry<T> =>
  Object.assign(((s: T, c: AuthContext) => factory(s, c)) as AuthFactory<T>, {
    lint: (s: T, at: LintAt) => rules.flatMap((r) => r(s, at)),
  });

const customs = new WeakMap<CustomAuth, AuthFactory>();

/** Binds a custom auth's spec to its module's factory (engine/config/custom-modules.ts does, at load time). */
export function bindCustomAuth(spec: CustomAuth, factory: AuthFactory): void {
  customs.set(spec, factory);
}

function custom(spec: CustomAuth, ctx: AuthContext): AuthProvider {
  const factory = customs.get(spec);
  if (!factory)
    throw new Error(
      `connection ${ctx.connection}: custom auth ${spec.module} is not loaded (load the project's custom modules first)`,
    );
  return factory(spec, ctx);
}

/** HTTP Basic client authentication sends both halves or is refused by every token endpoint. */
const basicClient: StrategyLint<OAuth2> = (s) =>
  s.client_auth === 'basic' && (!s.client_id || !s.client_secret)
    ? [{ key: 'client_auth', message: `auth type ${s.type} with client_auth basic needs client_id and client_secret` }]
    : [];

/** A key goes in one place; with both set, the query parameter would silently win. */
const onePlace: StrategyLint<ApiKeyAuth> = (s) =>
  s.header && s.query_param
    ? [
        {
          key: 'query_param',
          message:
            'auth type api_key sends the key in a header or a query parameter: set header or query_param, not both',
        },
      ]
    : [];

const oauth2 = <T extends OAuth2 & Auth>() => entry<T>((s, c) => new OAuth2Auth(s, c), basicClient);

/**
 * Auth strategies by the name the connector YAML uses, each with its lint rules; the schema's
 * oneOf branches carry the same names (a test proves it).
 */
export const AUTH_STRATEGIES: { [T in Auth['type']]: Entry<Extract<Auth, { type: T }>> } = {
  oauth2_client_credentials: oauth2(),
  oauth2_authorization_code: oauth2(),
  oauth2_refresh_token: oauth2(),
  oauth2_password: oauth2(),
  basic: entry(basicAuth),
  api_key: entry(apiKeyAuth, onePlace),
  bearer: entry(bearerAuth),
  session_cookie: entry((s, c) => new SessionCookieLogin(s, c)),
  none: entry(() => noAuth()),
  custom: entry(custom),
};

export function createAuth(spec: Auth, ctx: AuthContext): AuthProvider {
  return (AUTH_STRATEGIES[spec.type] as AuthFactory)(spec, ctx);
}

/** The problems of an auth spec, by its strategy's own rules. */
export function lintAuth(spec: Auth, at: LintAt = {}): StrategyProblem[] {
  return Object.hasOwn(AUTH_STRATEGIES, spec.type)
    ? (AUTH_STRATEGIES[spec.type].lint as StrategyLint<Auth>)(spec, at)
    : [];
}
