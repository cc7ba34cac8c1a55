import type { SimulatorDefinition } from '../registry.js';
import { ZendeskSimulator } from './simulator.js';

type Org = Record<string, unknown>;

const fieldsOf = (o: Org) => (o.organization_fields ?? {}) as Record<string, unknown>;
const filled = (o: Org) => Object.values(fieldsOf(o)).filter((v) => v !== null && v !== 0 && v !== '').length;

/** Zendesk Support: the target of organizations; it seeds no organizations, so `size` does not apply. */
export const definition: SimulatorDefinition<'zendesk'> = {
  system: 'zendesk',
  label: 'Zendesk',
  role: 'target',
  start: ({ seed, clock, knobs, snapshot }) => new ZendeskSimulator({ seed, clock, knobs, snapshot }).start(),
  // Those with the most custom fields filled first: the example shows the mapping at work.
  examples(sim, targetIds, max) {
    if (!(sim instanceof ZendeskSimulator)) throw new Error('not a Zendesk simulator');
    const wanted = new Set(targetIds);
    const orgs = targetIds.length ? sim.organizations().filter((o) => wanted.has(String(o.id))) : [];
    return {
      title: 'Organizations this run wrote in (simulated) Zendesk',
      nothing: 'No organization was created or updated in (simulated) Zendesk by this run.',
      records: orgs.sort((a, b) => filled(b) - filled(a)).slice(0, max),
      view: (o) => ({ heading: `${String(o.name)} (external_id ${String(o.external_id)})`, fields: fieldsOf(o) }),
    };
  },
  // `mlc sandbox start` prints one refresh token that every state file using the connections signs in with.
  sessionKnobs: { profileRefreshTokenRotates: false },
};
