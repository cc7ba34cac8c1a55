import jsonata from 'jsonata';
import { closest } from '../util/closest.js';
import {
  arityOf,
  arityProblem,
  JSONATA_BUILTINS,
  MAPPING_FUNCTION_NAMES,
  MAPPING_FUNCTION_SIGNATURES,
  signatureArity,
  usageOf,
  type Param,
} from './jsonata-vocabulary.js';

// Re-exported: tests and older callers import them from here.
export { JSONATA_BUILTINS, signatureArity } from './jsonata-vocabulary.js';

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
 * (mappings have them; connector expressions run on JSONata alone): names of the built-in mapping
 * functions, or signatures by name (a mapping's custom functions beside them).
 */
// Array.isArray narrows a readonly array to any[]; this keeps the element type.
const isNameList = (k: readonly string[] | Readonly<Record<string, readonly Param[]>>): k is readonly string[] =>
  Array.isArray(k);

export function checkJsonata(
  expr: string,
  knownFunctions: readonly string[] | Readonly<Record<string, readonly Param[]>>,
  boundVariables: readonly string[] = [],
): JsonataProblem[] {
  const builtIn: Readonly<Partial<Record<string, readonly Param[]>>> = MAPPING_FUNCTION_SIGNATURES;
  const signatures: Readonly<Record<string, readonly Param[]>> = isNameList(knownFunctions)
    ? Object.fromEntries(
        knownFunctions.flatMap((n) => {
          const sig = builtIn[n];
          return sig ? [[n, sig]] : [];
        }),
      )
    : knownFunctions;
  const names = isNameList(knownFunctions) ? knownFunctions : Object.keys(knownFunctions);
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
  const ours = new Set(names);
  const known = new Set([...BUILTIN_ARITY.keys(), ...names, ...boundVariables]);
  const local = new Set<string>(boundVariables);
  // The call on the right of `~>` gets the left side as its first argument.
  const applied = new Set<AstNode>();
  walk(ast, (node) => {
    if (node.type === 'bind' && (node.lhs as AstNode | undefined)?.type === 'variable')
      local.add(String((node.lhs as AstNode).value));
    if (node.type === 'lambda')
      for (const a of (node.arguments as AstNode[] | undefined) ?? []) local.add(String(a.value));
    if (node.type === 'apply' && (node.rhs as AstNode | undefined)?.type === 'function')
      applied.add(node.rhs as AstNode);
  });
  walk(ast, (node) => {
    if ((node.type === 'function' || node.type === 'partial') && node.procedure?.type === 'variable') {
      const name = String(node.procedure.value);
      if (!name || local.has(name)) return;
      const index = Math.max(0, (node.procedure.position ?? 1) - name.length - 1);
      if (!known.has(name)) {
        const hint = closest(name, [...known]);
        const where = MAPPING_ARITY.has(name)
          ? `; $${name} is a mapping function, which connector expressions cannot call`
          : hint
            ? `; did you mean $${hint}?`
            : '';
        problems.push({ index, message: `unknown function $${name}${where}`, severity: 'error' });
        return;
      }
      // A partial application ($f(?, 1)) gives a function; its own call is what counts.
      if (node.type === 'partial') return;
      const sig = ours.has(name) ? signatures[name] : undefined;
      const arity = sig ? arityOf(sig) : ours.has(name) ? undefined : BUILTIN_ARITY.get(name);
      const count = ((node.arguments as AstNode[] | undefined) ?? []).length + (applied.has(node) ? 1 : 0);
      const wrong = arity && arityProblem(name, arity, count, sig ? usageOf(name, sig) : undefined);
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
  const add = (n: AstNode) =>
    out.push({ name: String(n.value), index: Math.max(0, (n.position ?? 1) - String(n.value).length) });
  const rec = (n: unknown, rooted: boolean): void => {
    if (Array.isArray(n)) {
      n.forEach((x) => {
        rec(x, rooted);
      });
      return;
    }
    if (!n || typeof n !== 'object') return;
    const node = n as AstNode;
    if (node.type === 'lambda') return;
    if (node.type === 'path') {
      const steps = (node.steps as AstNode[] | undefined) ?? [];
      steps.forEach((step, i) => {
        if (i === 0 && rooted && step.type === 'name') add(step);
        else if (i === 0 && step.type !== 'name') rec(step, rooted);
        for (const [k, v] of Object.entries(step))
          if (k !== 'value' && typeof v === 'object' && (i > 0 || step.type === 'name')) rec(v, false);
      });
      return;
    }
    if (node.type === 'name') {
      if (rooted) add(node);
      return;
    }
    for (const [k, v] of Object.entries(node))
      if (typeof v === 'object' && k !== 'procedure') rec(v, rooted && k !== 'stages' && k !== 'predicate');
  };
  rec(ast, true);
  return out;
}
