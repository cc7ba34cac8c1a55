import type { Handler, SimRequest, SimResponse } from '../framework/types.js';
import { fail, invalid } from './errors.js';
import { ValidationError } from './values.js';

/** A v2 handler: a refused value is a 400 in the validation wording. */
export function v2(fn: (req: SimRequest) => SimResponse): Handler {
  return (req) => {
    try {
      return fn(req);
    } catch (err) {
      if (err instanceof ValidationError) return invalid(err.message);
      throw err;
    }
  };
}

/** A v1 handler: a refused value is a plain 400 envelope. */
export function v1(fn: (req: SimRequest) => SimResponse | Promise<SimResponse>): Handler {
  return async (req) => {
    try {
      return await fn(req);
    } catch (err) {
      if (err instanceof ValidationError) return fail(400, err.message);
      throw err;
    }
  };
}

/** A positive integer path id, or undefined (which the routes answer with 404, as Pipedrive does). */
export function pathId(v: string | undefined): number | undefined {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** v1 is lenient: an id may come as a number or a numeric string (form bodies), and '' or null means none. */
export function looseId(v: unknown, field: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  throw new ValidationError(`${field} must be an integer`);
}

/** v1 booleans: true/false, 1/0 or their strings. */
export function looseBool(v: unknown, field: string): boolean {
  if (v === true || v === 1 || v === '1' || v === 'true') return true;
  if (v === false || v === 0 || v === '0' || v === 'false') return false;
  throw new ValidationError(`${field} must be a boolean`);
}
