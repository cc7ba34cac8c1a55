import { KnobError } from '../framework/knobs.js';
import { AdminError, objectBody } from '../framework/simulator.js';
import type { SimRequest, SimResponse } from '../framework/types.js';
import { ENTITY_NAMES, type EntityName } from './context.js';
import { FIELD_ENTITIES, type FieldEntity } from './fields.js';
import type { PipedriveSimulator } from './simulator.js';
import { ValidationError } from './values.js';

const isEntity = (v: string): v is EntityName => (ENTITY_NAMES as readonly string[]).includes(v);
const isFieldEntity = (v: string): v is FieldEntity => (FIELD_ENTITIES as readonly string[]).includes(v);

/** Pipedrive-specific admin endpoints: /__sim/pipedrive/... */
export function registerPipedriveAdmin(sim: PipedriveSimulator): void {
  registerAccountAdmin(sim);
  registerWebhookAdmin(sim);
  registerRecordAdmin(sim);
}

/** Credentials, authorization codes and the token budget. */
function registerAccountAdmin(sim: PipedriveSimulator): void {
  const a = sim.server.admin;
  a.get(
    '/__sim/pipedrive/credentials',
    action(() => sim.credentials()),
  );
  a.post(
    '/__sim/pipedrive/oauth/code',
    action(() => ({ code: sim.issueAuthorizationCode() })),
  );
  a.get(
    '/__sim/pipedrive/budget',
    action(() => sim.usageView()),
  );
  a.post(
    '/__sim/pipedrive/budget',
    action((req) => {
      sim.setBudgetUsed(objectBody(req).used);
      return sim.usageView();
    }),
  );
  a.post(
    '/__sim/pipedrive/budget/reset',
    action(() => {
      sim.resetLimits();
      return sim.usageView();
    }),
  );
}

/** Registrations, delivery of what changed since, and a one-off delivery for one record. */
function registerWebhookAdmin(sim: PipedriveSimulator): void {
  const a = sim.server.admin;
  a.get(
    '/__sim/pipedrive/webhooks',
    action(() => sim.webhooks()),
  );
  a.post('/__sim/pipedrive/webhooks/flush', async () =>
    respond(async () => ({ deliveries: await sim.flushWebhooks() })),
  );
  a.post('/__sim/pipedrive/webhooks/deliver', async (req) => respond(async () => sim.deliverWebhook(objectBody(req))));
}

/** Records and field definitions as the web app shows them, and changes made there. */
function registerRecordAdmin(sim: PipedriveSimulator): void {
  const a = sim.server.admin;
  a.get(
    '/__sim/pipedrive/fields/{entity}',
    action((req) => sim.fieldDefinitions(fieldEntity(req))),
  );
  a.post(
    '/__sim/pipedrive/fields/{entity}',
    action((req) => sim.addField(fieldEntity(req), objectBody(req))),
  );
  a.get(
    '/__sim/pipedrive/notes',
    action(() => sim.notesView()),
  );
  a.get(
    '/__sim/pipedrive/{entity}',
    action((req) => sim.records(entityName(req))),
  );
  a.get(
    '/__sim/pipedrive/{entity}/{id}',
    action((req) => {
      const r = sim.record(entityName(req), Number(req.params.id));
      if (!r) throw new AdminError(`no ${req.params.entity} ${req.params.id}`, 404);
      return r;
    }),
  );
  // A change made by a user in the web app: webhooks say change_source "app", the next sync sees update_time move.
  a.post(
    '/__sim/pipedrive/{entity}/{id}',
    action((req) => sim.changeAsUser(entityName(req), Number(req.params.id), objectBody(req))),
  );
}

function entityName(req: SimRequest): EntityName {
  const e = req.params.entity;
  if (!isEntity(e)) throw new AdminError(`unknown entity ${e} (one of ${ENTITY_NAMES.join(', ')}, notes)`, 404);
  return e;
}

function fieldEntity(req: SimRequest): FieldEntity {
  const e = req.params.entity;
  if (!isFieldEntity(e)) throw new AdminError(`unknown field entity ${e} (one of ${FIELD_ENTITIES.join(', ')})`, 404);
  return e;
}

function errorResponse(err: unknown): SimResponse | undefined {
  if (err instanceof AdminError) return { status: err.status, body: { error: err.message } };
  if (err instanceof KnobError || err instanceof ValidationError) return { status: 400, body: { error: err.message } };
  return undefined;
}

async function respond(fn: () => Promise<unknown>): Promise<SimResponse> {
  try {
    return { status: 200, body: await fn() };
  } catch (err) {
    const r = errorResponse(err);
    if (r) return r;
    throw err;
  }
}

function action(fn: (req: SimRequest) => unknown): (req: SimRequest) => SimResponse {
  return (req) => {
    try {
      return { status: 200, body: fn(req) };
    } catch (err) {
      const r = errorResponse(err);
      if (r) return r;
      throw err;
    }
  };
}
