import jsonata from 'jsonata';
import { JSONATA_BUILTINS, MAPPING_FUNCTION_NAMES } from '../config/jsonata-vocabulary.js';
import { roundHalfEven } from './functions.js';

/**
 * Compiles the part of JSONata that mappings use (paths, literals, variables and blocks,
 * conditions, operators, array and object constructors, filters, common built-in functions and
 * the project's own functions) into plain synchronous closures. The interpreter awaits at every
 * node and costs ~90 µs per organization; the closures answer in a few µs.
 *
 * They answer only where JSONata's answer is certain. Anything else makes a call return
 * FALLBACK, and the caller asks JSONata for that input: an expression outside the subset
 * (lambdas, regexes, sorting, `~>` ...) is never compiled; at run time, values whose treatment
 * is intricate (a filter that selects by number, comparing mixed types, calling a built-in with
 * arguments its signature rejects, any error at all) give FALLBACK, so JSONata reports its own
 * errors with its own wording. A differential test runs both on awkward inputs.
 */
export const FALLBACK: unique symbol = Symbol('jsonata-fallback');

type Fn = (ctx: unknown, env: Frame) => unknown;
export type CompiledExpression = (input: unknown, bindings?: Record<string, unknown>) => unknown;

interface Node {
  type: string;
  value?: unknown;
  [k: string]: unknown;
}

/** A node property outside this list (sorting, tuples, focus, grouping, keepArray ...) means "not compiled". */
const KNOWN_KEYS = new Set([
  'type',
  'value',
  'position',
  'steps',
  'expressions',
  'expression',
  'lhs',
  'rhs',
  'condition',
  'then',
  'else',
  'procedure',
  'arguments',
  'predicate',
  'stages',
]);

/** Why an expression is not compiled, in the words a mapping author would use. */
class Unsupported extends Error {}

const CONSTRUCTS: Record<string, string> = {
  lambda: 'a function definition',
  regex: 'a regular expression',
  sort: 'sorting (^)',
  wildcard: 'a wildcard (*)',
  descendant: 'descendants (**)',
  parent: 'a parent step (%)',
  apply: 'the ~> operator',
  transform: 'a transform (| ... |)',
  partial: 'a partial application (?)',
  bind: 'a := binding outside a block statement',
  group: 'grouping ({ ... } after a path)',
  focus: 'a focus binding (@)',
  index: 'an index binding (#)',
  tuple: 'a focus or index binding',
  keepArray: 'a keep-array step ([])',
  keepSingletonArray: 'a keep-array step ([])',
  consarray: 'an array constructor as a path step',
  seekingParent: 'a parent step (%)',
};
const unsupported = (what: string) => new Unsupported(CONSTRUCTS[what] ?? what);

/** Thrown inside a compiled expression to give the input to JSONata; made once, as it is thrown often. */
class Bail extends Error {}
const BAIL = new Bail('left to the JSONata interpreter');
const bail = (): never => {
  throw BAIL;
};

// JSONata tags the sequences that paths and filters build: a one-item sequence stands for its
// item, an empty one for nothing, while an array from the data stays an array.
const SEQ = Symbol('sequence');
type Sequence = unknown[] & { [SEQ]?: true };
const sequence = (items: unknown[] = []): Sequence => {
  (items as Sequence)[SEQ] = true;
  return items;
};
const isSequence = (v: unknown): boolean => Array.isArray(v) && (v as Sequence)[SEQ] === true;
const collapse = (v: unknown): unknown =>
  isSequence(v)
    ? (v as unknown[]).length === 0
      ? undefined
      : (v as unknown[]).length === 1
        ? (v as unknown[])[0]
        : v
    : v;

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** JSONata's field lookup: over arrays it maps and flattens one level. */
function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const out = sequence();
    for (const item of input) {
      const r = lookup(item, key);
      if (r === undefined) continue;
      if (Array.isArray(r)) for (const v of r) out.push(v);
      else out.push(r);
    }
    return out;
  }
  if (input !== null && typeof input === 'object' && hasOwn(input, key)) return (input as Record<string, unknown>)[key];
  return undefined;
}

