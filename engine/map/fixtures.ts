import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { canonicalJson } from './canonical.js';
import { FlowMapper } from './flow-mapper.js';
import { jsonDiff } from '../util/diff.js';
import type { MappingPlan } from '../sync/plan.js';

/**
 * A fixture case, beside the mapping in fixtures/*.yaml: a source record and its related records
 * (before the join filters), the clock, and the payload the flow must produce.
 */
export interface FixtureCase {
  description?: string;
  flow: string;
  now: string;
  record: Record<string, unknown>;
  related?: Record<string, unknown[]>;
  expect?: Record<string, unknown>;
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

export function fixtureFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

async function crossCheck(mapper: FlowMapper, input: Record<string, unknown>, payload: Record<string, unknown>): Promise<string | undefined> {
  const interpreted = await mapper.interpretTransform(input).catch((e: Error) => ({ error: e.message }));
  if (canonicalJson(interpreted) === canonicalJson(payload)) return undefined;
  return `the compiled transform and the JSONata interpreter disagree on this record: an mlc bug, please report it (MLC_JSONATA_COMPILER=off runs the interpreter only). - interpreter, + compiled:\n${jsonDiff(interpreted, payload)}`;
}

/** Maps each fixture's record exactly as a sync would (join filters, transform, payload schema). */
export async function runFixtures(plan: MappingPlan, dir: string): Promise<FixtureResult[]> {
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
    const flow = plan.mapping.flows[c.flow];
    if (!flow) {
      out.push({ file, name, flow: c.flow, ok: false, error: `no flow "${c.flow}" in mapping ${plan.mapping.name}` });
      continue;
    }
    const op = plan.target.connector.operations![flow.to];
    const now = new Date(c.now ?? Date.now());
    const mapper = new FlowMapper(plan.mapping.name, c.flow, flow, op, plan.mappingFile, () => now);
    try {
      const input: Record<string, unknown> = { ...c.record };
      for (const rel of Object.keys(flow.join ?? {})) {
        const kept = [];
        for (const r of c.related?.[rel] ?? []) if (await mapper.keepRelated(rel, r)) kept.push(r);
        input[rel] = kept;
      }
      const { payload } = await mapper.map(input);
      // Every fixture also checks the compiled JSONata against the interpreter, on the user's own records.
      const disagreement = mapper.compiled ? await crossCheck(mapper, input, payload) : undefined;
      if (disagreement) {
        out.push({ file, name, flow: c.flow, ok: false, payload, error: disagreement });
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
