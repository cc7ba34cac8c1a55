import type { Command } from 'commander';
import { stringify } from 'yaml';
import { startSandbox, type SystemName } from '../../sandbox/index.js';
import { runCommand } from './run-command.js';

export function registerSandbox(program: Command): void {
  const cmd = program.command('sandbox').description('Local simulators of the vendor APIs, on 127.0.0.1');
  cmd
    .command('start')
    .option('--systems <list>', 'comma-separated systems', 'visma,zendesk')
    .option('--size <n>', 'number of simulated customers', '200')
    .option('--seed <n>', 'seed of the simulated data', '1')
    .action((o: { systems: string; size: string; seed: string }) =>
      runCommand(async () => {
        const sb = await startSandbox({ systems: o.systems.split(',').map((s) => s.trim()) as SystemName[], size: Number(o.size), seed: Number(o.seed) });
        process.stdout.write('Simulators running. Use these connections (save as sandbox-connections.yaml and pass --connections):\n\n');
        process.stdout.write(stringify({ connections: sb.connections }));
        process.stdout.write('\nInspect them at <url>/__sim/stats and <url>/__sim/state. Ctrl-C stops them.\n');
        await new Promise<void>((resolve) => {
          const stop = () => void sb.stop().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );
}