/** JSONata's $boolean. */
function toBoolean(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 1) return toBoolean(v[0]);
    return v.length > 1 && v.some((x) => toBoolean(x));
  }
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) bail();
    return v !== 0;
  }
  if (typeof v === 'function') return false;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return v === true;
}

/** JSONata's $string (no prettifying): numbers to 15 significant digits. */
function toText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'function') bail();
  if (typeof v === 'number' && !Number.isFinite(v)) bail();
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) bail();
      return Number.isInteger(x) ? x : Number(x.toPrecision(15));
    }
    if (typeof x === 'function') bail();
    return x;
  });
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) bail();
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

// ---- built-in functions, for the arguments their signatures accept without conversion ----

/** `a<n>` / `a<s>`: a value of the item type becomes a one-item array; anything else is JSONata's error. */
function arrayOf(v: unknown, type: 'number' | 'string'): unknown[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return typeof v === type ? [v] : bail();
  const items: unknown[] = v;
  for (const x of items) if (typeof x !== type) bail();
  return items;
}
const num = (v: unknown): number | undefined =>
  v === undefined ? undefined : typeof v === 'number' && Number.isFinite(v) ? v : bail();
const str = (v: unknown): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : bail());
const sumOf = (a: unknown[]) => {
  let t = 0;
  for (const x of a) t += x as number;
  return t;
};

/**
 * The JSONata built-ins compiled (a subset of JSONATA_BUILTINS, the one list of them), with the
 * argument counts compiled (fewer would take the context as an argument).
 */
export const COMPILED_BUILTINS: Partial<
  Record<keyof typeof JSONATA_BUILTINS, { arity: number[]; fn: (...a: unknown[]) => unknown }>
> = {
  sum: {
    arity: [1],
    fn: (a) => {
      const items = arrayOf(a, 'number');
      return items && sumOf(items);
    },
  },
  count: { arity: [1], fn: (a) => (a === undefined ? 0 : Array.isArray(a) ? a.length : 1) },
  max: {
    arity: [1],
    fn: (a) => ((a = arrayOf(a, 'number')) && (a as number[]).length ? Math.max(...(a as number[])) : undefined),
  },
  min: {
    arity: [1],
    fn: (a) => ((a = arrayOf(a, 'number')) && (a as number[]).length ? Math.min(...(a as number[])) : undefined),
  },
  average: {
    arity: [1],
    fn: (a) =>
      (a = arrayOf(a, 'number')) && (a as number[]).length ? sumOf(a as number[]) / (a as number[]).length : undefined,
  },
  string: { arity: [1], fn: (v) => toText(v) },
  join: {
    arity: [1, 2],
    fn: (a, sep) => {
      const list = arrayOf(a, 'string');
      const s = str(sep) ?? '';
      return list === undefined ? undefined : list.join(s);
    },
  },
  trim: {
    arity: [1],
    fn: (v) => {
      const s = str(v);
      if (s === undefined) return undefined;
      let r = s.replace(/[ \t\n\r]+/gm, ' ');
      if (r.charAt(0) === ' ') r = r.substring(1);
      if (r.charAt(r.length - 1) === ' ') r = r.substring(0, r.length - 1);
      return r;
    },
  },
  uppercase: { arity: [1], fn: (v) => str(v)?.toUpperCase() },
  lowercase: { arity: [1], fn: (v) => str(v)?.toLowerCase() },
  length: {
    arity: [1],
    fn: (v) => {
      const s = str(v);
      // Code points, not UTF-16 units, as JSONata counts them.
      return s === undefined ? undefined : Array.from(s).length;
    },
  },
  contains: {
    arity: [2],
    fn: (v, t) => {
      if (typeof t !== 'string') bail(); // a regex, or JSONata's error
      return str(v)?.includes(t as string);
    },
  },
  round: {
    arity: [1, 2],
    fn: (v, p) => {
      const x = num(v);
      const d = num(p) ?? 0;
      if (!Number.isInteger(d)) bail();
      return x === undefined ? undefined : roundHalfEven(x, d);
    },
  },
  floor: { arity: [1], fn: (v) => (num(v) === undefined ? undefined : Math.floor(v as number)) },
  ceil: { arity: [1], fn: (v) => (num(v) === undefined ? undefined : Math.ceil(v as number)) },
  abs: { arity: [1], fn: (v) => (num(v) === undefined ? undefined : Math.abs(v as number)) },
  number: { arity: [1], fn: (v) => num(v) },
  boolean: { arity: [1], fn: (v) => toBoolean(v) },
  not: { arity: [1], fn: (v) => (v === undefined ? undefined : !toBoolean(v)) },
  exists: { arity: [1], fn: (v) => v !== undefined },
};
const BUILTINS = COMPILED_BUILTINS as Record<string, { arity: number[]; fn: (...a: unknown[]) => unknown }>;
const NATIVE = new Set(Object.values(BUILTINS).map((b) => b.fn));

