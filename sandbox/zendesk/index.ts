export { ZendeskSimulator, type ZendeskSimulatorOptions, type ZendeskCredentialsView } from './simulator.js';
export { ZENDESK_KNOBS, PLAN_LIMITS, type Plan } from './knobs.js';
export {
  signZendeskWebhook,
  deliverSignedWebhook,
  webhookTimestamp,
  ZENDESK_TEST_SIGNING_SECRET,
  type WebhookDelivery,
} from './webhooks.js';
export type { ZendeskSnapshot } from './snapshot.js';
export type { ZendeskCredentials } from './auth.js';

import { ZendeskSimulator, type ZendeskSimulatorOptions } from './simulator.js';

/** Creates and starts a Zendesk simulator on 127.0.0.1 (ephemeral port unless given). */
export async function startZendeskSimulator(opts: ZendeskSimulatorOptions = {}, port = 0): Promise<ZendeskSimulator> {
  return new ZendeskSimulator(opts).start(port);
}
