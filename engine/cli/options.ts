import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';

export interface CommonOptions {
  state?: string;
  connections?: string;
  sandbox?: boolean;
}

export const DEFAULT_STATE = join('.mlc', 'state.db');
export const SANDBOX_STATE = join('.mlc', 'sandbox', 'state.db');
export const SANDBOX_DATA = join('.mlc', 'sandbox', 'data.json');

/** The state a command reads: --state, else the sandbox's with --sandbox, else the project's. */
export function statePath(o: CommonOptions): string {
  return o.state ?? (o.sandbox ? SANDBOX_STATE : DEFAULT_STATE);
}

/** The options most commands share, as commander's `.option(...)` arguments. */
export const STATE_OPTION = [
  '--state <file>',
  `state database (default ${DEFAULT_STATE}; with --sandbox ${SANDBOX_STATE})`,
] as const;
export const CONNECTIONS_OPTION = ['--connections <file>', 'connections file (default connections.yaml)'] as const;
export const SANDBOX_VIEW_OPTION = [
  '--sandbox',
  `the sandbox's state (${SANDBOX_STATE}), as left by sync --sandbox`,
] as const;

/** A whole number of at least `min`, for commander: anything else is a usage error (exit 2), not a NaN run. */
export function wholeNumber(min: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < min)
      throw new InvalidArgumentError(`expected a whole number of at least ${min}, got "${v}"`);
    return Number(v);
  };
}
