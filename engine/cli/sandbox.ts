import { InvalidArgumentError, type Command } from 'commander';
import { stringify } from 'yaml';
import { startSandbox, SYSTEMS, type SystemName } from '../../sandbox/index.js';
import { wholeNumber } from './options.js';
import { runCommand } from './run-command.js';

/** A comma-separated list of simulated systems; an unknown name is a usage error, not a Zendesk. */
function systemList(v: string): SystemName[] {
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SYSTEMS.includes(n as SystemName));
  if (unknown.length || !names.length) throw new InvalidArgumentError(`${unknown.length ? `no simulator for ${unknown.join(', ')}` : 'no system named'}; the sandbox simulates ${SYSTEMS.join(', ')}`);
  return names as SystemName[];
}

export function registerSandbox(program: Command): void {
  const cmd = program.command('sandbox').description('Local simulators of the vendor APIs, on 127.0.0.1');
  cmd
    .command('start')
    .description('Start simulators and print connections for them, to use with --connections from any state file; Ctrl-C stops them')
    .option('--systems <list>', `comma-separated systems (${SYSTEMS.join(', ')})`, systemList, [...SYSTEMS])
    .option('--size <n>', 'number of simulated customers', wholeNumber(1), 200)
    .option('--seed <n>', 'seed of the simulated data', wholeNumber(0), 1)
    .action((o: { systems: SystemName[]; size: number; seed: number }) =>
      runCommand(async () => {
        // The printed refresh token is not rotated away by its first use (as Zendesk would), so
        // every state file that uses these connections can sign in with it.
        const sb = await startSandbox({ systems: o.systems, size: o.size, seed: o.seed, knobs: { zendesk: { profileRefreshTokenRotates: false } } });
        process.stdout.write('Simulators running. Use these connections (save as sandbox-connections.yaml and pass --connections);\nthey work from any state file while these simulators run:\n\n');
        process.stdout.write(stringify({ connections: sb.connections }));
        process.stdout.write('\nInspect them at <url>/__sim/stats and <url>/__sim/state. Ctrl-C stops them (their data is not kept).\n');
        await new Promise<void>((resolve) => {
          const stop = () => void sb.stop().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );
}
