import { join } from 'node:path';

export interface CommonOptions {
  state?: string;
  connections?: string;
}

export const DEFAULT_STATE = join('.mlc', 'state.db');
export const SANDBOX_STATE = join('.mlc', 'sandbox', 'state.db');
export const SANDBOX_DATA = join('.mlc', 'sandbox', 'data.json');

export function statePath(o: CommonOptions): string {
  return o.state ?? DEFAULT_STATE;
}

/** The options most commands share, as commander's `.option(...)` arguments. */
export const STATE_OPTION = ['--state <file>', `state database (default ${DEFAULT_STATE})`] as const;
export const CONNECTIONS_OPTION = ['--connections <file>', 'connections file (default connections.yaml)'] as const;
