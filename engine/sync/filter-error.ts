import jsonata from 'jsonata';
import { getPath } from '../map/expression.js';

interface Node {
  type: string;
  value?: unknown;
  lhs?: Node;
  rhs?: Node;
  steps?: Node[];
  expressions?: Node[];
  condition?: Node;
  then?: Node;
  else?: Node;
}

const ORDERING = new Set(['<', '<=', '>', '>=']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const UNKNOWN = Symbol('unknown');

/** The value of a literal or a plain field path on the record; UNKNOWN for anything else. */
function operand(n: Node | undefined, record: unknown): { text: string; value: unknown } | typeof UNKNOWN {
  if (!n) return UNKNOWN;
  if (n.type === 'number' || n.type === 'string' || n.type === 'value')
    return { text: JSON.stringify(n.value), value: n.value };
  if (n.type === 'path' && n.steps?.every((s) => s.type === 'name')) {
    const path = n.steps.map((s) => String(s.value)).join('.');
    return { text: path, value: getPath(record, path) };
  }
  return UNKNOWN;
}

const kind = (v: unknown) =>
  v === null ? 'null' : v === undefined ? 'missing' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
const shown = (o: { text: string; value: unknown }) =>
  o.text === JSON.stringify(o.value)
    ? o.text
    : `${o.text} = ${o.value === undefined ? '(missing)' : JSON.stringify(o.value)}`;

/** The comparison or arithmetic whose operands this record makes impossible, in words. */
function culprit(n: Node | undefined, record: unknown): string | undefined {
  if (!n || typeof n !== 'object') return undefined;
  if (n.type === 'binary' && typeof n.value === 'string' && (ORDERING.has(n.value) || ARITHMETIC.has(n.value))) {
    const l = operand(n.lhs, record);
    const r = operand(n.rhs, record);
    if (l !== UNKNOWN && r !== UNKNOWN) {
      const ok = ARITHMETIC.has(n.value)
        ? [l.value, r.value].every((v) => v === undefined || typeof v === 'number')
        : l.value === undefined ||
          r.value === undefined ||
          ((typeof l.value === 'number' || typeof l.value === 'string') && typeof l.value === typeof r.value);
      if (!ok) {
        const sides = `${shown(l)} (${kind(l.value)}) with ${shown(r)} (${kind(r.value)})`;
        return `operator "${n.value}" cannot compare ${sides}`;
      }
    }
  }
  for (const c of [n.lhs, n.rhs, n.condition, n.then, n.else, ...(n.steps ?? []), ...(n.expressions ?? [])]) {
    const found = culprit(c, record);
    if (found) return found;
  }
  return undefined;
}

/**
 * Why a filter could not judge a record. JSONata names the enclosing "and" when a comparison
 * inside it fails; the operator and operands at fault are found here instead, where they are
 * plain fields and literals.
 */
export function explainFilterError(expr: string, record: unknown, error: unknown): string {
  let ast: Node | undefined;
  try {
    ast = jsonata(expr).ast() as Node;
  } catch {
    ast = undefined;
  }
  const found = culprit(ast, record);
  if (found) return found;
  const e = error as { message?: string };
  // Drop the label (the caller names the filter) and JSONata's position of the wrong operator.
  return (e.message ?? String(error)).replace(/^.*?join filter: /, '').replace(/ \(at character \d+\)$/, '');
}
