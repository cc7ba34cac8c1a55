import type { Cursor } from '../config/types.generated.js';
import { getPath } from '../map/expression.js';
import { parseDuration } from '../util/duration.js';
import { render } from '../util/template.js';
import { formatInstant, parseInstant } from './datetime-format.js';
import { select } from './select.js';

/** How a stream's saved cursor turns into request parameters, and how a read advances it. */
export interface CursorTracker {
  /** Query parameters and template fragments for the first request (and, unless firstPageOnly, every page). */
  request(): { query: Record<string, string>; vars: Record<string, string>; firstPageOnly: boolean };
  observeRecord(record: unknown): void;
  observePage(body: unknown): Promise<void>;
  /** The value to save once everything read has been staged. */
  result(): string | undefined;
}

type Factory = (c: Cursor, saved: string | undefined, label: string) => CursorTracker;

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
function datetime(c: Cursor, saved: string | undefined, label: string): CursorTracker {
  const zone = c.timezone ?? 'UTC';
  const savedMs = saved ? Date.parse(saved) : NaN;
  let max = Number.isFinite(savedMs) ? savedMs : -Infinity;
  const lookback = parseDuration(c.lookback, 0);
  return {
    request: () => ({ ...fragments(c, Number.isFinite(savedMs) ? formatInstant(savedMs - lookback, c.format, zone) : undefined), firstPageOnly: false }),
    observeRecord(r) {
      const t = parseInstant(getPath(r, c.field ?? ''), zone);
      if (Number.isFinite(t) && t > max) max = t;
      else if (!Number.isFinite(t) && getPath(r, c.field ?? '') !== undefined) throw new Error(`${label}: cannot read ${c.field} ${JSON.stringify(getPath(r, c.field ?? ''))} as a timestamp`);
    },
    observePage: async () => {},
    result: () => (Number.isFinite(max) ? new Date(max).toISOString() : saved),
  };
}

function epochSeconds(c: Cursor, saved: string | undefined): CursorTracker {
  const zone = c.timezone ?? 'UTC';
  let max = saved ? Number(saved) : -Infinity;
  const lookback = Math.floor(parseDuration(c.lookback, 0) / 1000);
  return {
    request: () => ({ ...fragments(c, saved ? String(Number(saved) - lookback) : undefined), firstPageOnly: false }),
    observeRecord(r) {
      const t = Math.floor(parseInstant(getPath(r, c.field ?? ''), zone) / 1000);
      if (Number.isFinite(t) && t > max) max = t;
    },
    observePage: async () => {},
    result: () => (Number.isFinite(max) ? String(max) : saved),
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
    observeRecord: () => {},
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

export function createCursor(c: Cursor, saved: string | undefined, label: string): CursorTracker {
  return CURSORS[c.type](c, saved, label);
}
