import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from './diagnostic.js';
import { closest } from '../util/closest.js';
import { plainText } from '../util/text.js';
import type { YamlFile } from './yaml-file.js';

export type SchemaName = 'connector' | 'mapping' | 'connections';

// The same module runs from engine/ (tests) and from dist/engine/ (the CLI): find schemas/ upwards.
function findSchemaDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'schemas', 'connector.schema.json'))) return join(dir, 'schemas');
    dir = dirname(dir);
  }
  throw new Error('cannot find the schemas/ folder of ml-connector');
}
const schemaDir = findSchemaDir();
export function schemaPath(name: SchemaName): string {
  return join(schemaDir, `${name}.schema.json`);
}

let ajv: Ajv | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(schemaPath(name), 'utf8')) as Record<string, unknown>;
}

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    ajv ??= new Ajv({ allErrors: true, strict: false, discriminator: true, allowUnionTypes: true, verbose: true });
    v = ajv.compile(loadSchema(name));
    compiled.set(name, v);
  }
  return v;
}

/** Validates a YAML file's data against a schema; every error is placed on the offending node. */
export function validateAgainstSchema(name: SchemaName, file: YamlFile, data: unknown): Diagnostic[] {
  const validate = validator(name);
  if (validate(data)) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const defs = (validate.schema as { definitions?: Definitions }).definitions ?? {};
  for (const err of closestBranches(validate.errors ?? [], defs)) {
    if (err.keyword === 'if' || err.keyword === 'oneOf' || err.keyword === 'anyOf') continue;
    const path = pointerToPath(err.instancePath, data);
    const d = toDiagnostic(err, path, file, data, defs);
    const id = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(d);
    }
  }
  return out;
}

type SchemaNode = {
  $ref?: string;
  oneOf?: SchemaNode[];
  discriminator?: unknown;
  properties?: Record<string, SchemaNode & { const?: unknown; enum?: unknown[]; description?: string }>;
};
type Definitions = Record<string, SchemaNode>;

const defName = (ref: string | undefined) => ref?.split('/').pop() ?? '';

/** Whether `node` is `within` or one of the schema objects below it (identity: ajv reports the objects it compiled). */
function contains(within: unknown, node: unknown, depth = 0): boolean {
  if (within === node) return true;
  if (!within || typeof within !== 'object' || depth > 12) return false;
  return Object.values(within).some((v) => contains(v, node, depth + 1));
}

/**
 * A value that fits none of the branches of a oneOf without a discriminator (results: JSONata
 * paths, or a custom reader) gets the errors of every branch; only those of the branch it comes
 * closest to (the fewest errors) are kept, so a typo is not reported once per alternative.
 * `defs` are the definitions of the schema object the validator compiled.
 */
function closestBranches(errors: ErrorObject[], defs: Definitions): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const err of errors) {
    const branches = (err.parentSchema as SchemaNode | undefined)?.oneOf;
    if (err.keyword !== 'oneOf' || (err.parentSchema as SchemaNode).discriminator || !branches) continue;
    const under = (e: ErrorObject, b: SchemaNode) =>
      e !== err &&
      e.instancePath.startsWith(err.instancePath) &&
      contains(b.$ref ? defs[defName(b.$ref)] : b, e.parentSchema);
    const groups = branches.map((b) => errors.filter((e) => under(e, b)));
    const best = groups.reduce((a, g) => (g.length < a.length ? g : a), groups[0] ?? []);
    for (const g of groups) if (g !== best) for (const e of g) dropped.add(e);
  }
  return errors.filter((e) => !dropped.has(e));
}

/** The discriminator of the strategy branch a schema node is: its one property with a const value. */
function strategyTag(schema: SchemaNode | undefined): { key: string; value: unknown } | undefined {
  for (const [key, prop] of Object.entries(schema?.properties ?? {}))
    if (prop.const !== undefined) return { key, value: prop.const };
  return undefined;
}

