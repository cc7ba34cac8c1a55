import type { QueryParams } from '../framework/types.js';
import type { Note } from './notes.js';
import { ValidationError } from './values.js';

const V1_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function v1Ms(v: string, field: string, pattern: RegExp): number {
  const ms = pattern.test(v) ? Date.parse(`${v.replace(' ', 'T')}${v.length === 10 ? 'T00:00:00' : ''}Z`) : Number.NaN;
  if (Number.isNaN(ms))
    throw new ValidationError(`${field} must be ${pattern === DATE ? 'YYYY-MM-DD' : 'YYYY-MM-DD HH:MM:SS'}`);
  return ms;
}

/**
 * GET /v1/notes filters: the record a note is attached to, its author, `updated_since`
 * (`YYYY-MM-DD HH:MM:SS`, v1's format) and `start_date`/`end_date` on the add date.
 */
export function noteFilter(q: QueryParams): (n: Note) => boolean {
  const ids = (['deal_id', 'person_id', 'org_id', 'user_id'] as const).filter((k) => q[k] !== undefined && q[k] !== '');
  const since = q.updated_since ? v1Ms(q.updated_since, 'updated_since', V1_TIME) : undefined;
  const from = q.start_date ? v1Ms(q.start_date, 'start_date', DATE) : undefined;
  const to = q.end_date ? v1Ms(q.end_date, 'end_date', DATE) + 86_400_000 : undefined;
  return (n) =>
    ids.every((k) => String(n[k]) === q[k]) &&
    (since === undefined || Math.floor(n.updateMs / 1000) * 1000 >= since) &&
    (from === undefined || n.addMs >= from) &&
    (to === undefined || n.addMs < to);
}
