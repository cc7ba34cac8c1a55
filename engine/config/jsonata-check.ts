import jsonata from 'jsonata';
import { closest } from '../util/closest.js';

/** JSONata's built-in functions, so a call to an unknown one is flagged before it fails at run time. */
const BUILTINS = `sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim pad
contains split join match replace eval now millis fromMillis toMillis formatNumber formatBase formatInteger parseInteger number abs
floor ceil round power sqrt random boolean not exists keys lookup spread merge sift each error assert type append sort reverse
shuffle distinct zip map filter single reduce clone base64encode base64decode encodeUrlComponent encodeUrl decodeUrlComponent decodeUrl`
  .split(/\s+/)
  .filter(Boolean);

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
 * Syntax problems (errors) and calls to functions that neither JSONata nor the project defines
 * (warnings), each at its character in the expression.
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
  const known = new Set([...BUILTINS, ...knownFunctions, ...boundVariables]);
  const local = new Set<string>();
  walk(ast, (node) => {
    if (node.type === 'bind' && (node.lhs as AstNode)?.type === 'variable') local.add(String((node.lhs as AstNode).value));
    if (node.type === 'lambda') for (const a of (node.arguments as AstNode[]) ?? []) local.add(String(a.value));
  });
  walk(ast, (node) => {
    if ((node.type === 'function' || node.type === 'partial') && node.procedure?.type === 'variable') {
      const name = String(node.procedure.value);
      if (name && !known.has(name) && !local.has(name)) {
        const hint = closest(name, [...known]);
        problems.push({
          index: Math.max(0, (node.procedure.position ?? 1) - name.length - 1),
          message: `unknown function $${name}${hint ? `; did you mean $${hint}?` : ''}`,
          severity: 'warning',
        });
      }
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
