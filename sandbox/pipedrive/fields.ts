import { Prng } from '../framework/prng.js';
import { nonEmpty, object, oneOf, str, v1Time, ValidationError } from './values.js';

/** Entities with field definitions. Only the first three take custom fields here (activity fields are system ones). */
export const FIELD_ENTITIES = ['organization', 'person', 'deal', 'activity'] as const;
export type FieldEntity = (typeof FIELD_ENTITIES)[number];
export const CUSTOM_FIELD_ENTITIES: readonly FieldEntity[] = ['organization', 'person', 'deal'];

/** Types a custom field can be created with (PD-SDK v2 AddOrganizationFieldRequest). */
export const CUSTOM_FIELD_TYPES = [
  'varchar',
  'text',
  'double',
  'phone',
  'date',
  'daterange',
  'time',
  'timerange',
  'set',
  'enum',
  'varchar_auto',
  'address',
  'monetary',
  'org',
  'people',
  'user',
] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** Custom field types search looks into (PD-SDK v2 organizations-api: search). */
export const SEARCHABLE_TYPES: readonly string[] = [
  'address',
  'varchar',
  'text',
  'varchar_auto',
  'double',
  'monetary',
  'phone',
];

export interface FieldOption {
  id: number;
  label: string;
}

export interface FieldDef {
  /** v1's numeric id (v1 addresses fields by it, v2 by `key`). */
  id: number;
  /** v2 `field_code`, v1 `key`: the system name, or a 40-character hash for a custom field. */
  key: string;
  name: string;
  type: string;
  custom: boolean;
  options: FieldOption[] | null;
  description: string | null;
  addMs: number;
  updateMs: number;
}

export interface FieldStoreState {
  fields: Record<FieldEntity, FieldDef[]>;
  nextId: number;
  nextOptionId: number;
  rng: number;
}

const SYSTEM_FIELDS: Record<FieldEntity, Array<[string, string, string]>> = {
  organization: [
    ['name', 'Name', 'varchar'],
    ['owner_id', 'Owner', 'user'],
    ['address', 'Address', 'address'],
    ['label_ids', 'Labels', 'set'],
    ['visible_to', 'Visible to', 'visible_to'],
    ['add_time', 'Organization created', 'date'],
    ['update_time', 'Update time', 'date'],
  ],
  person: [
    ['name', 'Name', 'varchar'],
    ['org_id', 'Organization', 'org'],
    ['emails', 'Email', 'varchar'],
    ['phones', 'Phone', 'phone'],
    ['owner_id', 'Owner', 'user'],
    ['label_ids', 'Labels', 'set'],
    ['visible_to', 'Visible to', 'visible_to'],
    ['add_time', 'Person created', 'date'],
    ['update_time', 'Update time', 'date'],
  ],
  deal: [
    ['title', 'Title', 'varchar'],
    ['value', 'Value', 'monetary'],
    ['person_id', 'Contact person', 'people'],
    ['org_id', 'Organization', 'org'],
    ['pipeline_id', 'Pipeline', 'int'],
    ['stage_id', 'Stage', 'stage'],
    ['status', 'Status', 'status'],
    ['expected_close_date', 'Expected close date', 'date'],
    ['probability', 'Probability', 'double'],
    ['owner_id', 'Owner', 'user'],
    ['label_ids', 'Labels', 'set'],
    ['visible_to', 'Visible to', 'visible_to'],
    ['add_time', 'Deal created', 'date'],
    ['update_time', 'Update time', 'date'],
  ],
  activity: [
    ['subject', 'Subject', 'varchar'],
    ['type', 'Type', 'varchar'],
    ['due_date', 'Due date', 'date'],
    ['due_time', 'Due time', 'time'],
    ['duration', 'Duration', 'time'],
    ['done', 'Done', 'boolean'],
    ['deal_id', 'Deal', 'deal'],
    ['org_id', 'Organization', 'org'],
    ['owner_id', 'Assigned to user', 'user'],
    ['note', 'Note', 'text'],
    ['add_time', 'Add time', 'date'],
    ['update_time', 'Update time', 'date'],
  ],
};

/** A new custom field as v2 (`field_name`) or v1 (`name`) asks for it. */
export interface NewField {
  name: string;
  type: CustomFieldType;
  options: string[];
  description: string | null;
}

/** Field definitions of one company: system fields, then custom fields with per-account hash keys. */
export class FieldStore {
  private readonly fields: Record<FieldEntity, FieldDef[]>;
  private nextId: number;
  private nextOptionId: number;
  private readonly rng: Prng;

  constructor(seed: number, nowMs: number, state?: FieldStoreState) {
    this.nextId = state?.nextId ?? 1;
    this.nextOptionId = state?.nextOptionId ?? 1;
    this.rng = new Prng(state?.rng ?? seed ^ 0x0f1e_1d5);
    this.fields = state?.fields ?? this.systemFields(nowMs);
  }

  private systemFields(nowMs: number): Record<FieldEntity, FieldDef[]> {
    const out = {} as Record<FieldEntity, FieldDef[]>;
    for (const e of FIELD_ENTITIES) {
      out[e] = SYSTEM_FIELDS[e].map(([key, name, type]) => ({
        id: this.nextId++,
        key,
        name,
        type,
        custom: false,
        options: null,
        description: null,
        addMs: nowMs,
        updateMs: nowMs,
      }));
    }
    return out;
  }

  list(entity: FieldEntity): FieldDef[] {
    return this.fields[entity];
  }

  custom(entity: FieldEntity): FieldDef[] {
    return this.fields[entity].filter((f) => f.custom);
  }

  byKey(entity: FieldEntity, key: string): FieldDef | undefined {
    return this.fields[entity].find((f) => f.key === key);
  }

