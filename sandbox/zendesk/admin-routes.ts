import { AdminError, objectBody } from '../framework/simulator.js';
import type { SimRequest, SimResponse } from '../framework/types.js';
import type { ZendeskSimulator } from './simulator.js';

/** Zendesk-specific admin endpoints: POST /__sim/zendesk/... */
export function registerZendeskAdmin(sim: ZendeskSimulator): void {
  const a = sim.server.admin;
  a.post('/__sim/zendesk/webhooks/deliver', async (req) => {
    try {
      const b = objectBody(req);
      if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url))
        throw new AdminError('url (http or https) is required');
      if (b.body === undefined) throw new AdminError('body is required');
      if (b.secret !== undefined && typeof b.secret !== 'string') throw new AdminError('secret must be a string');
      return { status: 200, body: await sim.deliverWebhook(b.url, b.body, b.secret) };
    } catch (err) {
      if (err instanceof AdminError) return { status: err.status, body: { error: err.message } };
      return { status: 502, body: { error: `delivery failed: ${err instanceof Error ? err.message : String(err)}` } };
    }
  });
  a.post(
    '/__sim/zendesk/oauth/code',
    action(() => ({ code: sim.issueAuthorizationCode() })),
  );
  a.post(
    '/__sim/zendesk/jobs/drain',
    action(() => {
      sim.drainJobs();
      return { ok: true };
    }),
  );
  a.get(
    '/__sim/zendesk/credentials',
    action(() => sim.credentials()),
  );
}

function action(fn: (req: SimRequest) => unknown): (req: SimRequest) => SimResponse {
  return (req) => {
    try {
      return { status: 200, body: fn(req) };
    } catch (err) {
      if (err instanceof AdminError) return { status: err.status, body: { error: err.message } };
      throw err;
    }
  };
}
