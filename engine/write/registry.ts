import type { LintAt, StrategyLint, StrategyProblem } from '../config/strategy.js';
import type { CustomWrite, Write } from '../config/types.generated.js';
import type { Channel } from '../util/channel.js';
import { asyncJobWriter } from './async-job.js';
import { batchWriter } from './batch.js';
import { singleWriter } from './single.js';
import type { WriteContext, WriteItem, WriteOutcome, Writer } from './types.js';

/**
 * What a custom writer module exports: `write(items, context)`, resolving with one outcome per
 * item (the registry hands them on; the module never sees onOutcomes).
 */
export type CustomWriter = (items: WriteItem[], ctx: Omit<WriteContext, 'onOutcomes'>) => Promise<WriteOutcome[]>;

const customs = new WeakMap<CustomWrite, CustomWriter>();

/** Binds a custom writer's spec to its module's write function (engine/config/custom-modules.ts does, at load time). */
export function bindCustomWriter(spec: CustomWrite, write: CustomWriter): void {
  customs.set(spec, write);
}

/** Items arriving on a channel are gathered first: a custom writer gets them as one list. */
async function gathered(items: WriteItem[] | Channel<WriteItem>): Promise<WriteItem[]> {
  if (Array.isArray(items)) return items;
  const all: WriteItem[] = [];
  for await (const chunk of items) all.push(...chunk);
  return all;
}

const customWriter: Writer = async (items, ctx) => {
  const write = customs.get(ctx.spec as CustomWrite);
  if (!write)
    throw new Error(
      `${ctx.label}: custom writer ${(ctx.spec as CustomWrite).module} is not loaded (load the project's custom modules first)`,
    );
  const { onOutcomes, ...rest } = ctx;
  const list = await gathered(items);
  const out = await write(list, rest);
  const answered = new Set(Array.isArray(out) ? out.map((o) => o.key) : []);
  // An item the module did not answer fails; it never passes silently.
  const missing = list
    .filter((i) => !answered.has(i.key))
    .map((i) => ({
      key: i.key,
      ok: false,
      error: `${ctx.label}: custom writer ${(ctx.spec as CustomWrite).module} gave no outcome for this record`,
    }));
  await onOutcomes([...(Array.isArray(out) ? out : []), ...missing]);
};

/** An update must reach the record it updates. */
const carriesId: StrategyLint<Write> = (w, at) =>
  at.kind === 'update' && 'path' in w && w.path && !w.path.includes('{id}') && !w.id_in_body
    ? [{ key: 'path', message: 'an update must carry the target id: use {id} in the path or set id_in_body' }]
    : [];

/** Per-record results of a batch are read from a list: without its path none is matched. */
const resultsPath: StrategyLint<Write> = (w) =>
  'results' in w && w.results && !('type' in w.results) && !w.results.path
    ? [{ key: 'results', message: `writer ${w.writer} needs results.path (where the per-record results are)` }]
    : [];

type Entry = Writer & { lint: StrategyLint<Write> };
const entry = (writer: Writer, ...rules: StrategyLint<Write>[]): Entry => {
  const lint: StrategyLint<Write> = (w, at) => rules.flatMap((r) => r(w, at));
  return Object.assign(((items, ctx) => writer(items, ctx)) as Writer, { lint });
};

/**
 * Write strategies by the name the connector YAML uses, each with its lint rules; the schema's
 * oneOf branches carry the same names (a test proves it).
 */
export const WRITERS: Record<Write['writer'], Entry> = {
  single: entry(singleWriter, carriesId),
  batch: entry(batchWriter, resultsPath),
  async_job: entry(asyncJobWriter, resultsPath),
  custom: entry(customWriter),
};

/** The problems of a write spec, by its writer's own rules. */
export function lintWrite(w: Write, at: LintAt): StrategyProblem[] {
  return Object.hasOwn(WRITERS, w.writer) ? WRITERS[w.writer].lint(w, at) : [];
}