  byId(entity: FieldEntity, id: number): FieldDef | undefined {
    return this.fields[entity].find((f) => f.id === id);
  }

  /** Creates a custom field; its key is a fresh 40-character hash, as Pipedrive generates one per account. */
  create(entity: FieldEntity, f: NewField, nowMs: number, duplicateNames: 'allow' | 'reject'): FieldDef {
    if (!CUSTOM_FIELD_ENTITIES.includes(entity)) throw new ValidationError(`${entity} fields cannot be added`);
    const clash = this.fields[entity].some((d) => d.name.toLowerCase() === f.name.toLowerCase());
    if (clash && duplicateNames === 'reject') throw new ValidationError(`field_name: a field named ${f.name} exists`);
    if ((f.type === 'enum' || f.type === 'set') && f.options.length === 0) {
      throw new ValidationError('options: required for enum and set fields');
    }
    const def: FieldDef = {
      id: this.nextId++,
      key: this.rng.hex(40),
      name: f.name,
      type: f.type,
      custom: true,
      options: f.type === 'enum' || f.type === 'set' ? f.options.map((label) => this.option(label)) : null,
      description: f.description,
      addMs: nowMs,
      updateMs: nowMs,
    };
    this.fields[entity].push(def);
    return def;
  }

  private option(label: string): FieldOption {
    return { id: this.nextOptionId++, label };
  }

  /** Renames a custom field or adds options; system fields are refused. */
  update(
    def: FieldDef,
    patch: { name?: string; addOptions?: string[]; description?: string | null },
    nowMs: number,
  ): FieldDef {
    if (!def.custom) throw new ValidationError(`${def.key} is a system field and cannot be changed`);
    if (patch.name !== undefined) def.name = patch.name;
    if (patch.description !== undefined) def.description = patch.description;
    if (patch.addOptions?.length) {
      if (!def.options) throw new ValidationError(`${def.name} is not an enum or set field`);
      def.options.push(...patch.addOptions.map((l) => this.option(l)));
    }
    def.updateMs = nowMs;
    return def;
  }

  remove(entity: FieldEntity, def: FieldDef): void {
    if (!def.custom) throw new ValidationError(`${def.key} is a system field and cannot be deleted`);
    this.fields[entity] = this.fields[entity].filter((f) => f !== def);
  }

  toState(): FieldStoreState {
    return structuredClone({
      fields: this.fields,
      nextId: this.nextId,
      nextOptionId: this.nextOptionId,
      rng: this.rng.seedState,
    });
  }
}

/** v2 field object (PD-SDK v2 GetOrganizationFields200ResponseDataInner). */
export function renderFieldV2(f: FieldDef): Record<string, unknown> {
  return {
    field_name: f.name,
    field_code: f.key,
    field_type: f.type,
    is_custom_field: f.custom,
    is_optional_response_field: false,
    options: f.options ? f.options.map((o) => ({ ...o })) : null,
    subfields: subfields(f),
    description: f.description,
  };
}

function subfields(f: FieldDef): Array<Record<string, string>> | null {
  if (f.type === 'monetary')
    return [{ field_code: `${f.key}_currency`, field_name: 'Currency', field_type: 'varchar' }];
  if (f.type === 'address') return [{ field_code: `${f.key}_locality`, field_name: 'City', field_type: 'varchar' }];
  return null;
}

/** v1 field object (PD-SDK v1 models/field.ts), with v1's space-separated timestamps. */
export function renderFieldV1(f: FieldDef, orderNr: number): Record<string, unknown> {
  return {
    id: f.id,
    key: f.key,
    name: f.name,
    order_nr: orderNr,
    field_type: f.type,
    add_time: v1Time(f.addMs),
    update_time: v1Time(f.updateMs),
    last_updated_by_user_id: null,
    active_flag: true,
    edit_flag: f.custom,
    index_visible_flag: true,
    details_visible_flag: true,
    add_visible_flag: true,
    important_flag: false,
    bulk_edit_allowed: true,
    searchable_flag: f.custom && SEARCHABLE_TYPES.includes(f.type),
    filtering_allowed: true,
    sortable_flag: true,
    mandatory_flag: false,
    options: f.options ? f.options.map((o) => ({ ...o })) : undefined,
    description: f.description,
  };
}

/** A v2 create body: `{field_name, field_type, options: [{label}], description}`. */
export function newFieldV2(body: unknown): NewField {
  const b = object(body, 'body');
  return {
    name: nonEmpty(b.field_name, 'field_name'),
    type: oneOf(b.field_type, CUSTOM_FIELD_TYPES, 'field_type'),
    options: optionLabels(b.options, 'options', false),
    description:
      b.description === undefined || b.description === null ? null : str(b.description, 'description', 65_535),
  };
}

/** A v1 create body: `{name, field_type, options}`; v1 also takes options as plain strings or a JSON string. */
export function newFieldV1(body: unknown): NewField {
  const b = object(body, 'body');
  let options = b.options;
  if (typeof options === 'string') {
    try {
      options = JSON.parse(options) as unknown;
    } catch {
      throw new ValidationError('options: must be a JSON array');
    }
  }
  return {
    name: nonEmpty(b.name, 'name'),
    type: oneOf(b.field_type, CUSTOM_FIELD_TYPES, 'field_type'),
    options: optionLabels(options, 'options', true),
    description: typeof b.description === 'string' ? b.description : null,
  };
}

export function optionLabels(v: unknown, field: string, lenient: boolean): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ValidationError(`${field}: must be an array of {label}`);
  return v.map((o, i) => {
    if (lenient && typeof o === 'string') return nonEmpty(o, `${field}[${i}]`);
    return nonEmpty(object(o, `${field}[${i}]`).label, `${field}[${i}].label`);
  });
}
