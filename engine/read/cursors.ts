import type { LintAt, StrategyLint, StrategyProblem } from '../config/strategy.js';
import type {
  Cursor,
  CustomCursor,
  DatetimeCursor,
  EpochSecondsCursor,
  ResponseTokenCursor,
} from '../config/types.generated.js';
import { getPath } from '../map/expression.js';
import { parseDuration } from '../util/duration.js';
import { render } from '../util/template.js';
import { formatInstant, parseInstant } from './datetime-format.js';
import { select } from './select.js';

/** What a cursor has to say about one record: it cannot track it (failure), or it does not trust its time (warning). */
export interface RecordNote {
  level: 'failure' | 'warning';
  message: string;
}

/** How a stream's saved cursor turns into request parameters, and how a read advances it. */
export interface CursorTracker {
  /** Query parameters and template fragments for the first request (and, unless firstPageOnly, every page). */
  request(): { query: Record<string, string>; vars: Record<string, string>; firstPageOnly: boolean };
  observeRecord(record: unknown): RecordNote | undefined;
  observePage(body: unknown): Promise<void>;
  /** The value to save once everything read has been staged. */
  result(): string | undefined;
  /** Said once per read (a saved cursor that was discarded) */
  warnings: string[];
}

/** What a cursor module exports (built-in or custom): a tracker per read of a stream. */
export type CursorFactory<C extends Cursor = Cursor> = (
  c: C,
  saved: string | undefined,
  label: string,
  startedAt: number,
) => CursorTracker;

type TimeCursor = DatetimeCursor | EpochSecondsCursor;

/** A record stamped later than this is not trusted to move the mark: one clock in the future would hide every later change. */
const DEFAULT_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * The high-water mark of a time field, never past the read's start plus a skew. A record whose
 * time cannot be read, or lies further ahead, is still read; the cursor does not move for it.
 */
function timeMark(c: TimeCursor, label: string, startedAt: number, savedMs: number, unit: number) {
  const zone = c.timezone ?? 'UTC';
  const limit = startedAt + parseDuration(c.future_skew, DEFAULT_FUTURE_SKEW_MS);
  const warnings: string[] = [];
  // A mark saved beyond the limit (by a version that trusted a future stamp) would hide every
  // change: it is dropped and the stream read in full once.
  const usable = Number.isFinite(savedMs) && savedMs <= limit;
  if (Number.isFinite(savedMs) && !usable)
    warnings.push(
      `${label}: the saved cursor ${new Date(savedMs).toISOString()} lies in the future; it was discarded and the stream read in full`,
    );
  let max = usable ? savedMs : -Infinity;
  return {
    usable,
    warnings,
    max: () => max,
    observe(r: unknown): RecordNote | undefined {
      const raw = getPath(r, c.field);
      if (raw === undefined) return undefined;
      const t = Math.floor(parseInstant(raw, zone) / unit) * unit;
      if (!Number.isFinite(t))
        return {
          level: 'failure',
          message: `${label}: ${c.field} ${JSON.stringify(raw)} cannot be read as a timestamp; the record was synced, but later changes to it are only seen on a full read`,
        };
      if (t > limit)
        return {
          level: 'warning',
          message: `${label}: ${c.field} ${JSON.stringify(raw)} lies in the future; the record was synced, the cursor stays at the read's start`,
        };
      if (t > max) max = t;
      return undefined;
    },
  };
}

function fragments(
  c: TimeCursor | CustomCursor,
  value: string | undefined,
): { query: Record<string, string>; vars: Record<string, string> } {
  const vars: Record<string, string> = {};
  for (const [k, t] of Object.entries(c.vars ?? {})) vars[k] = value === undefined ? '' : render(t, { cursor: value });
  const query: Record<string, string> = {};
  if (value !== undefined) for (const [k, t] of Object.entries(c.params ?? {})) query[k] = render(t, { cursor: value });
  return { query, vars };
}

/**
 * High-water mark of a last-modified field. The request re-reads `lookback` before the mark with
 * an inclusive condition; the reader drops what it already has by key and version, so records
 * committed late or sharing the boundary instant are neither lost nor duplicated.
 */
function datetime(c: DatetimeCursor, saved: string | undefined, label: string, startedAt: number): CursorTracker {
  const zone = c.timezone ?? 'UTC';
  const mark = timeMark(c, label, startedAt, saved ? Date.parse(saved) : NaN, 1);
  const lookback = parseDuration(c.lookback, 0);
  const from = mark.usable ? mark.max() : NaN;
  return {
    request: () => ({
      ...fragments(c, Number.isFinite(from) ? formatInstant(from - lookback, c.format, zone) : undefined),
      firstPageOnly: false,
    }),
    observeRecord: (r) => mark.observe(r),
    observePage: async () => {},
    result: () => (Number.isFinite(mark.max()) ? new Date(mark.max()).toISOString() : mark.usable ? saved : undefined),
    warnings: mark.warnings,
  };
}

