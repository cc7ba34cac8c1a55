export {
  PipedriveSimulator,
  type PipedriveSimulatorOptions,
  type PipedriveCredentialsView,
  type PipedriveUsage,
} from './simulator.js';
export { PIPEDRIVE_KNOBS, PLAN_BURST, PLAN_MULTIPLIER, type Plan } from './knobs.js';
export type { PipedriveSnapshot } from './snapshot.js';
export type { WebhookDelivery } from './webhooks.js';

import { PipedriveSimulator, type PipedriveSimulatorOptions } from './simulator.js';

/** Creates and starts a Pipedrive simulator on 127.0.0.1 (ephemeral port unless given). */
export async function startPipedriveSimulator(
  opts: PipedriveSimulatorOptions = {},
  port = 0,
): Promise<PipedriveSimulator> {
  return new PipedriveSimulator(opts).start(port);
}
