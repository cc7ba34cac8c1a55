import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { loadCustomModules } from '../config/custom-modules.js';
import { ConfigError } from '../config/diagnostic.js';
import { parseFixtureNow } from '../config/fixture-check.js';
import { displayPath } from '../config/project.js';
import { changedPaths, setTopLevel } from '../config/yaml-update.js';
import type { Flow, Mapping } from '../config/types.generated.js';
import { canonicalJson } from './canonical.js';
import { FlowMapper } from './flow-mapper.js';
import { jsonDiff } from '../util/diff.js';
import { errorMessage } from '../util/text.js';
import type { MappingPlan } from '../sync/plan.js';

/**
 * A fixture case, beside the mapping in fixtures/*.yaml: a source record and its related records
 * (before the join filters), the clock, and the payload the flow must produce.
 */
export interface FixtureCase {
  description?: string;
  flow: string;
  /** When the case runs; a case without one runs at the real time */
  now?: string;
  record: Record<string, unknown>;
  related?: Record<string, unknown[]>;
  expect?: Record<string, unknown>;
  /** The record is deleted at the source with this evidence (kind, detail): the on_delete transform maps it */
  deletion?: Record<string, unknown>;
}

export interface FixtureResult {
  file: string;
  name: string;
  flow: string;
  ok: boolean;
  payload?: Record<string, unknown>;
  diff?: string;
  error?: string;
}

/**
 * The custom-field keys a payload carries that the flow does not declare: the target would drop
 * them silently. Only flows that declare custom fields are checked; keys of a flow that declares
 * none are the target's own, created outside mlc.
 */
export function undeclaredCustomFields(
  payload: Record<string, unknown>,
  setKey: string | undefined,
  declared: Mapping['flows'][string]['custom_fields'],
): string[] {
  if (!setKey || !declared?.length) return [];
  const set = payload[setKey];
  if (!set || typeof set !== 'object' || Array.isArray(set)) return [];
  const keys = new Set(declared.map((f) => f.key));
  return Object.keys(set).filter((k) => !keys.has(k));
}

export function fixtureFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

async function crossCheck(
  mapper: FlowMapper,
  input: Record<string, unknown>,
  payload: Record<string, unknown>,
  deletion?: Record<string, unknown>,
): Promise<string | undefined> {
  const interpreted = await mapper
    .interpretTransform(input, deletion)
    .catch((e: unknown) => ({ error: errorMessage(e) }));
  if (canonicalJson(interpreted) === canonicalJson(payload)) return undefined;
  return `the compiled transform and the JSONata interpreter disagree on this record: an mlc bug, please report it (MLC_JSONATA_COMPILER=off runs the interpreter only). - interpreter, + compiled:\n${jsonDiff(interpreted, payload)}`;
}

