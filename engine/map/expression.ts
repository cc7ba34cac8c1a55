import jsonata, { type Expression } from 'jsonata';

/** An error in a JSONata expression, naming where the expression came from. */
export class ExpressionError extends Error {
  constructor(readonly label: string, cause: unknown) {
    const e = cause as { message?: string; position?: number };
    super(`${label}: ${e.message ?? String(cause)}${e.position ? ` (at character ${e.position})` : ''}`);
    this.name = 'ExpressionError';
  }
}

const cache = new Map<string, Expression>();

/** Compiles once per distinct expression text (per process). */
export function compile(expr: string, label: string): Expression {
  let c = cache.get(expr);
  if (!c) {
    try {
      c = jsonata(expr);
    } catch (e) {
      throw new ExpressionError(label, e);
    }
    cache.set(expr, c);
  }
  return c;
}

/** JSONata returns arrays tagged as sequences and may return undefined members; make plain JSON. */
export function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'function') out[k] = plain(x);
    return out;
  }
  return v;
}

export async function evaluate(expr: string, input: unknown, label: string, bindings?: Record<string, unknown>): Promise<unknown> {
  try {
    return plain(await compile(expr, label).evaluate(input, bindings));
  } catch (e) {
    if (e instanceof ExpressionError) throw e;
    throw new ExpressionError(label, e);
  }
}

/** Reads a dotted path (customer.number) without JSONata, for keys on hot paths. */
export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of path.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}
