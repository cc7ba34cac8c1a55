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
