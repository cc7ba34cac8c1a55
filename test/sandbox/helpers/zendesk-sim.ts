import { afterEach, beforeAll, beforeEach } from 'vitest';
import { ZendeskSimulator } from '../../../sandbox/zendesk/index.js';
import { zendeskValidator, type Validate } from './spec.js';
import { zendeskClient, type ZdClient } from './zendesk-client.js';

export interface ZendeskSimSetup {
  sim: ZendeskSimulator;
  zd: ZdClient;
  validate: Validate;
}

/** A fresh Zendesk simulator (rate limit off) and an API-token client for each test of the file. */
export function useZendeskSim(seed: number, onStart: (s: ZendeskSimSetup) => void): void {
  let validate: Validate;
  let sim: ZendeskSimulator | undefined;
  beforeAll(() => {
    validate = zendeskValidator();
  });
  beforeEach(async () => {
    sim = await new ZendeskSimulator({ seed, knobs: { rateLimitEnabled: false } }).start();
    onStart({ sim, zd: zendeskClient(sim), validate });
  });
  afterEach(() => sim?.stop());
}