/**
 * A key a strategy requires, said in the strategy's words with what the key is for (its
 * description): `pagination type page_number needs "page_param" (the page number parameter)`.
 */
function needsMessage(err: ErrorObject, path: (string | number)[]): string | undefined {
  const schema = err.parentSchema as SchemaNode | undefined;
  const tag = strategyTag(schema);
  if (!tag) return undefined;
  const key = String((err.params as { missingProperty?: unknown }).missingProperty);
  const owner = typeof path.at(-1) === 'string' ? `${String(path.at(-1))} ` : '';
  const about = schema?.properties?.[key]?.description?.replace(/\.$/, '');
  const why = about ? ` (${about.charAt(0).toLowerCase()}${about.slice(1)})` : '';
  return `${owner}${tag.key} ${String(tag.value)} needs "${key}"${why}`;
}

function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(cur) ? Number(seg) : seg;
    out.push(key);
    cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[key] : undefined;
  }
  return out;
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let cur = data;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[p] : undefined;
  return cur;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function toDiagnostic(
  err: ErrorObject,
  path: (string | number)[],
  file: YamlFile,
  data: unknown,
  defs: Definitions,
): Diagnostic {
  const p = err.params as Record<string, unknown>;
  const value = valueAt(data, path);
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = closest(key, allowed);
      const msg = `unknown key "${key}"${hint ? `; did you mean "${hint}"?` : allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ''}`;
      return file.diagAt([...path, key], 'error', msg, true);
    }
    case 'required':
      return file.diagAt(
        path,
        'error',
        needsMessage(err, path) ?? `missing required key "${String(p.missingProperty)}"`,
      );
    case 'type':
      return file.diagAt(path, 'error', `expected ${String(p.type).replace(/,/g, ' or ')}, got ${describe(value)}`);
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const hint = typeof value === 'string' ? closest(value, allowed) : undefined;
      return file.diagAt(
        path,
        'error',
        `expected one of: ${allowed.join(', ')}; got ${describe(value)}${hint ? `; did you mean "${hint}"?` : ''}`,
      );
    }
    case 'discriminator': {
      const names = discriminatorNames(err, String(p.tag), defs);
      const tag = valueAt(data, [...path, String(p.tag)]);
      const hint = typeof tag === 'string' ? closest(tag, names) : undefined;
      const where = tag === undefined ? path : [...path, String(p.tag)];
      const owner =
        typeof path.at(-1) === 'string' && !/^\d+$/.test(String(path.at(-1))) ? `${String(path.at(-1))} ` : '';
      const msg =
        tag === undefined
          ? `missing required key "${String(p.tag)}"`
          : `unknown ${owner}${String(p.tag)} ${JSON.stringify(tag)}; expected one of: ${names.join(', ')}${hint ? `; did you mean "${hint}"?` : ''}`;
      return file.diagAt(where, 'error', msg);
    }
    case 'pattern': {
      const pattern = String(p.pattern);
      const expected = pattern.includes('ms|s|m|h|d')
        ? 'a duration such as 30s, 5m, 2h or 1d'
        : `a value matching ${pattern}`;
      return file.diagAt(path, 'error', `expected ${expected}, got ${describe(value)}`);
    }
    case 'const':
      return file.diagAt(path, 'error', `expected ${JSON.stringify(p.allowedValue)}, got ${describe(value)}`);
    default:
      return file.diagAt(path, 'error', err.message ?? `invalid (${err.keyword})`);
  }
}

/** The names a discriminated oneOf accepts: each branch's const (or enum) of the tag. */
function discriminatorNames(err: ErrorObject, tag: string, defs: Definitions): string[] {
  const branches = (err.parentSchema as SchemaNode | undefined)?.oneOf ?? [];
  const byName: Partial<Definitions> = defs; // a $ref may name no definition
  return branches.flatMap((b) => {
    const prop = (b.$ref ? byName[defName(b.$ref)] : b)?.properties?.[tag];
    return prop?.const !== undefined ? [plainText(prop.const)] : (prop?.enum ?? []).map(String);
  });
}