/** Maps each fixture's record exactly as a sync would (join filters, transform, payload schema). */
export async function runFixtures(plan: MappingPlan, dir: string): Promise<FixtureResult[]> {
  // The mapping's custom functions are modules: imported (and checked) before any case runs.
  const problems = (await loadCustomModules(plan.project)).filter((d) => d.file === displayPath(plan.mappingFile));
  if (problems.length) throw new ConfigError(problems);
  const out: FixtureResult[] = [];
  for (const file of fixtureFiles(dir)) {
    const name = basename(file).replace(/\.ya?ml$/, '');
    let c: FixtureCase;
    try {
      c = parse(readFileSync(file, 'utf8')) as FixtureCase;
    } catch (e) {
      out.push({ file, name, flow: '?', ok: false, error: `invalid fixture YAML: ${(e as Error).message}` });
      continue;
    }
    // The case names its flow in its own YAML: it may name none of the mapping's.
    const flows: Partial<Record<string, Flow>> = plan.mapping.flows;
    const flow = flows[c.flow];
    if (!flow) {
      out.push({ file, name, flow: c.flow, ok: false, error: `no flow "${c.flow}" in mapping ${plan.mapping.name}` });
      continue;
    }
    const op = plan.target.connector.operations?.[flow.to];
    if (!op) {
      out.push({ file, name, flow: c.flow, ok: false, error: `no operation "${flow.to}" in the target connector` });
      continue;
    }
    const clock = c.now === undefined ? { date: new Date() } : parseFixtureNow(c.now);
    if ('problem' in clock) {
      out.push({ file, name, flow: c.flow, ok: false, error: clock.problem });
      continue;
    }
    const now = clock.date;
    const mapper = new FlowMapper(plan.mapping.name, c.flow, flow, op, plan.mappingFile, () => now);
    try {
      const input: Record<string, unknown> = { ...c.record };
      for (const rel of Object.keys(flow.join ?? {})) {
        const kept = [];
        for (const r of c.related?.[rel] ?? []) if (await mapper.keepRelated(rel, r)) kept.push(r);
        input[rel] = kept;
      }
      const { payload } = await mapper.map(input, c.deletion);
      // Every fixture also checks the compiled JSONata against the interpreter, on the user's own records.
      const disagreement = mapper.compiled ? await crossCheck(mapper, input, payload, c.deletion) : undefined;
      if (disagreement) {
        out.push({ file, name, flow: c.flow, ok: false, payload, error: disagreement });
        continue;
      }
      const setKey = op.custom_fields
        ? plan.target.connector.custom_fields?.[op.custom_fields]?.payload_path
        : undefined;
      const undeclared = undeclaredCustomFields(payload, setKey, flow.custom_fields);
      if (undeclared.length) {
        const list = undeclared.map((k) => `"${k}"`).join(', ');
        out.push({
          file,
          name,
          flow: c.flow,
          ok: false,
          payload,
          error: `the payload writes ${setKey} ${list}, which the flow's custom_fields do not declare: the target would drop ${undeclared.length > 1 ? 'them' : 'it'} (a typo, or a field to add to custom_fields)`,
        });
        continue;
      }
      const ok = c.expect === undefined || canonicalJson(c.expect) === canonicalJson(payload);
      out.push({ file, name, flow: c.flow, ok, payload, diff: ok ? undefined : jsonDiff(c.expect, payload) });
    } catch (e) {
      out.push({ file, name, flow: c.flow, ok: false, error: (e as Error).message });
    }
  }
  return out;
}

export interface FixtureUpdate {
  file: string;
  name: string;
  flow: string;
  status: 'updated' | 'unchanged' | 'not updated';
  added?: string[];
  changed?: string[];
  removed?: string[];
  /** Why a case was left as it was: its mapping failed on it, or the file could not be rewritten */
  error?: string;
}

/**
 * `mlc test --update`: writes each case's actual payload into its `expect`. A case whose mapping
 * fails is never touched (its expect is what the author still wants). Only `expect` is rewritten;
 * comments, other keys and the layout of unchanged values stay as they were.
 */
export async function updateFixtures(plan: MappingPlan, dir: string): Promise<FixtureUpdate[]> {
  const out: FixtureUpdate[] = [];
  for (const r of await runFixtures(plan, dir)) {
    const base = { file: r.file, name: r.name, flow: r.flow };
    if (r.error || !r.payload) {
      out.push({ ...base, status: 'not updated', error: r.error ?? 'the mapping produced no payload' });
      continue;
    }
    const text = readFileSync(r.file, 'utf8');
    const doc = parseDocument(text);
    const before = (doc.toJS() as FixtureCase).expect;
    if (before !== undefined && canonicalJson(before) === canonicalJson(r.payload)) {
      out.push({ ...base, status: 'unchanged' });
      continue;
    }
    try {
      setTopLevel(doc, 'expect', r.payload);
      const next = doc.toString({ lineWidth: 0 });
      // What is written must read back as exactly the payload, or the file is left alone.
      if (canonicalJson((parse(next) as FixtureCase).expect) !== canonicalJson(r.payload))
        throw new Error('the rewritten file would not read back as the payload (an mlc bug, please report it)');
      writeFileSync(r.file, next);
    } catch (e) {
      out.push({ ...base, status: 'not updated', error: (e as Error).message });
      continue;
    }
    out.push({ ...base, status: 'updated', ...changedPaths(before ?? {}, r.payload) });
  }
  return out;
}
