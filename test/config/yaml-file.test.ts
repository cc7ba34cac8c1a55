// YamlFile: positions of nodes by path, and of a character inside a string scalar (offsetInScalar)
// for every scalar style. Each fixture is a list of lines; the token HERE is what is located, and
// the comment beside each expectation counts its column in that line.
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq } from 'yaml';
import { YamlFile, type YamlPath } from '../../engine/config/yaml-file.js';
import { lines } from './helpers.js';

/** Where offsetInScalar puts the first character of `needle` inside the scalar at `path`, and the source text found there. */
function locate(text: string, path: YamlPath, needle = 'HERE'): { line: number; col: number; text: string } {
  const f = new YamlFile('t.yaml', text);
  expect(f.parseDiagnostics).toEqual([]);
  const { node } = f.node(path);
  if (!isScalar(node)) throw new Error(`no scalar at ${path.join('.')}`);
  const index = String(node.value).indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in ${JSON.stringify(node.value)}`);
  const off = f.offsetInScalar(path, index);
  return { ...f.position(off), text: text.slice(off, off + needle.length) };
}

describe('offsetInScalar: flow scalars', () => {
  it('plain, one line', () => {
    // "expr: " is 6 chars, "foo and " 8 more -> col 15
    expect(locate(lines('name: x', 'expr: foo and HERE or bar'), ['expr'])).toEqual({ line: 2, col: 15, text: 'HERE' });
  });

  it('plain, index 0 is the first character of the value', () => {
    const f = new YamlFile('t.yaml', lines('expr:   HERE'));
    expect(f.position(f.offsetInScalar(['expr'], 0))).toEqual({ line: 1, col: 9 });
  });

  it('plain, continued on the next line', () => {
    // value "foo and bar or HERE"; line 2 "  bar or " is 9 chars -> col 10
    expect(locate(lines('expr: foo and', '  bar or HERE', 'next: 1'), ['expr'])).toEqual({
      line: 2,
      col: 10,
      text: 'HERE',
    });
  });

  it('plain, over three lines with deeper continuation indentation', () => {
    // value "a b c HERE"; line 3 "      c " is 8 chars -> col 9
    expect(locate(lines('top:', '  expr: a', '      b', '      c HERE'), ['top', 'expr'])).toEqual({
      line: 4,
      col: 9,
      text: 'HERE',
    });
  });

  // Regression (was a bug): offsetInFlow maps a "\n" of the value to one source line break; an empty line in a
  // multi-line plain scalar is two source line breaks for one "\n", so the rest of the value lands
  // 3 columns early (3:4).
  it('plain, continued after an empty line', () => {
    // value "foo\nbar HERE"; line 3 "  bar " is 6 chars -> col 7
    expect(locate(lines('expr: foo', '', '  bar HERE'), ['expr'])).toEqual({ line: 3, col: 7, text: 'HERE' });
  });

  it('single-quoted, one line', () => {
    // "expr: '" is 7 chars, value 'a = "x" and HERE' has HERE at index 12 -> col 20
    expect(locate(lines(`expr: 'a = "x" and HERE'`), ['expr'])).toEqual({ line: 1, col: 20, text: 'HERE' });
  });

  it('single-quoted, continued on the next line', () => {
    // value "foo and HERE"; line 2 "  " -> col 3
    expect(locate(lines(`expr: 'foo and`, `  HERE'`), ['expr'])).toEqual({ line: 2, col: 3, text: 'HERE' });
  });

  // Regression (was a bug): '' stands for one quote in a single-quoted scalar, but offsetInFlow counts one source
  // character per value character, so everything after it is one column early (1:13).
  it("single-quoted, after an escaped '' quote", () => {
    // source "expr: 'it''s HERE'": ' 7, i 8, t 9, '' 10-11, s 12, HERE col 14
    expect(locate(lines(`expr: 'it''s HERE'`), ['expr'])).toEqual({ line: 1, col: 14, text: 'HERE' });
  });

  it('double-quoted, one line', () => {
    // 'expr: "' is 7 chars, value "a = 'x' and HERE" has HERE at index 12 -> col 20
    expect(locate(lines(`expr: "a = 'x' and HERE"`), ['expr'])).toEqual({ line: 1, col: 20, text: 'HERE' });
  });

  it('double-quoted, continued on the next line', () => {
    // value "foo and bar HERE"; line 2 "    bar " is 8 chars -> col 9
    expect(locate(lines('expr: "foo and', '    bar HERE"'), ['expr'])).toEqual({ line: 2, col: 9, text: 'HERE' });
  });

  it('double-quoted, inside a sequence', () => {
    // line 3 '  - "q ' is 7 chars -> col 8
    expect(locate(lines('list:', '  - x', '  - "q HERE"'), ['list', 1])).toEqual({ line: 3, col: 8, text: 'HERE' });
  });

  // Regression (was a bug): an escape sequence (\t, \", \\, \n) is two or more source characters for one value
  // character; offsetInFlow counts one, so the position is one column early per escape (1:12).
  it('double-quoted, after an escape sequence', () => {
    // source 'expr: "a\tb HERE"': " 7, a 8, \t 9-10, b 11, HERE col 13
    expect(locate(lines(String.raw`expr: "a\tb HERE"`), ['expr'])).toEqual({ line: 1, col: 13, text: 'HERE' });
  });

  it('clamps an index past the end of the value to its end', () => {
    const f = new YamlFile('t.yaml', lines('expr: "abc"'));
    // value abc is cols 8-10; its end is col 11 (the closing quote)
    expect(f.position(f.offsetInScalar(['expr'], 99))).toEqual({ line: 1, col: 11 });
  });
});

describe('offsetInScalar: block scalars', () => {
  it('literal (|): a character on the 2nd content line', () => {
    // line 3 "  two " is 6 chars -> col 7
    expect(locate(lines('expr: |', '  line one', '  two HERE', 'next: 1'), ['expr'])).toEqual({
      line: 3,
      col: 7,
      text: 'HERE',
    });
  });

  it('literal: after an empty line and on a more-indented line', () => {
    // line 4 '    "a": ' is 9 chars -> col 10
    expect(locate(lines('expr: |', '  {', '', '    "a": HERE', '  }'), ['expr'])).toEqual({
      line: 4,
      col: 10,
      text: 'HERE',
    });
  });

  it('literal with strip chomping and a comment on the header line', () => {
    // line 3 "  b " is 4 chars -> col 5
    expect(locate(lines('expr: |- # a comment', '  a', '  b HERE'), ['expr'])).toEqual({
      line: 3,
      col: 5,
      text: 'HERE',
    });
  });

  it('literal nested two levels deep', () => {
    // line 5 "        x " is 10 chars -> col 11
    expect(
      locate(lines('flows:', '  orgs:', '    transform: |', '        w', '        x HERE'), [
        'flows',
        'orgs',
        'transform',
      ]),
    ).toEqual({
      line: 5,
      col: 11,
      text: 'HERE',
    });
  });

  it('literal as a sequence item', () => {
    // line 4 "    b " is 6 chars -> col 7
    expect(locate(lines('list:', '  - |', '    a', '    b HERE'), ['list', 0])).toEqual({
      line: 4,
      col: 7,
      text: 'HERE',
    });
  });

  it('literal with CRLF line ends', () => {
    // line 3 "  b " -> col 5
    expect(locate('expr: |\r\n  a\r\n  b HERE\r\n', ['expr'])).toEqual({ line: 3, col: 5, text: 'HERE' });
  });

  it('folded (>): a character on the only content line', () => {
    // line 2 "  a and " is 8 chars -> col 9
    expect(locate(lines('expr: >-', '  a and HERE'), ['expr'])).toEqual({ line: 2, col: 9, text: 'HERE' });
  });

  // Regression (was a bug): offsetInBlock counts lines by the "\n" in the value, but a folded scalar joins its lines
  // with spaces, so a character on a later source line is placed on the first line plus its value
  // index, which wraps to a wrong column (3:3).
  it('folded (>): a character on the 2nd content line', () => {
    // value "a and b HERE\n"; line 3 "  b " is 4 chars -> col 5
    expect(locate(lines('expr: >', '  a and', '  b HERE'), ['expr'])).toEqual({ line: 3, col: 5, text: 'HERE' });
  });

  // Regression (was a bug): same root cause; with an empty line in between, the value has one "\n" for two source
  // line breaks, and the position is off (4:5).
  it('folded (>): a character after an empty line', () => {
    // value "l1\nl3 HERE\n"; line 4 "  l3 " is 5 chars -> col 6
    expect(locate(lines('expr: >', '  l1', '', '  l3 HERE'), ['expr'])).toEqual({ line: 4, col: 6, text: 'HERE' });
  });

  // Regression (was a bug): an explicit indentation indicator (|2) sets the content indentation; offsetInBlock instead
  // takes the indentation of the first non-empty line (4 here), so the position is wrong (3:7).
  it('literal with an indentation indicator', () => {
    // value "  indented\nb HERE\n"; line 3 "  b " is 4 chars -> col 5
    expect(locate(lines('expr: |2', '    indented', '  b HERE'), ['expr'])).toEqual({ line: 3, col: 5, text: 'HERE' });
  });
});

describe('node() and positions by path', () => {
  const text = lines(
    'name: acme', // 1
    'auth:', // 2
    '  type: none', // 3
    'streams:', // 4
    '  widgets:', // 5
    '    path: /w', // 6
    'list:', // 7
    '  - a', // 8
  );
  const f = new YamlFile('t.yaml', text);

  it('finds an existing node exactly, with its key', () => {
    const r = f.node(['auth', 'type']);
    expect(r.exact).toBe(true);
    expect(isScalar(r.node) && r.node.value).toBe('none');
    expect(isScalar(r.keyNode) && r.keyNode.value).toBe('type');
    expect(f.position(f.offsetOf(['auth', 'type']))).toEqual({ line: 3, col: 9 });
    expect(f.position(f.offsetOf(['auth', 'type'], true))).toEqual({ line: 3, col: 3 });
  });

  it('returns the parent mapping for a missing key', () => {
    const r = f.node(['auth', 'token_url']);
    expect(r.exact).toBe(false);
    expect(isMap(r.node)).toBe(true);
    expect(r.node).toBe(f.node(['auth']).node);
    // the auth mapping starts at its first key: line 3, col 3
    expect(f.position(f.offsetOf(['auth', 'token_url']))).toEqual({ line: 3, col: 3 });
    // onKey has no key to point at, so it stays on the parent
    expect(f.position(f.offsetOf(['auth', 'token_url'], true))).toEqual({ line: 3, col: 3 });
  });

  it('returns the deepest existing ancestor for a missing nested path', () => {
    const r = f.node(['streams', 'widgets', 'pagination', 'type']);
    expect(r.exact).toBe(false);
    expect(r.node).toBe(f.node(['streams', 'widgets']).node);
    expect(f.position(f.offsetOf(['streams', 'widgets', 'pagination', 'type']))).toEqual({ line: 6, col: 5 });
  });

  it('returns the sequence for an index past its end, and the scalar for a key below a scalar', () => {
    const seq = f.node(['list', 3]);
    expect(seq.exact).toBe(false);
    expect(isSeq(seq.node)).toBe(true);
    const below = f.node(['name', 'first']);
    expect(below.exact).toBe(false);
    expect(isScalar(below.node) && below.node.value).toBe('acme');
  });

  it('diagAt keeps the requested path and uses the parent position', () => {
    expect(f.diagAt(['auth', 'token_url'], 'error', 'missing')).toEqual({
      file: 't.yaml',
      line: 3,
      col: 3,
      severity: 'error',
      message: 'missing',
      path: 'auth.token_url',
    });
  });

  it('offsetInScalar on a path that is not a scalar falls back to the node start', () => {
    expect(f.position(f.offsetInScalar(['auth'], 5))).toEqual({ line: 3, col: 3 });
    expect(f.position(f.offsetInScalar(['auth', 'missing'], 5))).toEqual({ line: 3, col: 3 });
  });
});

describe('parse diagnostics', () => {
  it('are empty and ok for valid YAML', () => {
    const f = new YamlFile('t.yaml', lines('a: 1', 'b: [1, 2]'));
    expect(f.ok).toBe(true);
    expect(f.toJS()).toEqual({ a: 1, b: [1, 2] });
  });

  it('report a duplicate key at the second occurrence', () => {
    const f = new YamlFile('t.yaml', lines('a: 1', 'b: 2', '  # comment', 'a: 3'));
    expect(f.ok).toBe(false);
    expect(f.parseDiagnostics).toEqual([
      {
        file: 't.yaml',
        line: 4,
        col: 1,
        severity: 'error',
        message: 'duplicate key "a": it is already defined above in the same mapping; remove one of them',
        path: '',
      },
    ]);
  });
});
