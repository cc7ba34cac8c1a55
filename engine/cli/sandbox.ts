import { InvalidArgumentError, type Command } from 'commander';
import { stringify } from 'yaml';
import { registry, startSandbox, SYSTEMS, type SandboxOptions, type SystemName } from '../../sandbox/index.js';
import { wholeNumber } from './options.js';
import { runCommand } from './run-command.js';

/** A comma-separated list of simulated systems; an unknown name is a usage error, never started as another. */
function systemList(v: string): SystemName[] {
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = registry.unknown(names);
  if (unknown.length || !names.length) {
    const problem = unknown.length ? `no simulator for ${unknown.join(', ')}` : 'no system named';
    throw new InvalidArgumentError(`${problem}; the sandbox simulates ${SYSTEMS.join(', ')}`);
  }
  return names as SystemName[];
}

/**
 * The knobs each system's definition asks for when its connections are printed for others to use
 * (e.g. a refresh token that every state file may sign in with).
 */
function sessionKnobs(systems: SystemName[]): SandboxOptions['knobs'] {
  const knobs: NonNullable<SandboxOptions['knobs']> = {};
  for (const s of systems) {
    const k = registry.get(s).sessionKnobs;
    if (k) knobs[s] = { ...k };
  }
  return knobs;
}

export function registerSandbox(program: Command): void {
  const cmd = program.command('sandbox').description('Local simulators of the vendor APIs, on 127.0.0.1');
  cmd
    .command('start')
    .description(
      'Start simulators and print connections for them, to use with --connections from any state file; Ctrl-C stops them',
    )
    .option('--systems <list>', `comma-separated systems (${SYSTEMS.join(', ')})`, systemList, [...SYSTEMS])
    .option('--size <n>', 'number of simulated customers', wholeNumber(1), 200)
    .option('--seed <n>', 'seed of the simulated data', wholeNumber(0), 1)
    .action((o: { systems: SystemName[]; size: number; seed: number }) =>
      runCommand(async () => {
        const knobs = sessionKnobs(o.systems);
        const sb = await startSandbox({ systems: o.systems, size: o.size, seed: o.seed, knobs });
        process.stdout.write(
          'Simulators running. Use these connections (save as sandbox-connections.yaml and pass --connections);\nthey work from any state file while these simulators run:\n\n',
        );
        process.stdout.write(stringify({ connections: sb.connections }));
        process.stdout.write(
          '\nInspect them at <url>/__sim/stats and <url>/__sim/state. Ctrl-C stops them (their data is not kept).\n',
        );
        await new Promise<void>((resolve) => {
          const stop = () => void sb.stop().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );
}
