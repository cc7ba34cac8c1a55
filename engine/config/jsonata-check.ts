import jsonata from 'jsonata';
import { closest } from '../util/closest.js';
import { arityOf, arityProblem, MAPPING_FUNCTION_NAMES, MAPPING_FUNCTION_SIGNATURES, usageOf, type Arity } from '../map/functions.js';

/**
 * JSONata's built-in functions with the signatures JSONata declares for them (a test checks these
 * against the library), so lint knows both the names and how many arguments each takes.
 */
export const JSONATA_BUILTINS: Readonly<Record<string, string>> = {
  sum: '<a<n>:n>',
  count: '<a:n>',
  max: '<a<n>:n>',
  min: '<a<n>:n>',
  average: '<a<n>:n>',
  string: '<x-b?:s>',
  substring: '<s-nn?:s>',
  substringBefore: '<s-s:s>',
  substringAfter: '<s-s:s>',
  lowercase: '<s-:s>',
  uppercase: '<s-:s>',
  length: '<s-:n>',
  trim: '<s-:s>',
  pad: '<s-ns?:s>',
  match: '<s-f<s:o>n?:a<o>>',
  contains: '<s-(sf):b>',
  replace: '<s-(sf)(sf)n?:s>',
  split: '<s-(sf)n?:a<s>>',
  join: '<a<s>s?:s>',
  formatNumber: '<n-so?:s>',
  formatBase: '<n-n?:s>',
  formatInteger: '<n-s:s>',
  parseInteger: '<s-s:n>',
  number: '<(nsb)-:n>',
  floor: '<n-:n>',
  ceil: '<n-:n>',
  round: '<n-n?:n>',
  abs: '<n-:n>',
  sqrt: '<n-:n>',
  power: '<n-n:n>',
  random: '<:n>',
  boolean: '<x-:b>',
  not: '<x-:b>',
  map: '<af>',
  zip: '<a+>',
  filter: '<af>',
  single: '<af?>',
  reduce: '<afj?:j>',
  sift: '<o-f?:o>',
  keys: '<x-:a<s>>',
  lookup: '<x-s:x>',
  append: '<xx:a>',
  exists: '<x:b>',
  spread: '<x-:a<o>>',
  merge: '<a<o>:o>',
  reverse: '<a:a>',
  each: '<o-f:a>',
  error: '<s?:x>',
  assert: '<bs?:x>',
  type: '<x:s>',
  sort: '<af?:a>',
  shuffle: '<a:a>',
  distinct: '<x:x>',
  base64encode: '<s-:s>',
  base64decode: '<s-:s>',
  encodeUrlComponent: '<s-:s>',
  encodeUrl: '<s-:s>',
  decodeUrlComponent: '<s-:s>',
  decodeUrl: '<s-:s>',
  eval: '<sx?:x>',
  toMillis: '<s-s?:n>',
  fromMillis: '<n-s?s?:s>',
  clone: '<(oa)-:o>',
  now: '<s?s?:s>',
  millis: '<:n>',
};

/**
 * How many arguments a JSONata signature takes. A parameter marked `-` is filled with the context
 * when the call leaves it out, `?` may be left out, `+` takes one or more.
 */
export function signatureArity(signature: string): Arity {
  const params = signature.replace(/^<|>$/g, '');
  let min = 0;
  let max = 0;
  let contextual = false;
  for (let i = 0; i < params.length; i++) {
    const c = params[i];
    if (c === ':') break;
    if (c === '(') i = params.indexOf(')', i);
    else if (c === '<') {
      // A subtype such as a<n> or f<s:o> belongs to the parameter before it.
      for (let depth = 1; depth > 0; ) {
        i++;
        if (params[i] === '<') depth++;
        else if (params[i] === '>') depth--;
      }
      continue;
    } else if (c === '?') {
      min--;
      continue;
    } else if (c === '+') {
      max = Infinity;
      continue;
    } else if (c === '-') {
      contextual = true;
      continue;
    }
    min++;
    max++;
  }
  return { min: Math.max(0, min - (contextual ? 1 : 0)), max };
}

const BUILTIN_ARITY = new Map(Object.entries(JSONATA_BUILTINS).map(([name, sig]) => [name, signatureArity(sig)]));
const MAPPING_ARITY = new Map(MAPPING_FUNCTION_NAMES.map((name) => [name, arityOf(MAPPING_FUNCTION_SIGNATURES[name])]));

export interface JsonataProblem {
  /** 0-based character index inside the expression */
  index: number;
  message: string;
  severity: 'error' | 'warning';
}

interface AstNode {
  type?: string;
  value?: unknown;
  position?: number;
  procedure?: AstNode;
  [k: string]: unknown;
}

