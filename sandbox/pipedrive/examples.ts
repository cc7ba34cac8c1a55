import type { SimulatorExamples } from '../registry.js';
import type { EntityName } from './context.js';
import type { FieldEntity } from './fields.js';
import type { PipedriveSimulator } from './simulator.js';

type Rec = Record<string, unknown>;

const ENTITY: Record<'persons' | 'deals' | 'organizations', FieldEntity> = {
  persons: 'person',
  deals: 'deal',
  organizations: 'organization',
};

/** Custom field values by field name (enum and set options by label), so a reader sees the mapping's names. */
function namedCustomFields(sim: PipedriveSimulator, entity: FieldEntity, r: Rec): Rec {
  const out: Rec = {};
  const values = (r.custom_fields ?? {}) as Rec;
  for (const def of sim.fieldDefinitions(entity)) {
    const v = values[String(def.field_code)];
    if (v === undefined || v === null) continue;
    const options = (def.options ?? []) as Array<{ id: number; label: string }>;
    const label = (id: unknown) => options.find((o) => o.id === id)?.label ?? id;
    out[String(def.field_name)] = Array.isArray(v) ? v.map(label) : options.length ? label(v) : v;
  }
  return out;
}

const dealLine = (d: Rec) => `${String(d.title)} (${String(d.status)}, ${String(d.value)} ${String(d.currency)})`;

/**
 * Persons, deals and organizations this run wrote: ids are per entity in Pipedrive, so an id counts
 * for an entity only if this simulator wrote that entity's record with it since it started (this run).
 * Persons with the most deals first (a person with their invoices), then deals, then organizations.
 */
export function pipedriveExamples(sim: PipedriveSimulator, targetIds: string[], max: number): SimulatorExamples {
  const wanted = new Set(targetIds);
  const written = sim.written();
  const pick = (e: EntityName) =>
    written[e]
      .filter((id) => wanted.has(String(id)))
      .map((id) => sim.record(e, id))
      .filter((r): r is Rec => !!r);
  const deals = sim.records('deals');
  const dealsOf = (p: Rec) => deals.filter((d) => d.person_id === p.id);
  const filled = (r: Rec) => Object.keys(r.custom_fields ?? {}).length;
  const persons = pick('persons').sort((a, b) => dealsOf(b).length - dealsOf(a).length || filled(b) - filled(a));
  const shown = [
    ...persons.map((r) => ({ entity: 'persons' as const, ...r })),
    ...pick('deals')
      .sort((a, b) => filled(b) - filled(a))
      .map((r) => ({ entity: 'deals' as const, ...r })),
    ...pick('organizations')
      .sort((a, b) => filled(b) - filled(a))
      .map((r) => ({ entity: 'organizations' as const, ...r })),
  ];
  return {
    title: 'Persons, deals and organizations this run wrote in (simulated) Pipedrive',
    nothing: 'No person, deal or organization was created or updated in (simulated) Pipedrive by this run.',
    records: shown.slice(0, max),
    view: (r) => view(sim, r, dealsOf),
  };
}

function view(sim: PipedriveSimulator, r: Rec, dealsOf: (p: Rec) => Rec[]): { heading: string; fields: Rec } {
  const entity = r.entity as keyof typeof ENTITY;
  const custom = namedCustomFields(sim, ENTITY[entity], r);
  if (entity === 'persons') {
    const emails = ((r.emails ?? []) as Array<{ value: string }>).map((e) => e.value);
    const deals = dealsOf(r).map(dealLine);
    return { heading: `Person ${String(r.name)} (id ${String(r.id)})`, fields: { emails, ...custom, deals } };
  }
  if (entity === 'deals') {
    const fields = {
      status: r.status,
      value: r.value,
      currency: r.currency,
      expected_close_date: r.expected_close_date,
    };
    return {
      heading: `Deal ${String(r.title)} (id ${String(r.id)})`,
      fields: { ...fields, person_id: r.person_id, ...custom },
    };
  }
  return { heading: `Organization ${String(r.name)} (id ${String(r.id)})`, fields: custom };
}
