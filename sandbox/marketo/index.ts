export { MarketoSimulator, type MarketoSimulatorOptions, type MarketoUsage } from './simulator.js';
export { MARKETO_KNOBS, MARKETO_INSTANCE_OPTIONS } from './knobs.js';
export { ERP_COMPANY_FIELDS, AR_SNAPSHOT_OBJECT } from './presets.js';
export type { MarketoSnapshot } from './snapshot.js';
export type { MarketoCredentials } from './auth.js';

import { MarketoSimulator, type MarketoSimulatorOptions } from './simulator.js';

/** Creates and starts a Marketo simulator on 127.0.0.1 (ephemeral port unless given). */
export async function startMarketoSimulator(opts: MarketoSimulatorOptions = {}, port = 0): Promise<MarketoSimulator> {
  return new MarketoSimulator(opts).start(port);
}
