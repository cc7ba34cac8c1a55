import { ConfigError, type Diagnostic } from '../config/diagnostic.js';
import type { Project } from '../config/project.js';
import type { Connection, Connections, Connector, Mapping } from '../config/types.generated.js';

/** A connection profile by name, with its connector, ready for openConnection. */
export interface ResolvedConnection {
  name: string;
  connector: Connector;
  connection: Connection;
  /** Where the profile is defined, as messages about its values name it */
  where: string;
}

export interface ConnectionLookup {
  /** Profiles given directly (the sandbox); they win over the connections file */
  given?: Connections['connections'];
  /** The profile to use when none is defined (work that calls no API) */
  fallback?: Connection;
  /** The error for a connection that is not defined (default: a diagnostic on the connections file) */
  missing?: (connectionsFile: string) => Error;
}

function diag(file: string, message: string): Diagnostic {
  return { file, line: 1, col: 1, severity: 'error', message, path: '' };
}

/** The connections file a project has, or the one it would have (messages name it either way). */
export function connectionsFileOf(project: Project): string {
  return project.connections?.yaml.file ?? 'connections.yaml';
}

/** Finds a connection profile by name (given profiles first, then the connections file) and its connector. */
export function resolveConnection(project: Project, name: string, o: ConnectionLookup = {}): ResolvedConnection {
  const file = connectionsFileOf(project);
  const given = o.given?.[name];
  const connection = given ?? project.connections?.data?.connections[name] ?? o.fallback;
  if (!connection) throw o.missing?.(file) ?? new ConfigError([diag(file, `no connection "${name}"`)]);
  const connector = project.connectors.get(connection.connector)?.data;
  if (!connector) {
    const message = `connection "${name}" names connector "${connection.connector}", which does not exist`;
    throw new ConfigError([diag(file, message)]);
  }
  return { name, connector, connection, where: given ? 'sandbox connections' : file };
}

/**
 * The connection a mapping's source or target uses (named by `connection`, else by its
 * connector's name) and its connector.
 */
export function endpointConnection(
  project: Project,
  mapping: Mapping,
  side: 'source' | 'target',
  o: Omit<ConnectionLookup, 'missing' | 'fallback'> & { optional?: boolean } = {},
): ResolvedConnection {
  const ep = mapping[side];
  const name = ep.connection ?? ep.connector;
  const missing = (file: string) => {
    const what = `mapping ${mapping.name} needs connection "${name}" for its ${side}, and there is none`;
    const hint = `add it to ${file} (or pass --connections FILE, or use --sandbox)`;
    return new ConfigError([diag(file, `${what}: ${hint}`)]);
  };
  const fallback = o.optional ? { connector: ep.connector } : undefined;
  return resolveConnection(project, name, { given: o.given, fallback, missing });
}
