import type { Auth, Connection, Connector } from '../config/types.generated.js';
import { createAuth } from '../auth/registry.js';
import type { AuthProvider } from '../auth/context.js';
import { HttpClient } from '../http/client.js';
import { Redactor } from '../http/redact.js';
import type { Sleep } from '../http/rate-limiter.js';
import type { StateStore } from '../store/state.js';
import { CredentialStore } from '../store/credentials.js';
import { tokenStore } from '../store/token-store.js';
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

/**
 * Resolves a connection's values: plain strings, ${env:NAME}, ${store:NAME} (the encrypted
 * credential store), and the connector's defaults. Secret values are registered with the redactor.
 */
export function resolveValues(name: string, conn: Connection, connector: Connector, state: StateStore | undefined, redactor: Redactor, where: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(connector.variables ?? {})) if (v.default !== undefined) vars[k] = v.default;
  const creds = state ? new CredentialStore(state) : undefined;
  for (const [k, raw] of Object.entries(conn.values ?? {})) {
    const value = String(raw).replace(/\$\{(env|store):([^}]+)\}/g, (_m, kind: string, ref: string) => {
      const v = kind === 'env' ? process.env[ref] : creds?.get(ref);
      if (v === undefined) {
        throw new ConnectionError(
          kind === 'env'
            ? `${where}: connection "${name}" value "${k}" needs environment variable ${ref}, which is not set`
            : `${where}: connection "${name}" value "${k}" needs stored credential "${ref}": run mlc credentials set ${ref}`,
        );
      }
      return v;
    });
    vars[k] = value;
  }
  for (const [k, v] of Object.entries(connector.variables ?? {})) {
    if (v.required && (vars[k] === undefined || vars[k] === '')) throw new ConnectionError(`${where}: connection "${name}" has no value for "${k}", which connector "${connector.name}" requires${v.description ? ` (${v.description})` : ''}`);
    if (v.secret) redactor.add(vars[k]);
  }
  return vars;
}

export interface OpenConnectionOptions {
  name: string;
  connection: Connection;
  connector: Connector;
  state: StateStore;
  where: string;
  redactor?: Redactor;
  sleep?: Sleep;
  now?: () => number;
}

/**
 * Obtains the connection's credentials now (a token, a session), so a run learns that one of its
 * connections cannot sign in before it has changed anything anywhere. Static credentials are
 * only checked by the first request.
 */
export async function authenticate(conn: LiveConnection): Promise<void> {
  await conn.auth.apply({ headers: {}, query: {} });
}

export function openConnection(o: OpenConnectionOptions): LiveConnection {
  const redactor = o.redactor ?? new Redactor();
  const vars = resolveValues(o.name, o.connection, o.connector, o.state, redactor, o.where);
  const baseUrl = render(o.connection.base_url ?? o.connector.base_url, vars);
  const client = new HttpClient({
    connector: o.connector,
    connection: o.name,
    redactor,
    sleep: o.sleep,
    now: o.now,
    headers: renderMap(o.connector.headers, vars),
    query: renderMap(o.connector.query, vars),
    baseUrl,
  });
  let spec: Auth = o.connector.auth;
  if (o.connection.auth) {
    const alt = o.connector.auth_options?.[o.connection.auth];
    if (!alt) throw new ConnectionError(`${o.where}: connection "${o.name}" asks for auth "${o.connection.auth}", which connector "${o.connector.name}" does not offer (it has: ${Object.keys(o.connector.auth_options ?? {}).join(', ') || 'none'})`);
    spec = alt;
  }
  const tokenUrl = o.connection.token_url ? render(o.connection.token_url, vars) : undefined;
  const auth = createAuth(spec, { connection: o.name, vars, tokenUrl, baseUrl, http: client, tokens: tokenStore(o.state, o.name), now: o.now ?? Date.now });
  client.auth = auth;
  return { name: o.name, connector: o.connector, baseUrl, vars, client, auth };
}
