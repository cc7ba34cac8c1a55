import type { Command } from 'commander';
import { startSandbox, SYSTEMS, type SystemName } from '../../sandbox/index.js';
import { NoConnectionsFile, ping, type PingResult } from '../runtime/ping.js';
import { EXIT } from './exit-codes.js';
import { CONNECTIONS_OPTION, STATE_OPTION, statePath } from './options.js';
import { runCommand, UsageError } from './run-command.js';

export function registerPing(program: Command): void {
  program
    .command('ping')
    .description('Authenticate and make the cheapest read, to check that a connection works')
    .argument('<connection>', 'a connection in the connections file (with --sandbox: a simulated system)')
    .option(...CONNECTIONS_OPTION)
    .option(...STATE_OPTION)
    .option(
      '--sandbox',
      `ping a local simulator of the system instead (${SYSTEMS.join(', ')}); no accounts or state needed`,
    )
    .action((connection: string, o: { connections?: string; state?: string; sandbox?: boolean }) =>
      runCommand(async () => {
        const root = process.cwd();
        let r: PingResult;
        if (o.sandbox) {
          if (!SYSTEMS.includes(connection as SystemName))
            throw new UsageError(`the sandbox simulates ${SYSTEMS.join(', ')}; there is no simulated "${connection}"`);
          // A small throwaway simulator: the ping checks the connector's auth and read against it, not data.
          const sb = await startSandbox({ systems: [connection as SystemName], size: 5 });
          try {
            r = await ping({ root, connection, connections: sb.connections, statePath: null });
          } finally {
            await sb.stop();
          }
        } else {
          try {
            r = await ping({ root, connection, connectionsFile: o.connections, statePath: statePath(o) });
          } catch (e) {
            if (e instanceof NoConnectionsFile) throw new UsageError(e.message);
            throw e;
          }
        }
        process.stdout.write(
          `${r.ok ? 'ok' : 'FAILED'}  ${r.connection}${o.sandbox ? ' (sandbox)' : ''}  ${r.ms} ms  ${r.message}\n`,
        );
        return r.ok ? EXIT.ok : EXIT.cannotRun;
      }),
    );
}
