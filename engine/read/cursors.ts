import type { Cursor } from '../config/types.generated.js';
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

type Factory = (c: Cursor, saved: string | undefined, label: string, startedAt: number) => CursorTracker;

/** A record stamped later than this is not trusted to move the mark: one clock in the future would hide every later change. */
const DEFAULT_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * The high-water mark of a time field, never past the read's start plus a skew. A record whose
 * time cannot be read, or lies further ahead, is still read; the cursor does not move for it.
 */
function timeMark(c: Cursor, label: string, startedAt: number, savedMs: number, unit: number) {
  const zone = c.timezone ?? 'UTC';
  const limit = startedAt + parseDuration(c.future_skew, DEFAULT_FUTURE_SKEW_MS);
  const warnings: string[] = [];
  // A mark saved beyond the limit (by a version that trusted a future stamp) would hide every
  // change: it is dropped and the stream read in full once.
  const usable = Number.isFinite(savedMs) && savedMs <= limit;
  if (Number.isFinite(savedMs) && !usable) warnings.push(`${label}: the saved cursor ${new Date(savedMs).toISOString()} lies in the future; it was discarded and the stream read in full`);
  let max = usable ? savedMs : -Infinity;
  return {
    usable,
    warnings,
    max: () => max,
    observe(r: unknown): RecordNote | undefined {
      const raw = getPath(r, c.field ?? '');
      if (raw === undefined) return undefined;
      const t = Math.floor(parseInstant(raw, zone) / unit) * unit;
      if (!Number.isFinite(t)) return { level: 'failure', message: `${label}: ${c.field} ${JSON.stringify(raw)} cannot be read as a timestamp; the record was synced, but later changes to it are only seen on a full read` };
      if (t > limit) return { level: 'warning', message: `${label}: ${c.field} ${JSON.stringify(raw)} lies in the future; the record was synced, the cursor stays at the read's start` };
      if (t > max) max = t;
      return undefined;
    },
  };
}

function fragments(c: Cursor, value: string | undefined): { query: Record<string, string>; vars: Record<string, string> } {
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
function datetime(c: Cursor, saved: string | undefined, label: string, startedAt: number): CursorTracker {
  const zone = c.timezone ?? 'UTC';
  const mark = timeMark(c, label, startedAt, saved ? Date.parse(saved) : NaN, 1);
  const lookback = parseDuration(c.lookback, 0);
  const from = mark.usable ? mark.max() : NaN;
  return {
    request: () => ({ ...fragments(c, Number.isFinite(from) ? formatInstant(from - lookback, c.format, zone) : undefined), firstPageOnly: false }),
    observeRecord: (r) => mark.observe(r),
    observePage: async () => {},
    result: () => (Number.isFinite(mark.max()) ? new Date(mark.max()).toISOString() : mark.usable ? saved : undefined),
    warnings: mark.warnings,
  };
}

function epochSeconds(c: Cursor, saved: string | undefined, label: string, startedAt: number): CursorTracker {
  const mark = timeMark(c, label, startedAt, saved ? Number(saved) * 1000 : NaN, 1000);
  const lookback = Math.floor(parseDuration(c.lookback, 0) / 1000);
  const from = mark.usable ? mark.max() / 1000 : NaN;
  return {
    request: () => ({ ...fragments(c, Number.isFinite(from) ? String(from - lookback) : undefined), firstPageOnly: false }),
    observeRecord: (r) => mark.observe(r),
    observePage: async () => {},
    result: () => (Number.isFinite(mark.max()) ? String(mark.max() / 1000) : mark.usable ? saved : undefined),
    warnings: mark.warnings,
  };
}

/** An opaque token the API hands out (Zendesk incremental export's after_cursor). */
function responseToken(c: Cursor, saved: string | undefined, label: string): CursorTracker {
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

/** Delta cursors by the name the connector YAML uses; the schema's enum lists the same names. */
export const CURSORS: Record<Cursor['type'], Factory> = {
  datetime,
  epoch_seconds: epochSeconds,
  response_token: responseToken,
};

/** `startedAt`: when the read started, on the clock the run's waits use. */
export function createCursor(c: Cursor, saved: string | undefined, label: string, startedAt = Date.now()): CursorTracker {
  return CURSORS[c.type](c, saved, label, startedAt);
}
