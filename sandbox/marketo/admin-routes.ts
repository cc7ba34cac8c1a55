import { AdminError, objectBody } from '../framework/simulator.js';
import type { SimRequest, SimResponse } from '../framework/types.js';
import { KnobError } from '../framework/knobs.js';
import type { MarketoSimulator } from './simulator.js';

/** Marketo-specific admin endpoints: /__sim/marketo/... */
export function registerMarketoAdmin(sim: MarketoSimulator): void {
  const a = sim.server.admin;
  a.get(
    '/__sim/marketo/companies',
    action(() => sim.companies()),
  );
  a.get(
    '/__sim/marketo/customobjects/{apiName}',
    action((req) => sim.customObjects(req.params.apiName)),
  );
  a.get(
    '/__sim/marketo/credentials',
    action(() => sim.credentials()),
  );
  a.get(
    '/__sim/marketo/usage',
    action(() => sim.usageView()),
  );
  a.post(
    '/__sim/marketo/fields',
    action((req) => {
      const b = objectBody(req);
      if (b.customFields === undefined)
        throw new AdminError('customFields (an array of {name, dataType, length?, displayName?}) is required');
      return { customFields: sim.setCustomFields(b.customFields) };
    }),
  );
  a.post(
    '/__sim/marketo/quota',
    action((req) => {
      sim.setQuotaUsed(objectBody(req).used);
      return sim.usageView();
    }),
  );
  a.post(
    '/__sim/marketo/quota/reset',
    action(() => {
      sim.resetLimits();
      return sim.usageView();
    }),
  );
}

function action(fn: (req: SimRequest) => unknown): (req: SimRequest) => SimResponse {
  return (req) => {
    try {
      return { status: 200, body: fn(req) };
    } catch (err) {
      if (err instanceof AdminError) return { status: err.status, body: { error: err.message } };
      if (err instanceof KnobError) return { status: 400, body: { error: err.message } };
      throw err;
    }
  };
}
