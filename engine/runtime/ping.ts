import type { Connections } from '../config/types.generated.js';
import { loadCustomModules } from '../config/custom-modules.js';
import { displayPath, loadProject } from '../config/project.js';
import { checkProject } from '../config/lint.js';
import { ConfigError } from '../config/diagnostic.js';
import { openState } from '../store/open.js';
import { connectionSecrets } from '../store/token-store.js';
import { openConnection } from './connection.js';
import { resolveConnection, type ResolvedConnection } from './resolve-connection.js';

export interface PingResult {
  connection: string;
  ok: boolean;
  status?: number;
  ms: number;
  message: string;
}

/** Asked to ping a connection where no connections file exists (a usage error, not a file with an error in it). */
export class NoConnectionsFile extends Error {
  constructor(
    readonly file: string,
    connection: string,
  ) {
    super(
      `no connections file: ${file} does not exist, so there is no connection "${connection}". ` +
        `Create ${file} with a "connections:" map (see README, "Connections"), pass --connections FILE, ` +
        'or use --sandbox to ping a simulator',
    );
    this.name = 'NoConnectionsFile';
  }
}

export interface PingOptions {
  root: string;
  connection: string;
  connectionsFile?: string;
  connections?: Connections['connections'];
  statePath: string | null;
}

/** The connection to ping, from a project without lint errors, with its connector's custom modules loaded. */
async function pingTarget(o: PingOptions): Promise<ResolvedConnection> {
  const project = loadProject(o.root, { connections: o.connectionsFile });
  const errors = checkProject(project).filter((d) => d.severity === 'error');
  if (errors.length) throw new ConfigError(errors);
  // Without a connections file there is no line to point at: say what is missing and how to make it.
  const file = o.connectionsFile ?? 'connections.yaml';
  const missing = project.connections ? undefined : () => new NoConnectionsFile(file, o.connection);
  const target = resolveConnection(project, o.connection, { given: o.connections, missing });
  const connectorFile = project.connectors.get(target.connector.name)?.path;
  const problems = (await loadCustomModules(project)).filter(
    (d) => d.severity === 'error' && !!connectorFile && d.file === displayPath(connectorFile),
  );
  if (problems.length) throw new ConfigError(problems);
  return target;
}

/** Authenticates and makes the connector's cheapest read, to tell whether credentials work. */
export async function ping(o: PingOptions): Promise<PingResult> {
  const target = await pingTarget(o);
  const state = await openState(o.statePath);
  const started = Date.now();
  try {
    const conn = openConnection({ ...target, ...connectionSecrets(state, target.name) });
    const p = target.connector.ping ?? { path: '/' };
    const res = await conn.client.request({ url: conn.client.url(conn.baseUrl, p.path), query: p.query });
    await conn.auth.close?.();
    const message = `authenticated and read ${p.path}`;
    return { connection: o.connection, ok: true, status: res.status, ms: Date.now() - started, message };
  } catch (e) {
    const status = (e as { status?: number }).status;
    return { connection: o.connection, ok: false, ms: Date.now() - started, message: (e as Error).message, status };
  } finally {
    await state.close();
  }
}
