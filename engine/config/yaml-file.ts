import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { Diagnostic, Severity } from './diagnostic.js';
import { pathToString } from './diagnostic.js';
import { readConfigText } from './read-text.js';

export type YamlPath = readonly (string | number)[];

/** Values an alias may expand to in one file; far above any real config, far below a YAML bomb. */
export const MAX_ALIAS_COUNT = 1000;

/** A parsed YAML file that can tell the line and column of any node by its path. */
export class YamlFile {
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly parseDiagnostics: Diagnostic[] = [];
  private data: unknown;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineCounter();
    // uniqueKeys makes duplicate keys an error with the position of the second one.
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    for (const e of this.doc.errors)
      this.parseDiagnostics.push(
        this.diag(e.pos[0], 'error', yamlMessage(e.code, e.message, /^[\w$.-]+/.exec(text.slice(e.pos[0]))?.[0]), []),
      );
    for (const w of this.doc.warnings) this.parseDiagnostics.push(this.diag(w.pos[0], 'warning', w.message, []));
    if (this.ok) this.convert();
  }

  /** Reads a file; one that cannot be read or is not UTF-8 gives a file whose only content is that error. */
  static read(file: string, displayName = file): YamlFile {
    const r = readConfigText(file);
    if ('text' in r) return new YamlFile(displayName, r.text);
    const f = new YamlFile(displayName, '');
    f.parseDiagnostics.push({
      file: displayName,
      line: r.line,
      col: r.col,
      severity: 'error',
      message: `this file ${r.problem}`,
      path: '',
    });
    return f;
  }

  get ok(): boolean {
    return !this.parseDiagnostics.some((d) => d.severity === 'error');
  }

  /** The file's data; undefined when it has parse errors. */
  toJS(): unknown {
    return this.data;
  }

  /**
   * Aliases are the one YAML feature that can make well-formed text unusable as data: one naming
   * no anchor, one inside its own anchor (endless data), and nested ones multiplying into a
   * "billion laughs" bomb. Each becomes an error at the alias instead of an exception.
   */
  private convert(): void {
    const before = this.parseDiagnostics.length;
    let first: number | undefined;
    visit(this.doc, {
      Alias: (_key, node, path) => {
        const at = node.range?.[0] ?? 0;
        first ??= at;
        const target = node.resolve(this.doc);
        if (!target)
          this.parseDiagnostics.push(
            this.diag(at, 'error', `alias *${node.source} has no anchor &${node.source} before it`, []),
          );
        else if (path.includes(target))
          this.parseDiagnostics.push(
            this.diag(
              at,
              'error',
              `alias *${node.source} is inside its own anchor &${node.source}, which would make endless data`,
              [],
            ),
          );
      },
    });
    if (this.parseDiagnostics.length > before) return;
    try {
      this.data = this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const bomb = /alias count/i.test((e as Error).message);
      const message = bomb
        ? `aliases expand to more than ${MAX_ALIAS_COUNT} values (aliases of aliases multiply, as in a "billion laughs" YAML bomb); write the values out or use fewer nested aliases`
        : `cannot turn this YAML into data: ${(e as Error).message}`;
      this.parseDiagnostics.push(this.diag(first ?? 0, 'error', message, []));
    }
  }

  position(offset: number): { line: number; col: number } {
    return this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
  }

  /** The node at a path, or the deepest existing ancestor (so a missing key points at its parent). */
  node(path: YamlPath): { node: Node | null; keyNode: Node | null; exact: boolean } {
    let cur: unknown = this.doc.contents;
    let keyNode: Node | null = null;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (isMap(cur)) {
        const pair = cur.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
        if (!pair) return { node: cur, keyNode, exact: false };
        keyNode = (pair.key as Node | null | undefined) ?? null;
        cur = pair.value;
      } else if (isSeq(cur) && typeof seg === 'number') {
        const item = cur.items[seg];
        if (item === undefined) return { node: cur, keyNode, exact: false };
        keyNode = null;
        cur = item;
      } else {
        return { node: (cur as Node | null | undefined) ?? null, keyNode, exact: false };
      }
    }
    return { node: (cur as Node | null | undefined) ?? keyNode, keyNode, exact: true };
  }

  /** Offset of a node's start; `onKey` points at the key of a mapping entry rather than its value. */
  offsetOf(path: YamlPath, onKey = false): number {
    const { node, keyNode, exact } = this.node(path);
    if (exact && onKey && keyNode?.range) return keyNode.range[0];
    if (node?.range) return node.range[0];
    return 0;
  }

  diag(offset: number, severity: Severity, message: string, path: YamlPath): Diagnostic {
    const { line, col } = this.position(offset);
    return { file: this.file, line, col, severity, message, path: pathToString(path) };
  }

  diagAt(path: YamlPath, severity: Severity, message: string, onKey = false): Diagnostic {
    return this.diag(this.offsetOf(path, onKey), severity, message, path);
  }

  /**
   * Source offset of character `index` inside the string scalar at `path`, so an error inside an
   * embedded expression (JSONata) can point at its own line and column in the file.
   */
  offsetInScalar(path: YamlPath, index: number): number {
    const { node, exact } = this.node(path);
    if (!exact || !isScalar(node) || !node.range) return this.offsetOf(path);
    const start = node.range[0];
    const value = String(node.value);
    const clamped = Math.max(0, Math.min(index, value.length));
    switch (node.type) {
      case Scalar.QUOTE_DOUBLE:
      case Scalar.QUOTE_SINGLE:
        return this.walk(start + 1, value, clamped, node.type, 0);
      case Scalar.PLAIN:
        return this.walk(start, value, clamped, node.type, 0);
      case Scalar.BLOCK_LITERAL:
      case Scalar.BLOCK_FOLDED: {
        const headerEnd = this.text.indexOf('\n', start);
        if (headerEnd < 0) return start;
        const body = this.text.slice(headerEnd + 1, node.range[1]);
        const explicit =
          /^[|>][+-]?([1-9])/.exec(this.text.slice(start, headerEnd).trim()) ??
          /^[|>][1-9]/.exec(this.text.slice(start, headerEnd).trim());
        const parentIndent = this.text.slice(this.text.lastIndexOf('\n', start) + 1, start).search(/\S/);
        const indent = explicit
          ? Math.max(0, parentIndent) + Number(explicit[1])
          : (/^[ ]*/.exec(body.split('\n').find((l) => l.trim() !== '') ?? '')?.[0].length ?? 0);
        return this.walk(headerEnd + 1, value, clamped, node.type, indent);
      }
      default:
        return start;
    }
  }

  /**
   * Walks the source text and the parsed value side by side up to value character `index`: escapes
   * (\\x, '') are several source characters for one value character, a line break folded into a
   * space or dropped is a line break plus indentation in the source.
   */
  private walk(src: number, value: string, index: number, style: Scalar.Type | undefined, indent: number): number {
    const t = this.text;
    const block = style === Scalar.BLOCK_LITERAL || style === Scalar.BLOCK_FOLDED;
    const skipIndent = () => {
      if (block) {
        let n = 0;
        while (n < indent && t[src] === ' ') {
          src++;
          n++;
        }
      } else {
        while (t[src] === ' ' || t[src] === '\t') src++;
      }
    };
    if (block) skipIndent();
    let vi = 0;
    while (vi < index && src < t.length) {
      const c = t[src];
      if (style === Scalar.QUOTE_DOUBLE && c === '\\') {
        const e = t[src + 1];
        src += e === 'x' ? 4 : e === 'u' ? 6 : e === 'U' ? 10 : 2;
        vi++;
      } else if (style === Scalar.QUOTE_SINGLE && c === "'" && t[src + 1] === "'") {
        src += 2;
        vi++;
      } else if (c === '\r' && t[src + 1] === '\n') {
        src++;
      } else if (c === '\n') {
        src++;
        if (value[vi] === ' ' || value[vi] === '\n') vi++;
        skipIndent();
      } else if (c === value[vi]) {
        src++;
        vi++;
      } else {
        src++;
      }
    }
    return src;
  }
}

function yamlMessage(code: string, message: string, key?: string): string {
  if (code === 'DUPLICATE_KEY')
    return `duplicate key${key ? ` "${key}"` : ''}: it is already defined above in the same mapping; remove one of them`;
  return `invalid YAML: ${message.split('\n')[0]}`;
}
