import { toJson } from './text.js';

/** A line diff of two JSON values (pretty, sorted keys): "- expected" / "+ actual" lines with context. */
export function jsonDiff(expected: unknown, actual: unknown, context = 2): string {
  const a = pretty(expected).split('\n');
  const b = pretty(actual).split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: { t: ' ' | '-' | '+'; s: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ t: ' ', s: a[i++] });
      j++;
    } else if (j < m && (i >= n || lcs[i][j + 1] > lcs[i + 1][j])) ops.push({ t: '+', s: b[j++] });
    else ops.push({ t: '-', s: a[i++] });
  }
  const keep = ops.map(
    (op, k) => op.t !== ' ' || ops.slice(Math.max(0, k - context), k + context + 1).some((x) => x.t !== ' '),
  );
  const out: string[] = [];
  ops.forEach((op, k) => {
    if (keep[k]) out.push(`${op.t} ${op.s}`);
    else if (keep[k - 1]) out.push('  ...');
  });
  return out.join('\n');
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

function pretty(v: unknown): string {
  return toJson(sortKeys(v), 2) ?? 'undefined';
}
