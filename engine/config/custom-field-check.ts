import jsonata from 'jsonata';
import { closest } from '../util/closest.js';
import type { Diagnostic } from './diagnostic.js';
import type { YamlFile, YamlPath } from './yaml-file.js';

interface AstNode {
  type?: string;
  value?: unknown;
  position?: number;
  lhs?: unknown;
  [k: string]: unknown;
}

// Only the list is checked: its pairs are whatever the parser put there.
const isConstructor = (n: unknown): n is AstNode & { lhs: [AstNode | undefined, unknown][] } =>
  !!n &&
  typeof n === 'object' &&
  (n as AstNode).type === 'unary' &&
  (n as AstNode).value === '{' &&
  Array.isArray((n as AstNode).lhs);

function walk(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) {
    node.forEach((n) => {
      walk(n, visit);
    });
    return;
  }
  if (!node || typeof node !== 'object') return;
  visit(node as AstNode);
  for (const v of Object.values(node)) if (v && typeof v === 'object') walk(v, visit);
}

/**
 * The custom-field keys a transform writes: the literal keys of every object constructor that is
 * the value of a literal `setKey` key ({"organization_fields": {"a": ...}}). Keys computed at run
 * time, or a custom-field object built elsewhere (a variable, $merge), are not seen: this can only
 * under-report, never name a key the transform does not write.
 */
export function customFieldKeysWritten(expr: string, setKey: string): { key: string; index: number }[] {
  let ast: unknown;
  try {
    ast = jsonata(expr).ast();
  } catch {
    return [];
  }
  const out: { key: string; index: number }[] = [];
  walk(ast, (n) => {
    if (!isConstructor(n)) return;
    for (const [k, v] of n.lhs) {
      if (k?.type !== 'string' || k.value !== setKey || !isConstructor(v)) continue;
      for (const [fk] of v.lhs) {
        if (fk?.type !== 'string') continue;
        const key = String(fk.value);
        // JSONata places a string token just past its closing quote.
        out.push({ key, index: Math.max(0, (fk.position ?? 1) - key.length - 1) });
      }
    }
  });
  return out;
}

/** The keys a flow declares under custom_fields, as far as the data has that shape. */
function declaredKeys(customFields: unknown): { key: string; i: number }[] {
  if (!Array.isArray(customFields)) return [];
  return customFields.flatMap((f, i) =>
    f && typeof f === 'object' && typeof (f as { key?: unknown }).key === 'string'
      ? [{ key: (f as { key: string }).key, i }]
      : [],
  );
}

/** A key declared twice would be provisioned once and its second title, type and options ignored. */
export function duplicateCustomFields(yaml: YamlFile, flowAt: YamlPath, customFields: unknown): Diagnostic[] {
  const first = new Map<string, number>();
  const out: Diagnostic[] = [];
  for (const { key, i } of declaredKeys(customFields)) {
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    else
      out.push(
        yaml.diagAt(
          [...flowAt, 'custom_fields', i, 'key'],
          'error',
          `custom field "${key}" is declared twice (also item ${earlier + 1} of custom_fields); keep one`,
        ),
      );
  }
  return out;
}

/**
 * Custom-field keys the transform writes that the flow does not declare: the target drops such a
 * value without an error, so a typo would look like a clean sync. Only flows that declare custom
 * fields are checked (without any, the keys are fields made in the target outside mlc).
 */
export function undeclaredCustomFieldKeys(
  expr: string,
  setKey: string | undefined,
  customFields: unknown,
  flowName: string,
): { index: number; message: string }[] {
  const declared = declaredKeys(customFields).map((d) => d.key);
  if (!setKey || !declared.length) return [];
  return customFieldKeysWritten(expr, setKey)
    .filter((w) => !declared.includes(w.key))
    .map((w) => {
      const hint = closest(w.key, declared);
      return {
        index: w.index,
        message: `custom field "${w.key}" is written into ${setKey} but not declared in flow "${flowName}"'s custom_fields, so the target would drop it${hint ? `; did you mean "${hint}"?` : '; declare it under custom_fields'}`,
      };
    });
}