function epochSeconds(
  c: EpochSecondsCursor,
  saved: string | undefined,
  label: string,
  startedAt: number,
): CursorTracker {
  const mark = timeMark(c, label, startedAt, saved ? Number(saved) * 1000 : NaN, 1000);
  const lookback = Math.floor(parseDuration(c.lookback, 0) / 1000);
  const from = mark.usable ? mark.max() / 1000 : NaN;
  return {
    request: () => ({
      ...fragments(c, Number.isFinite(from) ? String(from - lookback) : undefined),
      firstPageOnly: false,
    }),
    observeRecord: (r) => mark.observe(r),
    observePage: async () => {},
    result: () => (Number.isFinite(mark.max()) ? String(mark.max() / 1000) : mark.usable ? saved : undefined),
    warnings: mark.warnings,
  };
}

/** An opaque token the API hands out (Zendesk incremental export's after_cursor). */
function responseToken(c: ResponseTokenCursor, saved: string | undefined, label: string): CursorTracker {
  let latest = saved;
  return {
    request: () => ({
      query: saved ? { [c.token_param ?? 'cursor']: saved } : c.start_param ? { [c.start_param]: '0' } : {},
      vars: {},
      firstPageOnly: true,
    }),
    observeRecord: () => undefined,
    warnings: [],
    async observePage(body) {
      const t = await select(c.token, body, `${label} incremental.token`);
      if (typeof t === 'string' && t) latest = t;
    },
    result: () => latest,
  };
}

const customs = new WeakMap<CustomCursor, CursorFactory>();

/** Binds a custom cursor's spec to its module's factory (engine/config/custom-modules.ts does, at load time). */
export function bindCustomCursor(spec: CustomCursor, factory: CursorFactory): void {
  customs.set(spec, factory);
}

function custom(c: CustomCursor, saved: string | undefined, label: string, startedAt: number): CursorTracker {
  const factory = customs.get(c);
  if (!factory)
    throw new Error(`${label}: custom cursor ${c.module} is not loaded (load the project's custom modules first)`);
  return factory(c, saved, label, startedAt);
}

/** Template fragments and parameters are the only way a cursor reaches a request. */
const sentSomewhere: StrategyLint<TimeCursor> = (c) => {
  const texts = [...Object.values(c.params ?? {}), ...Object.values(c.vars ?? {})];
  if (texts.some((t) => t.includes('{cursor}'))) return [];
  return [
    {
      message: `cursor type ${c.type} never sends the cursor, so every read is a full read: use {cursor} in params or vars`,
    },
  ];
};

/** A fragment no template uses is a WHERE clause that never reaches the request. */
const varsUsed: StrategyLint<TimeCursor | CustomCursor> = (c, at) =>
  Object.keys(c.vars ?? {})
    .filter((v) => at.templates && !at.templates.some((t) => t.includes(`{${v}}`)))
    .map((v) => ({
      key: 'vars',
      severity: 'warning' as const,
      message: `cursor fragment {${v}} is used by no template of the stream (its path, query or headers)`,
    }));

const FORMAT_TOKENS = /'[^']*'|yyyy|MM|dd|HH|mm|ss|SSS|XXX/g;

/** A date pattern with letters that are no token would be sent literally: "YYYY" is not "yyyy". */
const formatKnown: StrategyLint<DatetimeCursor> = (c) => {
  if (!c.format || c.format === 'iso8601') return [];
  const rest = c.format.replace(FORMAT_TOKENS, '');
  const bad = /[A-Za-z]+/.exec(rest);
  return bad
    ? [
        {
          key: 'format',
          message: `cursor format has "${bad[0]}", which is no pattern letter (yyyy MM dd HH mm ss SSS XXX; quote literal text as 'T')`,
        },
      ]
    : [];
};

type Entry<C extends Cursor> = CursorFactory<C> & { lint: StrategyLint<C> };
const entry = <C extends Cursor>(factory: CursorFactory<C>, ...rules: StrategyLint<C>[]): Entry<C> =>
  Object.assign(factory, { lint: (c: C, at: LintAt) => rules.flatMap((r) => r(c, at)) });

/**
 * Delta cursors by the name the connector YAML uses, each with its lint rules; the schema's oneOf
 * branches carry the same names (a test proves it).
 */
export const CURSORS: { [T in Cursor['type']]: Entry<Extract<Cursor, { type: T }>> } = {
  datetime: entry(datetime, sentSomewhere, varsUsed, formatKnown),
  epoch_seconds: entry(epochSeconds, sentSomewhere, varsUsed),
  response_token: entry(responseToken),
  custom: entry(custom, varsUsed),
};

/** `startedAt`: when the read started, on the clock the run's waits use. */
export function createCursor(
  c: Cursor,
  saved: string | undefined,
  label: string,
  startedAt = Date.now(),
): CursorTracker {
  return (CURSORS[c.type] as CursorFactory)(c, saved, label, startedAt);
}

/** The problems of a stream's cursor, by its cursor's own rules. */
export function lintCursor(c: Cursor, at: LintAt): StrategyProblem[] {
  return Object.hasOwn(CURSORS, c.type) ? (CURSORS[c.type].lint as StrategyLint<Cursor>)(c, at) : [];
}

/** The record time field a cursor tracks, and the zone of its stamps (none for token cursors). */
export function cursorTimeField(c: Cursor | undefined): { field: string; timezone: 'UTC' | 'local' } | undefined {
  return c && (c.type === 'datetime' || c.type === 'epoch_seconds')
    ? { field: c.field, timezone: c.timezone ?? 'UTC' }
    : undefined;
}
