import { HttpError } from '../http/client.js';
import { outcomeUnknown, type WriteItem, type WriteOutcome } from './types.js';

/**
 * The error of a request made for some records, if it fails only those records (an HttpError of
 * scope "record"). Anything else stops the run, and is thrown again.
 */
export function recordScoped(e: unknown): HttpError {
  if (e instanceof HttpError && e.scope === 'record') return e;
  throw e;
}

/** Every item failed with the same reason. */
export function failed(items: WriteItem[], error: string, more: Partial<WriteOutcome> = {}): WriteOutcome[] {
  return items.map((i) => ({ key: i.key, ok: false, error, ...more }));
}

/**
 * The items of a request that failed for them alone: failed with its message, their outcome
 * unknown when the request may have been applied (no answer, a server error). `conflict` is
 * said where the writer can tell (a create answered 409).
 */
export function failedBy(items: WriteItem[], e: HttpError, o: { conflict?: boolean } = {}): WriteOutcome[] {
  const more: Partial<WriteOutcome> = o.conflict === undefined ? {} : { conflict: o.conflict };
  if (outcomeUnknown(e.status)) more.unknown = true;
  return failed(items, e.message, more);
}

/** The outcomes of a request for these items, or their failure if it failed for them alone. */
export async function orFailed(
  items: WriteItem[],
  send: () => Promise<WriteOutcome[]>,
  o: { conflictOn409?: boolean } = {},
): Promise<WriteOutcome[]> {
  try {
    return await send();
  } catch (e) {
    const err = recordScoped(e);
    if (o.conflictOn409 === undefined) return failedBy(items, err);
    return failedBy(items, err, { conflict: o.conflictOn409 && err.status === 409 });
  }
}