/**
 * Variables: a frame per block evaluation, then the evaluation's own ($$ and top-level binds),
 * then the caller's bindings, then the built-ins (JSONata's order). Frames are small classes,
 * not prototype chains: V8 slows down objects made prototypes at run time.
 */
class Frame {
  private vars?: Map<string, unknown>;
  constructor(
    private readonly parent: Frame | undefined,
    private readonly bindings?: Record<string, unknown>,
    private readonly input?: unknown,
  ) {}

  bind(name: string, value: unknown): unknown {
    (this.vars ??= new Map()).set(name, value);
    return value;
  }

  lookup(name: string): unknown {
    if (this.vars) {
      const v = this.vars.get(name);
      if (v !== undefined || this.vars.has(name)) return v;
    }
    if (this.parent) return this.parent.lookup(name);
    // The outermost frame: the input, then the bindings, then the built-ins.
    if (name === '$') return this.input;
    if (this.bindings && hasOwn(this.bindings, name)) return this.bindings[name];
    return hasOwn(BUILTINS, name) ? BUILTINS[name].fn : undefined;
  }
}

// ---- the compiler ----

interface Scope {
  /** Names the expression binds with := (calling one of them is not compiled) */
  bound: Set<string>;
  /** Names called as functions */
  called: Map<string, number[]>;
}

function check(node: Node): void {
  for (const [k, v] of Object.entries(node))
    if (v !== undefined && !KNOWN_KEYS.has(k))
      throw unsupported(CONSTRUCTS[node.type] ? node.type : CONSTRUCTS[k] ? k : `${node.type} with ${k}`);
}

/** Filters (`[...]` after a value or a step): by number literal, or by a condition. */
function compileFilters(list: unknown, scope: Scope): ((input: unknown, env: Frame) => Sequence)[] {
  if (list === undefined) return [];
  return (list as Node[]).map((f) => {
    if (f.type !== 'filter' || Object.keys(f).some((k) => !['type', 'expr', 'position'].includes(k)))
      throw unsupported('a filter stage other than [condition] or [number]');
    const pred = f.expr as Node;
    if (pred.type === 'number' && Object.keys(pred).every((k) => ['type', 'value', 'position'].includes(k))) {
      const at = Math.floor(pred.value as number);
      return (input) => {
        const items: unknown[] = Array.isArray(input) ? input : [input];
        const item = items[at < 0 ? items.length + at : at];
        if (Array.isArray(item)) bail();
        return sequence(item === undefined ? [] : [item]);
      };
    }
    const fn = compileNode(pred, scope);
    return (input, env) => {
      const out = sequence();
      for (const item of Array.isArray(input) ? input : [input]) {
        const r = fn(item, env);
        // A number (or numbers) selects by position: not compiled.
        if (typeof r === 'number' || Array.isArray(r)) bail();
        if (toBoolean(r)) out.push(item);
      }
      return out;
    };
  });
}

