import { dirname, join } from 'node:path';
import { containedIn } from './contained.js';
import type { Diagnostic } from './diagnostic.js';
import { displayPath, entryExists, listFolder, type Loaded } from './project.js';
import type { Mapping } from './types.generated.js';
import { YamlFile } from './yaml-file.js';

/** A date and time with its offset (RFC 3339), so a fixture means the same instant on every machine. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * A fixture's `now` as an instant, or why it is not one. Date.parse alone accepts "1" (2001),
 * February 30 (rolled into March) and times without an offset (the machine's zone), each of which
 * would make a case test another clock than the one it names.
 */
export function parseFixtureNow(value: unknown): { date: Date } | { problem: string } {
  const example = 'such as 2026-11-21T12:00:00Z';
  if (typeof value !== 'string') return { problem: `"now" must be a date and time with its offset, ${example}` };
  const m = INSTANT.exec(value.trim());
  if (!m) return { problem: `"now" must be a date and time with its offset (Z or +01:00), ${example}; got "${value}"` };
  const [, y, mo, d, h, mi, sec] = m.map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || sec > 59)
    return { problem: `"now" is not a real date and time: "${value}" (${example})` };
  return { date: new Date(value.trim()) };
}

type Kind = 'string' | 'mapping' | 'mapping of lists';
/** The keys of a fixture case (engine/map/fixtures.ts reads them). */
const KEYS: Record<string, { kind: Kind; required?: boolean }> = {
  description: { kind: 'string' },
  flow: { kind: 'string', required: true },
  now: { kind: 'string' },
  record: { kind: 'mapping', required: true },
  related: { kind: 'mapping of lists' },
  expect: { kind: 'mapping' },
  // The record is deleted at the source: the flow's on_delete mark transform maps it, given this evidence.
  deletion: { kind: 'mapping' },
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
  const error = (file: string, message: string): Diagnostic => ({
    file: displayPath(file),
    line: 1,
    col: 1,
    severity: 'error',
    message,
    path: '',
  });
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
  if (!isMapping(data))
    return [
      ...out,
      yaml.diagAt(
        [],
        'error',
        'a fixture case must be a mapping with "flow" and "record" (and optionally "now", "related", "expect", "description", "deletion")',
      ),
    ];
  for (const [key, spec] of Object.entries(KEYS)) {
    if (!(key in data)) {
      if (spec.required) out.push(yaml.diagAt([], 'error', `missing required key "${key}"`));
    } else if (!fits(spec.kind, data[key])) {
      out.push(yaml.diagAt([key], 'error', `"${key}" must be a ${spec.kind}`));
    }
  }
  for (const key of Object.keys(data))
    if (!(key in KEYS))
      out.push(
        yaml.diagAt([key], 'error', `unknown key "${key}" (expected one of: ${Object.keys(KEYS).join(', ')})`, true),
      );
  if (typeof data.flow === 'string' && flowsKnown && !flows.includes(data.flow))
    out.push(yaml.diagAt(['flow'], 'error', `no flow "${data.flow}" in this mapping (have: ${flows.join(', ')})`));
  if (typeof data.now === 'string') {
    const now = parseFixtureNow(data.now);
    if ('problem' in now) out.push(yaml.diagAt(['now'], 'error', now.problem));
  }
  return out;
}
