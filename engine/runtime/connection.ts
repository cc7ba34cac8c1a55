import type { Auth, Connection, Connector } from '../config/types.generated.js';
import { createAuth } from '../auth/registry.js';
import type { AuthProvider, TokenStore } from '../auth/context.js';
import { HttpClient } from '../http/client.js';
import { Redactor } from '../http/redact.js';
import type { Sleep } from '../http/rate-limiter.js';
import { render, renderMap } from '../util/template.js';

/** A connection whose values are resolved and whose client is ready to call the API. */
export interface LiveConnection {
  name: string;
  connector: Connector;
  baseUrl: string;
  vars: Record<string, string>;
  client: HttpClient;
  auth: AuthProvider;
}

export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/** Looks up a stored credential by name (${store:NAME}); undefined when there is none. */
export type CredentialLookup = (name: string) => string | undefined;

/** What a connection keeps in the state: its tokens, and the credentials its values name. */
export interface ConnectionSecrets {
  /** This connection's tokens */
  tokens: TokenStore;
  credential: CredentialLookup;
}

function missingValue(where: string, name: string, key: string, kind: string, ref: string): ConnectionError {
  const needs =
    kind === 'env'
      ? `needs environment variable ${ref}, which is not set`
      : `needs stored credential "${ref}": run mlc credentials set ${ref}`;
  return new ConnectionError(`${where}: connection "${name}" value "${key}" ${needs}`);
}

/**
 * Resolves a connection's values: plain strings, ${env:NAME}, ${store:NAME} (the encrypted
 * credential store), and the connector's defaults. Secret values are registered with the redactor.
 */
export function resolveValues(
  name: string,
  conn: Connection,
  connector: Connector,
  credential: CredentialLookup | undefined,
  redactor: Redactor,
  where: string,
): Record<string, string> {
  const vars: Record<string, string> = {};
  const declared = Object.entries(connector.variables ?? {});
  for (const [k, v] of declared) if (v.default !== undefined) vars[k] = v.default;
  for (const [k, raw] of Object.entries(conn.values ?? {})) {
    vars[k] = String(raw).replace(/\$\{(env|store):([^}]+)\}/g, (_m, kind: string, ref: string) => {
      const v = kind === 'env' ? process.env[ref] : credential?.(ref);
      if (v === undefined) throw missingValue(where, name, k, kind, ref);
      return v;
    });
  }
  for (const [k, v] of declared) {
    // A declared variable without a default that the connection does not set is absent.
    const value = vars[k] as string | undefined;
    if (v.required && (value === undefined || value === '')) {
      const about = v.description ? ` (${v.description})` : '';
      throw new ConnectionError(
        `${where}: connection "${name}" has no value for "${k}", which connector "${connector.name}" requires${about}`,
      );
    }
    if (v.secret) redactor.add(value);
  }
  return vars;
}

interface ConnectionOptionsBase {
  name: string;
  connection: Connection;
  connector: Connector;
  where: string;
  redactor?: Redactor;
  sleep?: Sleep;
  now?: () => number;
}

/**
 * How to open a connection: its profile, and where its secrets are kept (from the state backend:
 * `connectionSecrets(backend, name)` in store/token-store.ts).
 */
export type OpenConnectionOptions = ConnectionOptionsBase & ConnectionSecrets;

/**
 * Obtains the connection's credentials now (a token, a session), so a run learns that one of its
 * connections cannot sign in before it has changed anything anywhere. Static credentials are
 * only checked by the first request.
 */
export async function authenticate(conn: LiveConnection): Promise<void> {
  await conn.auth.apply({ headers: {}, query: {} });
}

/** The auth the connection asks for: the connector's, or one of its auth_options by name. */
function authSpec(o: ConnectionOptionsBase): Auth {
  if (!o.connection.auth) return o.connector.auth;
  const alt = o.connector.auth_options?.[o.connection.auth];
  if (alt) return alt;
  const offered = Object.keys(o.connector.auth_options ?? {}).join(', ') || 'none';
  throw new ConnectionError(
    `${o.where}: connection "${o.name}" asks for auth "${o.connection.auth}", ` +
      `which connector "${o.connector.name}" does not offer (it has: ${offered})`,
  );
}

/**
 * Resolves a connection and builds its clients: a plain one for the auth strategy's own requests,
 * the strategy, then the API client that applies it.
 */
export function openConnection(o: OpenConnectionOptions): LiveConnection {
  const redactor = o.redactor ?? new Redactor();
  const vars = resolveValues(o.name, o.connection, o.connector, o.credential, redactor, o.where);
  const baseUrl = render(o.connection.base_url ?? o.connector.base_url, vars);
  const spec = authSpec(o);
  const plain = new HttpClient({ connector: o.connector, connection: o.name, redactor, sleep: o.sleep, now: o.now });
  const tokenUrl = o.connection.token_url ? render(o.connection.token_url, vars) : undefined;
  const now = o.now ?? Date.now;
  const { tokens } = o;
  const auth = createAuth(spec, { connection: o.name, vars, tokenUrl, baseUrl, http: plain, tokens, now });
  const headers = renderMap(o.connector.headers, vars);
  const client = plain.withApi({ auth, headers, query: renderMap(o.connector.query, vars), baseUrl });
  return { name: o.name, connector: o.connector, baseUrl, vars, client, auth };
}