function compileNode(node: Node, scope: Scope): Fn {
  check(node);
  const filters = compileFilters(node.predicate, scope);
  // Stages belong to path steps, which compilePath compiles itself.
  if (node.stages !== undefined) throw new Unsupported('stages');
  const fn = compileBare(node, scope);
  if (!filters.length) return fn;
  return (ctx, env) => {
    let v = fn(ctx, env);
    for (const f of filters) v = f(v, env);
    return collapse(v);
  };
}

function compileBare(node: Node, scope: Scope): Fn {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value': {
      const v = node.value;
      return () => v;
    }
    case 'variable': {
      const name = node.value as string;
      if (name === '') return (ctx) => (Array.isArray(ctx) ? bail() : ctx);
      return (_ctx, env) => {
        const v = env.lookup(name);
        if (typeof v === 'function') bail();
        return collapse(v);
      };
    }
    case 'name': {
      const key = node.value as string;
      return (ctx) => collapse(lookup(ctx, key));
    }
    case 'path':
      return compilePath(node, scope);
    case 'binary':
      return compileBinary(node, scope);
    case 'unary':
      return compileUnary(node, scope);
    case 'condition': {
      const cond = compileNode(node.condition as Node, scope);
      const then = compileNode(node.then as Node, scope);
      const otherwise = node.else === undefined ? undefined : compileNode(node.else as Node, scope);
      return (ctx, env) => (toBoolean(cond(ctx, env)) ? then(ctx, env) : otherwise?.(ctx, env));
    }
    case 'block': {
      const exprs = (node.expressions as Node[]).map((e) =>
        e.type === 'bind' ? compileBind(e, scope) : compileNode(e, scope),
      );
      return (ctx, env) => {
        const frame = new Frame(env);
        let v: unknown;
        for (const e of exprs) v = e(ctx, frame);
        return v;
      };
    }
    case 'function':
      return compileCall(node, scope);
    default:
      // bind outside a block's statements (JSONata evaluates array items and object values
      // concurrently), lambda, regex, sort, wildcard, descendant, parent, apply, transform, partial
      throw unsupported(node.type);
  }
}

function compileBind(node: Node, scope: Scope): Fn {
  check(node);
  const lhs = node.lhs as Node;
  if (lhs.type !== 'variable' || typeof lhs.value !== 'string' || node.predicate) throw unsupported('bind');
  const name = lhs.value;
  scope.bound.add(name);
  const rhs = compileNode(node.rhs as Node, scope);
  return (ctx, env) => env.bind(name, rhs(ctx, env));
}

function compilePath(node: Node, scope: Scope): Fn {
  const steps = (node.steps as Node[]).map(({ stages, ...step }) => ({
    fn: compileNode(step, scope),
    stages: compileFilters(stages, scope),
  }));
  if (!steps.length) throw new Unsupported('empty path');
  const fromVariable = (node.steps as Node[])[0].type === 'variable';
  const general: Fn = (ctx, env) => {
    let input: unknown[] = Array.isArray(ctx) && !fromVariable ? ctx : [ctx];
    let out: unknown[] = input;
    for (let i = 0; i < steps.length; i++) {
      const { fn, stages } = steps[i];
      const results: unknown[] = [];
      for (const item of input) {
        let r = fn(item, env);
        for (const s of stages) r = s(r, env);
        if (r !== undefined) results.push(r);
      }
      if (i === steps.length - 1 && results.length === 1 && Array.isArray(results[0]) && !isSequence(results[0])) {
        // The last step gave one array from the data: it is the result, as it is.
        out = results[0] as unknown[];
      } else {
        out = sequence();
        for (const r of results) {
          if (Array.isArray(r)) for (const v of r) out.push(v);
          else out.push(r);
        }
      }
      if (out.length === 0) break;
      input = out;
    }
    return collapse(out);
  };
  // The common case, field after field through objects (customer.mainAddress.city), without
  // building sequences; the first array met hands the path to the general walk.
  const plainSteps = node.steps as Node[];
  const names = plainSteps.slice(fromVariable ? 1 : 0);
  if (!names.every((n) => n.type === 'name' && n.stages === undefined && n.predicate === undefined)) return general;
  const keys = names.map((n) => n.value as string);
  const first = fromVariable ? steps[0].fn : undefined;
  return (ctx, env) => {
    let cur = first ? first(ctx, env) : ctx;
    if (Array.isArray(cur)) return general(ctx, env);
    for (let i = 0; i < keys.length; i++) {
      if (cur === null || typeof cur !== 'object' || !hasOwn(cur, keys[i])) return undefined;
      cur = (cur as Record<string, unknown>)[keys[i]];
      if (Array.isArray(cur) && i < keys.length - 1) return general(ctx, env);
    }
    return cur;
  };
}

