import jsonata, { type Expression } from 'jsonata';
import { compileJsonata, FALLBACK, type CompiledExpression } from './jsonata-compiler.js';

/** An error in a JSONata expression, naming where the expression came from. */
export class ExpressionError extends Error {
  constructor(
    readonly label: string,
    cause: unknown,
  ) {
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

/** Set MLC_JSONATA_COMPILER=off to have the interpreter evaluate everything (to rule the compiler out). */
const compilerOn = process.env.MLC_JSONATA_COMPILER !== 'off';
const compiledCache = new Map<string, { fn: CompiledExpression } | { reason: string }>();

function compiled(expr: string): { fn: CompiledExpression } | { reason: string } {
  if (!compilerOn) return { reason: 'MLC_JSONATA_COMPILER=off' };
  let c = compiledCache.get(expr);
  if (c === undefined) compiledCache.set(expr, (c = compileJsonata(expr)));
  return c;
}

/** Why an expression runs on the JSONata interpreter, or undefined when it runs compiled. */
export function interpretedBecause(expr: string): string | undefined {
  const c = compiled(expr);
  return 'reason' in c ? c.reason : undefined;
}

/** The compiled form's answer, or FALLBACK where the interpreter must answer. */
function compiledAnswer(expr: string, input: unknown, bindings?: Record<string, unknown>): unknown {
  const c = compiled(expr);
  return 'fn' in c ? c.fn(input, bindings) : FALLBACK;
}

/** The interpreter's answer alone (fixtures check the compiled answer against it). */
export async function interpret(
  expr: string,
  input: unknown,
  label: string,
  bindings?: Record<string, unknown>,
): Promise<unknown> {
  try {
    return plain(await compile(expr, label).evaluate(input, bindings));
  } catch (e) {
    if (e instanceof ExpressionError) throw e;
    throw new ExpressionError(label, e);
  }
}

/** Where a value holds a number JSON cannot carry (NaN, Infinity), which JSON.stringify would write as null. */
function nonFinite(v: unknown, path: string): { path: string; value: number } | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : { path, value: v };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = nonFinite(v[i], `${path}[${i}]`);
      if (r) return r;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const r = nonFinite(x, path ? `${path}.${k}` : k);
      if (r) return r;
    }
  }
  return undefined;
}

/**
 * Evaluates an expression: compiled where the subset allows, by JSONata otherwise; the answer is
 * JSONata's either way, except that a result holding NaN or Infinity (JSONata's $round of 1e308,
 * say) is an error rather than a null written to the target.
 */
export async function evaluate(
  expr: string,
  input: unknown,
  label: string,
  bindings?: Record<string, unknown>,
): Promise<unknown> {
  const v = compiledAnswer(expr, input, bindings);
  const out = v === FALLBACK ? await interpret(expr, input, label, bindings) : plain(v);
  const bad = nonFinite(out, '');
  if (bad)
    throw new ExpressionError(
      label,
      new Error(
        `${bad.path || 'the result'} is ${bad.value}, a number out of range (a calculation overflowed); the value is not written`,
      ),
    );
  return out;
}

/** Whether a filter expression holds for a record (`=== true`, as JSONata answers it); synchronous when compiled. */
export function holds(
  expr: string,
  input: unknown,
  label: string,
  bindings?: Record<string, unknown>,
): boolean | Promise<boolean> {
  const v = compiledAnswer(expr, input, bindings);
  return v === FALLBACK ? interpret(expr, input, label, bindings).then((x) => x === true) : v === true;
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