/**
 * Syntax errors, calls to functions that neither JSONata nor the project defines, and calls with
 * an argument count the function does not take, each at its character in the expression. All are
 * errors: at run time each one fails every record (or, in a connector's error rule, the rule never
 * matches). `knownFunctions` are the project's functions available where the expression runs
 * (mappings have them; connector expressions run on JSONata alone).
 */
export function checkJsonata(expr: string, knownFunctions: readonly string[], boundVariables: readonly string[] = []): JsonataProblem[] {
  let ast: AstNode;
  try {
    ast = jsonata(expr).ast() as AstNode;
  } catch (e) {
    const err = e as { position?: number; message?: string; token?: string };
    // JSONata reports the position just past the offending token; point at its first character.
    const tokenLength = typeof err.token === 'string' && err.token !== '(end)' ? err.token.length : 1;
    const index = Math.max(0, (err.position ?? 1) - tokenLength);
    return [{ index, message: `JSONata syntax error: ${err.message ?? String(e)}`, severity: 'error' }];
  }
  const problems: JsonataProblem[] = [];
  const ours = new Set(knownFunctions);
  const known = new Set([...BUILTIN_ARITY.keys(), ...knownFunctions, ...boundVariables]);
  const local = new Set<string>(boundVariables);
  // The call on the right of `~>` gets the left side as its first argument.
  const applied = new Set<AstNode>();
  walk(ast, (node) => {
    if (node.type === 'bind' && (node.lhs as AstNode)?.type === 'variable') local.add(String((node.lhs as AstNode).value));
    if (node.type === 'lambda') for (const a of (node.arguments as AstNode[]) ?? []) local.add(String(a.value));
    if (node.type === 'apply' && (node.rhs as AstNode)?.type === 'function') applied.add(node.rhs as AstNode);
  });
  walk(ast, (node) => {
    if ((node.type === 'function' || node.type === 'partial') && node.procedure?.type === 'variable') {
      const name = String(node.procedure.value);
      if (!name || local.has(name)) return;
      const index = Math.max(0, (node.procedure.position ?? 1) - name.length - 1);
      if (!known.has(name)) {
        const hint = closest(name, [...known]);
        const where = MAPPING_ARITY.has(name) ? `; $${name} is a mapping function, which connector expressions cannot call` : hint ? `; did you mean $${hint}?` : '';
        problems.push({ index, message: `unknown function $${name}${where}`, severity: 'error' });
        return;
      }
      // A partial application ($f(?, 1)) gives a function; its own call is what counts.
      if (node.type === 'partial') return;
      const arity = ours.has(name) ? MAPPING_ARITY.get(name) : BUILTIN_ARITY.get(name);
      const count = ((node.arguments as AstNode[]) ?? []).length + (applied.has(node) ? 1 : 0);
      const wrong = arity && arityProblem(name, arity, count, ours.has(name) && MAPPING_ARITY.has(name) ? usageOf(name, MAPPING_FUNCTION_SIGNATURES[name]) : undefined);
      if (wrong) problems.push({ index, message: wrong, severity: 'error' });
    }
  });
  return problems;
}

function walk(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  visit(node as AstNode);
  for (const v of Object.values(node)) if (v && typeof v === 'object') walk(v, visit);
}

/**
 * Top-level field names an expression reads from its input (the first step of paths evaluated
 * against the input). Names inside predicates, later steps and lambdas are relative to something
 * else and are left alone, so this can only under-report.
 */
export function rootFields(expr: string): { name: string; index: number }[] {
  let ast: AstNode;
  try {
    ast = jsonata(expr).ast() as AstNode;
  } catch {
    return [];
  }
  const out: { name: string; index: number }[] = [];
  const add = (n: AstNode) => out.push({ name: String(n.value), index: Math.max(0, (n.position ?? 1) - String(n.value).length) });
  const rec = (n: unknown, rooted: boolean): void => {
    if (Array.isArray(n)) return n.forEach((x) => rec(x, rooted));
    if (!n || typeof n !== 'object') return;
    const node = n as AstNode;
    if (node.type === 'lambda') return;
    if (node.type === 'path') {
      const steps = (node.steps as AstNode[]) ?? [];
      steps.forEach((step, i) => {
        if (i === 0 && rooted && step.type === 'name') add(step);
        else if (i === 0 && step.type !== 'name') rec(step, rooted);
        for (const [k, v] of Object.entries(step)) if (k !== 'value' && typeof v === 'object' && (i > 0 || step.type === 'name')) rec(v, false);
      });
      return;
    }
    if (node.type === 'name') {
      if (rooted) add(node);
      return;
    }
    for (const [k, v] of Object.entries(node)) if (typeof v === 'object' && k !== 'procedure') rec(v, rooted && k !== 'stages' && k !== 'predicate');
  };
  rec(ast, true);
  return out;
}
