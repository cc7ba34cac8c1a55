import { dirname, join } from 'node:path';
import { containedIn } from './contained.js';
import type { Diagnostic } from './diagnostic.js';
import { displayPath, entryExists, listFolder, type Loaded } from './project.js';
import type { Mapping } from './types.generated.js';
import { YamlFile } from './yaml-file.js';

type Kind = 'string' | 'mapping' | 'mapping of lists';
/** The keys of a fixture case (engine/map/fixtures.ts reads them). */
const KEYS: Record<string, { kind: Kind; required?: boolean }> = {
  description: { kind: 'string' },
  flow: { kind: 'string', required: true },
  now: { kind: 'string' },
  record: { kind: 'mapping', required: true },
  related: { kind: 'mapping of lists' },
  expect: { kind: 'mapping' },
};

const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function fits(kind: Kind, v: unknown): boolean {
  if (kind === 'string') return typeof v === 'string';
  if (kind === 'mapping') return isMapping(v);
  return isMapping(v) && Object.values(v).every(Array.isArray);
}

/**
 * The fixture cases in a mapping's fixtures/ folder: each must be a readable UTF-8 YAML file
 * inside the mapping's folder (after symbolic links), with the keys `mlc test` reads.
 */
export function checkFixtures(m: Loaded<Mapping>): Diagnostic[] {
  const folder = dirname(m.path);
  const dir = join(folder, 'fixtures');
  if (!entryExists(dir)) return [];
  const error = (file: string, message: string): Diagnostic => ({ file: displayPath(file), line: 1, col: 1, severity: 'error', message, path: '' });
  const list = listFolder(dir);
  if ('problem' in list) return [error(dir, `fixtures folder ${list.problem}`)];
  const names = list.names;
  const flows = Object.keys(((m.data ?? m.raw) as Partial<Mapping> | undefined)?.flows ?? {});
  const out: Diagnostic[] = [];
  for (const name of names) {
    if (!/\.ya?ml$/.test(name)) continue;
    const file = join(dir, name);
    const where = containedIn(file, folder);
    if (!where.inside) {
      out.push(error(file, `fixture file ${where.problem}`));
      continue;
    }
    out.push(...checkFixture(YamlFile.read(file, displayPath(file)), flows, m.data !== undefined));
  }
  return out;
}

function checkFixture(yaml: YamlFile, flows: string[], flowsKnown: boolean): Diagnostic[] {
  if (!yaml.ok) return yaml.parseDiagnostics;
  const out = [...yaml.parseDiagnostics];
  const data = yaml.toJS();
  if (!isMapping(data)) return [...out, yaml.diagAt([], 'error', 'a fixture case must be a mapping with "flow" and "record" (and optionally "now", "related", "expect", "description")')];
  for (const [key, spec] of Object.entries(KEYS)) {
    if (!(key in data)) {
      if (spec.required) out.push(yaml.diagAt([], 'error', `missing required key "${key}"`));
    } else if (!fits(spec.kind, data[key])) {
      out.push(yaml.diagAt([key], 'error', `"${key}" must be a ${spec.kind}`));
    }
  }
  for (const key of Object.keys(data)) if (!(key in KEYS)) out.push(yaml.diagAt([key], 'error', `unknown key "${key}" (expected one of: ${Object.keys(KEYS).join(', ')})`, true));
  if (typeof data.flow === 'string' && flowsKnown && !flows.includes(data.flow)) out.push(yaml.diagAt(['flow'], 'error', `no flow "${data.flow}" in this mapping (have: ${flows.join(', ')})`));
  if (typeof data.now === 'string' && Number.isNaN(Date.parse(data.now))) out.push(yaml.diagAt(['now'], 'error', `"now" must be a date and time such as 2026-11-21T12:00:00Z`));
  return out;
}
