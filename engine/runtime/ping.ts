import type { Connections } from '../config/types.generated.js';
import { loadProject } from '../config/project.js';
import { checkProject } from '../config/lint.js';
import { ConfigError } from '../config/diagnostic.js';
import { StateStore } from '../store/state.js';
import { openConnection } from './connection.js';

export interface PingResult {
  connection: string;
  ok: boolean;
  status?: number;
  ms: number;
  message: string;
}

/** Asked to ping a connection where no connections file exists (a usage error, not a file with an error in it). */
export class NoConnectionsFile extends Error {
  constructor(readonly file: string, connection: string) {
    super(
      `no connections file: ${file} does not exist, so there is no connection "${connection}". ` +
        `Create ${file} with a "connections:" map (see README, "Connections"), pass --connections FILE, or use --sandbox to ping a simulator`,
    );
    this.name = 'NoConnectionsFile';
  }
}

/** Authenticates and makes the connector's cheapest read, to tell whether credentials work. */
export async function ping(o: { root: string; connection: string; connectionsFile?: string; connections?: Connections['connections']; statePath: string | null }): Promise<PingResult> {
  const project = loadProject(o.root, { connections: o.connectionsFile });
  const errors = checkProject(project).filter((d) => d.severity === 'error');
  if (errors.length) throw new ConfigError(errors);
  const profile = o.connections?.[o.connection] ?? project.connections?.data?.connections[o.connection];
  // Without a connections file there is no line to point at: say what is missing and how to make it.
  if (!profile && !project.connections) throw new NoConnectionsFile(o.connectionsFile ?? 'connections.yaml', o.connection);
  if (!profile) throw new ConfigError([{ file: project.connections?.yaml.file ?? 'connections.yaml', line: 1, col: 1, severity: 'error', message: `no connection "${o.connection}"`, path: 'connections' }]);
  const connector = project.connectors.get(profile.connector)?.data;
  if (!connector) throw new ConfigError([{ file: project.connections?.yaml.file ?? 'connections.yaml', line: 1, col: 1, severity: 'error', message: `connection "${o.connection}" names connector "${profile.connector}", which does not exist`, path: 'connections' }]);
  const state = await StateStore.open(o.statePath);
  const started = Date.now();
  try {
    const conn = openConnection({ name: o.connection, connection: profile, connector, state, where: project.connections?.yaml.file ?? 'connections' });
    const p = connector.ping ?? { path: '/' };
    const res = await conn.client.request({ url: conn.client.url(conn.baseUrl, p.path), query: p.query });
    await conn.auth.close?.();
    return { connection: o.connection, ok: true, status: res.status, ms: Date.now() - started, message: `authenticated and read ${p.path}` };
  } catch (e) {
    return { connection: o.connection, ok: false, ms: Date.now() - started, message: (e as Error).message, status: (e as { status?: number }).status };
  } finally {
    state.close();
  }
}
