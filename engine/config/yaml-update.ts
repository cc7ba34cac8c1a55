import { isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function keyOf(p: Pair): string {
  return String(isScalar(p.key) ? p.key.value : p.key);
}

/**
 * The node `value` should be, reusing `node` wherever it already says the same: untouched keys and
 * items keep their comments, quoting and flow or block style, and only what differs is rebuilt.
 */
function reconcile(doc: Document, node: unknown, value: unknown): Node {
  if (isObject(value) && isMap(node)) {
    node.items = node.items.filter((p) => isPair(p) && Object.hasOwn(value, keyOf(p)));
    for (const [k, v] of Object.entries(value)) {
      const pair = node.items.find((p) => keyOf(p) === k);
      if (pair) pair.value = reconcile(doc, pair.value, v);
      else node.items.push(doc.createPair(k, v));
    }
    return node;
  }
  if (Array.isArray(value) && isSeq(node) && node.items.length === value.length) {
    node.items = node.items.map((item, i) => reconcile(doc, item, value[i]));
    return node;
  }
  // A scalar of the same type keeps its quoting style; the yaml library still quotes a string that would read as another type.
  if (
    isScalar(node) &&
    value !== null &&
    typeof node.value === typeof value &&
    !isObject(value) &&
    !Array.isArray(value)
  ) {
    if (node.value !== value) node.value = value;
    return node;
  }
  if (isScalar(node) && node.value === null && value === null) return node;
  return doc.createNode(value);
}

/** Sets the top-level `key` of a YAML document to `value`, leaving the rest of the file as it was written. */
export function setTopLevel(doc: Document, key: string, value: unknown): void {
  if (!isMap(doc.contents)) throw new Error('the file is not a YAML mapping');
  const pair = doc.contents.items.find((p) => keyOf(p) === key);
  if (pair) pair.value = reconcile(doc, pair.value, value);
  else doc.contents.items.push(doc.createPair(key, value));
}

/** The paths (a.b[0].c) of what differs between two JSON values, by kind. */
export function changedPaths(
  before: unknown,
  after: unknown,
  at = '',
): { added: string[]; changed: string[]; removed: string[] } {
  const out = { added: [] as string[], changed: [] as string[], removed: [] as string[] };
  const join = (k: string) => (at ? `${at}.${k}` : k);
  if (isObject(before) && isObject(after)) {
    for (const k of Object.keys(before)) if (!Object.hasOwn(after, k)) out.removed.push(join(k));
    for (const [k, v] of Object.entries(after)) {
      if (!Object.hasOwn(before, k)) out.added.push(join(k));
      else {
        const sub = changedPaths(before[k], v, join(k));
        out.added.push(...sub.added);
        out.changed.push(...sub.changed);
        out.removed.push(...sub.removed);
      }
    }
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.changed.push(at || '(the whole value)');
  return out;
}
