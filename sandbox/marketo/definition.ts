import { textOf } from '../framework/types.js';
import type { SimulatorDefinition } from '../registry.js';
import { AR_SNAPSHOT_OBJECT, ERP_COMPANY_FIELDS } from './presets.js';
import { MarketoSimulator } from './simulator.js';

type Company = Record<string, unknown>;

const SYSTEM_KEYS = new Set(['id', 'externalCompanyId', 'company', 'createdAt', 'updatedAt']);
const fieldsOf = (c: Company) => Object.fromEntries(Object.entries(c).filter(([k]) => !SYSTEM_KEYS.has(k)));
const filled = (c: Company) =>
  Object.values(fieldsOf(c)).filter((v) => v !== null && v !== 0 && v !== '' && v !== false).length;

/**
 * Adobe Marketo Engage: the target of companies (and custom objects); it seeds no companies, so `size`
 * does not apply. A fresh instance has the ERP preset's custom fields and `ar_snapshot_c` unless the
 * knobs give others, as an admin would have set them up before the first sync.
 */
export const definition: SimulatorDefinition<'marketo'> = {
  system: 'marketo',
  label: 'Marketo',
  role: 'target',
  start: ({ seed, clock, knobs, snapshot }) => {
    const preset =
      snapshot === undefined ? { customFields: ERP_COMPANY_FIELDS, customObjects: [AR_SNAPSHOT_OBJECT] } : {};
    return new MarketoSimulator({ seed, clock, knobs: { ...preset, ...knobs }, snapshot }).start();
  },
  // Target ids are company ids (sync results carry `id`); an externalCompanyId is found too.
  // Those with the most custom fields filled first: the example shows the mapping at work.
  examples(sim, targetIds, max) {
    if (!(sim instanceof MarketoSimulator)) throw new Error('not a Marketo simulator');
    const byId = new Map<unknown, Company>();
    for (const t of targetIds) {
      const c = (/^\d+$/.test(t) ? sim.companyById(Number(t)) : undefined) ?? sim.findCompany(t);
      if (c) byId.set(c.id, c);
    }
    const companies = [...byId.values()];
    return {
      title: 'Companies this run wrote in (simulated) Marketo',
      nothing: 'No company was created or updated in (simulated) Marketo by this run.',
      records: companies.sort((a, b) => filled(b) - filled(a)).slice(0, max),
      view: (c) => ({
        heading: `${textOf(c.company ?? '(no name)')} (externalCompanyId ${String(c.externalCompanyId)})`,
        fields: fieldsOf(c),
      }),
    };
  },
};
