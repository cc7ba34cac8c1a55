// The engine holds no vendor names outside comments (issue 13 §5): what is special about a system
// lives in its connector YAML, its custom strategies and its sandbox simulator, never in engine/.
// Comments may name vendors: they say why a strategy exists ("Zendesk's job rows answer by id").
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const ENGINE = join(ROOT, 'engine');

/** `intuit` but not "intuitive": the vendor (QuickBooks' maker, its header names) is meant. */
const VENDOR = /visma|zendesk|marketo|pipedrive|quickbooks|intuit(?!iv)|acumatica/i;

/**
 * Lines allowed to name a vendor outside a comment, each with its reason. Decision: the only such
 * lines are help and usage texts that show a user a mapping name to type. Mapping names start with
 * the two connectors they join (`mlc new <source>-<target>`), so a real pair is the example that
 * teaches the convention; a made-up pair ("erp-helpdesk") would suggest names that do not exist in
 * connectors/. The engine's behaviour never branches on these strings. Each entry is one file and
 * a fragment of that line (not a line number, which moves with every edit); an entry that matches
 * nothing fails the test, so the list cannot outlive the lines it excuses.
 */
const ALLOWED: { file: string; fragment: string; why: string }[] = [
  {
    file: 'engine/cli/new.ts',
    fragment: 'is not a mapping name: use lowercase letters, digits and dashes',
    why: 'usage error that shows a valid mapping name',
  },
  {
    file: 'engine/cli/new.ts',
    fragment: "'mapping name starting with the two connectors, e.g.",
    why: 'help text of `mlc new <name>`: an example name',
  },
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const isJsDoc = (n: ts.Node) => n.kind >= ts.SyntaxKind.FirstJSDocNode && n.kind <= ts.SyntaxKind.LastJSDocNode;

/**
 * The file's text with every comment blanked (line breaks kept, so line numbers hold): only the
 * parser's tokens are kept, which tells a `//` in a string or template from a comment.
 */
function codeOnly(fileName: string, text: string): string {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const keep = new Uint8Array(text.length);
  const visit = (n: ts.Node): void => {
    if (isJsDoc(n)) return;
    const children = n.getChildren(sf);
    if (children.length === 0) keep.fill(1, n.getStart(sf), n.getEnd());
    else for (const c of children) visit(c);
  };
  visit(sf);
  let out = '';
  for (let i = 0; i < text.length; i++) out += keep[i] || text[i] === '\n' ? text[i] : ' ';
  return out;
}

/** `file:line: text` for each line of code (not comment) that names a vendor. */
function vendorNames(fileName: string, text: string): { line: number; code: string }[] {
  const hits: { line: number; code: string }[] = [];
  codeOnly(fileName, text)
    .split('\n')
    .forEach((code, i) => {
      if (VENDOR.test(code)) hits.push({ line: i + 1, code: code.trim() });
    });
  return hits;
}

describe('no vendor names in engine/', () => {
  it('finds a name in code and strings, not in comments (the check itself)', () => {
    const src = [
      '// Visma rejects a Z suffix',
      '/** Zendesk job rows */',
      'const url = "https://example.com/x"; // pipedrive',
      'const a = `${x} // not a comment: acumatica`;',
      "const b = 'intuitive';",
      'const c = vismaOf(sb); /* marketo */',
      "const d = { header: 'intuit-signature' };",
    ].join('\n');
    expect(vendorNames('x.ts', src).map((h) => h.line)).toEqual([4, 6, 7]);
  });

  it('engine/*.ts names no vendor outside comments (except the allowed help texts)', () => {
    const used = new Set<(typeof ALLOWED)[number]>();
    const found: string[] = [];
    for (const file of tsFiles(ENGINE)) {
      const rel = relative(ROOT, file).split('\\').join('/');
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n');
      for (const hit of vendorNames(file, text)) {
        const allowed = ALLOWED.find((a) => a.file === rel && lines[hit.line - 1].includes(a.fragment));
        if (allowed) used.add(allowed);
        else found.push(`${rel}:${hit.line}: ${hit.code}`);
      }
    }
    const advice = 'vendor names in engine/ code (move them to connectors/, a simulator or a comment)';
    expect(found, `${advice}:\n${found.join('\n')}`).toEqual([]);
    const stale = ALLOWED.filter((a) => !used.has(a)).map((a) => `${a.file}: "${a.fragment}" (${a.why})`);
    expect(stale, 'allow-list entries that no longer match a line').toEqual([]);
  });
});