function compileBinary(node: Node, scope: Scope): Fn {
  const op = node.value as string;
  const lhs = compileNode(node.lhs as Node, scope);
  const rhs = compileNode(node.rhs as Node, scope);
  switch (op) {
    case 'and':
      return (ctx, env) => !!toBoolean(lhs(ctx, env)) && !!toBoolean(rhs(ctx, env));
    case 'or':
      return (ctx, env) => !!toBoolean(lhs(ctx, env)) || !!toBoolean(rhs(ctx, env));
    case '=':
    case '!=': {
      const eq = op === '=';
      return (ctx, env) => {
        const l = lhs(ctx, env);
        const r = rhs(ctx, env);
        if (l === undefined || r === undefined) return false;
        return deepEqual(l, r) === eq;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (ctx, env) => {
        const l = lhs(ctx, env);
        const r = rhs(ctx, env);
        const lt = typeof l;
        const rt = typeof r;
        if (
          (lt !== 'undefined' && lt !== 'string' && lt !== 'number') ||
          (rt !== 'undefined' && rt !== 'string' && rt !== 'number')
        )
          bail();
        if (l === undefined || r === undefined) return undefined;
        if (lt !== rt) bail();
        const a = l as number;
        const b = r as number;
        return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
      };
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return (ctx, env) => {
        const l = lhs(ctx, env);
        const r = rhs(ctx, env);
        if ((l !== undefined && num(l) === undefined) || (r !== undefined && num(r) === undefined)) bail();
        if (l === undefined || r === undefined) return undefined;
        const a = l as number;
        const b = r as number;
        return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
      };
    case '&':
      return (ctx, env) => (toText(lhs(ctx, env)) ?? '') + (toText(rhs(ctx, env)) ?? '');
    case 'in':
      return (ctx, env) => {
        const l = lhs(ctx, env);
        const r = rhs(ctx, env);
        if (l === undefined || r === undefined) return false;
        return Array.isArray(r) ? r.includes(l) && !(typeof l === 'number' && Number.isNaN(l)) : r === l;
      };
    default:
      throw unsupported(`the ${op} operator`);
  }
}

function compileUnary(node: Node, scope: Scope): Fn {
  switch (node.value) {
    case '-': {
      const e = compileNode(node.expression as Node, scope);
      return (ctx, env) => {
        const n = num(e(ctx, env));
        return n === undefined ? undefined : -n;
      };
    }
    case '[': {
      const items = (node.expressions as Node[]).map((e) => ({
        nested: e.type === 'unary' && e.value === '[',
        fn: compileNode(e, scope),
      }));
      return (ctx, env) => {
        const out: unknown[] = [];
        for (const { nested, fn } of items) {
          const v = fn(ctx, env);
          if (v === undefined) continue;
          if (!nested && Array.isArray(v)) for (const x of v) out.push(x);
          else out.push(v);
        }
        return out;
      };
    }
    case '{': {
      const pairs = (node.lhs as [Node, Node][]).map(([k, v]) => {
        check(k);
        if (k.type !== 'string' || k.predicate || typeof k.value !== 'string')
          throw unsupported('an object key that is not a string literal');
        return [k.value, compileNode(v, scope)] as const;
      });
      const keys = pairs.map(([k]) => k);
      // Two values for one key is JSONata's error D1009; __proto__ would not be a plain key here.
      if (new Set(keys).size !== keys.length || keys.includes('__proto__'))
        throw unsupported('an object key given twice');
      return (ctx, env) => {
        // Over an array, an object constructor groups: not compiled.
        if (Array.isArray(ctx)) bail();
        const out: Record<string, unknown> = {};
        for (const [k, fn] of pairs) {
          const v = fn(ctx, env);
          if (v !== undefined) out[k] = v;
        }
        return out;
      };
    }
    default:
      throw unsupported(`the unary ${String(node.value)} operator`);
  }
}

function compileCall(node: Node, scope: Scope): Fn {
  const proc = node.procedure as Node;
  check(proc);
  if (proc.type !== 'variable' || typeof proc.value !== 'string' || proc.value === '' || proc.predicate)
    throw unsupported('calling something other than a $function by name');
  const name = proc.value;
  const args = (node.arguments as Node[]).map((a) => compileNode(a, scope));
  scope.called.set(name, [...(scope.called.get(name) ?? []), args.length]);
  return (ctx, env) => {
    const f = env.lookup(name);
    if (typeof f !== 'function') bail();
    const values = new Array<unknown>(args.length);
    for (let i = 0; i < args.length; i++) {
      const v = args[i](ctx, env);
      if (typeof v === 'function') bail();
      values[i] = v;
    }
    if (NATIVE.has(f as (...a: unknown[]) => unknown)) return (f as (...a: unknown[]) => unknown)(...values);
    const out = (f as (...a: unknown[]) => unknown).apply(ctx, values);
    if (out !== null && typeof out === 'object' && typeof (out as { then?: unknown }).then === 'function') bail();
    return collapse(out);
  };
}

/** The project's mapping functions replace JSONata's $now and $millis (the run clock). */
const OURS = new Set(MAPPING_FUNCTION_NAMES);

/**
 * The compiled form of an expression, or why it is not compiled: it uses something outside the
 * subset, or does not parse (the interpreter reports that). Each call of the compiled form
 * returns FALLBACK where the interpreter must answer instead.
 */
export function compileJsonata(expr: string): { fn: CompiledExpression } | { reason: string } {
  let fn: Fn;
  const scope: Scope = { bound: new Set(), called: new Map() };
  try {
    const ast = jsonata(expr).ast() as Node;
    fn = ast.type === 'bind' ? compileBind(ast, scope) : compileNode(ast, scope);
  } catch (e) {
    if (e instanceof Unsupported) return { reason: e.message };
    if ((e as { code?: string }).code) return { reason: `does not parse (${(e as { code?: string }).code})` };
    throw e;
  }
  for (const [name, arities] of scope.called) {
    // The project's functions (built-in or a mapping's custom ones, bound at run time) take their
    // arguments as given; a JSONata built-in is compiled only for the argument counts above, and a
    // name the expression rebinds is left to JSONata. A name bound to nothing falls back per call.
    if (scope.bound.has(name)) return { reason: `$${name} is rebound` };
    if (OURS.has(name) || !hasOwn(JSONATA_BUILTINS, name)) continue;
    if (!hasOwn(BUILTINS, name)) return { reason: `$${name} is not compiled` };
    if (arities.some((n) => !BUILTINS[name].arity.includes(n)))
      return { reason: `$${name} with ${arities.join(' or ')} arguments` };
  }
  return {
    fn: (input, bindings) => {
      // A top-level array is wrapped by JSONata as one input: left to it.
      if (Array.isArray(input)) return FALLBACK;
      const env = new Frame(undefined, bindings, input);
      try {
        return fn(input, env);
      } catch {
        // FALLBACK, or an error (from a function of ours, say) that JSONata reports with its position.
        return FALLBACK;
      }
    },
  };
}
