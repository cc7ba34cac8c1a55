import jsonata from 'jsonata';
import { evaluate } from './expression.js';

/**
 * A fast path for the small expressions that run once per source record (join and flow `where`,
 * `recompute.when`): comparisons of plain fields with literals, joined by and/or. They are
 * compiled to plain functions, because the interpreter costs ~10 µs a call and staging 40,000
 * invoices calls it 40,000 times. The compiled function answers only where JSONata's answer is
 * obvious (primitive values, matching types); on anything else (arrays, objects, a type mismatch
 * that JSONata reports as an error) it returns FALLBACK and the caller asks JSONata, so the
 * result is always the interpreter's.
 */
export const FALLBACK: unique symbol = Symbol('fallback');
type Value = string | number | boolean | null | undefined;
type Compiled = (input: unknown) => Value | typeof FALLBACK;

interface Node {
  type: string;
  value?: unknown;
  lhs?: Node;
  rhs?: Node;
  steps?: Node[];
  expressions?: Node[];
  arguments?: Node[];
  procedure?: Node;
  [k: string]: unknown;
}

const STEP_KEYS = new Set(['type', 'value', 'position']);

function isPrimitive(v: unknown): v is Value {
  return v === undefined || v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** JSONata's $boolean for primitives. */
function truthy(v: Value): boolean {
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  return v === true;
}

/** Field names of a path of plain name steps, or undefined when the path does more. */
function pathNames(node: Node): string[] | undefined {
  if (node.type !== 'path' || !node.steps?.length) return undefined;
  const names: string[] = [];
  for (const s of node.steps) {
    if (s.type !== 'name' || typeof s.value !== 'string' || Object.keys(s).some((k) => !STEP_KEYS.has(k))) return undefined;
    names.push(s.value);
  }
  return names;
}

/** The value at a path, or FALLBACK where JSONata's sequence rules would come into play. */
function lookup(input: unknown, names: string[]): unknown {
  let cur = input;
  for (const n of names) {
    if (cur === undefined) return undefined;
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return cur === null || typeof cur !== 'object' ? undefined : FALLBACK;
    cur = (cur as Record<string, unknown>)[n];
  }
  return cur;
}

function compileNode(node: Node): Compiled | undefined {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value': {
      const v = node.value as Value;
      return () => v;
    }
    case 'path': {
      const names = pathNames(node);
      if (!names) return undefined;
      return (input) => {
        const v = lookup(input, names);
        return isPrimitive(v) ? v : FALLBACK;
      };
    }
    case 'function': {
      // $count(path): the only function these filters commonly use (recompute.when).
      const names = node.procedure?.type === 'variable' && node.procedure.value === 'count' && node.arguments?.length === 1 ? pathNames(node.arguments[0]) : undefined;
      if (!names) return undefined;
      return (input) => {
        const v = lookup(input, names);
        if (v === undefined) return 0;
        if (Array.isArray(v)) return v.every((x) => !Array.isArray(x) && x !== undefined) ? v.length : FALLBACK;
        return v === FALLBACK ? FALLBACK : 1;
      };
    }
    case 'binary':
      return compileBinary(node);
    default:
      return undefined;
  }
}

function compileBinary(node: Node): Compiled | undefined {
  const op = node.value as string;
  if (op === 'in') {
    const items = node.rhs?.type === 'unary' && node.rhs.value === '[' ? node.rhs.expressions : undefined;
    if (!items?.every((e) => ['string', 'number', 'value'].includes(e.type))) return undefined;
    const set = items.map((e) => e.value as Value);
    const lhs = compileNode(node.lhs!);
    if (!lhs) return undefined;
    return (input) => {
      const l = lhs(input);
      if (l === FALLBACK) return FALLBACK;
      return l !== undefined && set.includes(l);
    };
  }
  const lhs = node.lhs && compileNode(node.lhs);
  const rhs = node.rhs && compileNode(node.rhs);
  if (!lhs || !rhs) return undefined;
  switch (op) {
    case 'and':
    case 'or': {
      const isAnd = op === 'and';
      return (input) => {
        const l = lhs(input);
        if (l === FALLBACK) return FALLBACK;
        if (truthy(l) !== isAnd) return !isAnd;
        const r = rhs(input);
        return r === FALLBACK ? FALLBACK : truthy(r);
      };
    }
    case '=':
    case '!=': {
      const eq = op === '=';
      return (input) => {
        const l = lhs(input);
        const r = rhs(input);
        if (l === FALLBACK || r === FALLBACK) return FALLBACK;
        if (l === undefined || r === undefined) return false;
        return (l === r) === eq;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (input) => {
        const l = lhs(input);
        const r = rhs(input);
        if (l === FALLBACK || r === FALLBACK) return FALLBACK;
        if (l === undefined || r === undefined) return false;
        // Mixed or non-comparable types are errors in JSONata: let it report them.
        if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string'))) return FALLBACK;
        return op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
      };
    default:
      return undefined;
  }
}

const cache = new Map<string, Compiled | null>();

/** The compiled form of an expression, or undefined when it is outside the fast subset (or invalid). */
export function fastPredicate(expr: string): Compiled | undefined {
  let c = cache.get(expr);
  if (c === undefined) {
    try {
      c = compileNode(jsonata(expr).ast() as Node) ?? null;
    } catch {
      c = null;
    }
    cache.set(expr, c);
  }
  return c ?? undefined;
}

/** Whether a filter expression holds for a record (`=== true`, as JSONata answers it). */
export function holds(expr: string, input: unknown, label: string, bindings?: Record<string, unknown>): boolean | Promise<boolean> {
  const f = fastPredicate(expr);
  const v = f ? f(input) : FALLBACK;
  if (v !== FALLBACK) return v === true;
  return evaluate(expr, input, label, bindings).then((x) => x === true);
}
