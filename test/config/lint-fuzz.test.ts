// Generated broken configs (connectors, mappings, connections, fixtures): whatever is wrong with a
// file, `mlc lint` reports an error in it with a file and a line, never throws, never passes it.
// Every mutation below is chosen so that the result is certainly broken (e.g. a truncation always
// cuts the closing quote of the file's last, required value), so "exit 2" can be asserted.
// The seed is printed with each failure; MLC_FUZZ_SEED=<n> reproduces a run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrors, type Diagnostic } from '../../engine/config/diagnostic.js';
import { lint } from '../../engine/config/lint.js';
import { firstInvalidUtf8 } from '../../engine/config/read-text.js';
import { lines, relativeTo, removeTempProjects, repoRoot, tempProject } from './helpers.js';
import { ensureBuilt, prng } from '../e2e/helpers.js';

const SEED = Number(process.env.MLC_FUZZ_SEED ?? 20261121);

type Kind = 'connector' | 'mapping' | 'connections' | 'fixture';
const FILE: Record<Kind, string> = {
  connector: 'connectors/acme.yaml',
  mapping: 'mappings/ar/mapping.yaml',
  connections: 'connections.yaml',
  fixture: 'mappings/ar/fixtures/case.yaml',
};

// Valid files; each ends with a required, quoted value, so cutting any byte before its closing quote breaks the file.
const VALID: Record<Kind, string> = {
  connector: lines(
    'name: acme',
    'base_url: https://api.acme.test',
    'variables:',
    '  api_key: { required: true, secret: true }',
    'auth:',
    '  type: bearer',
    '  token: "{api_key}"',
  ),
  mapping: lines(
    'name: ar',
    'source: { connector: visma }',
    'target: { connector: zendesk }',
    'flows:',
    '  orgs:',
    '    from: customers',
    '    to: upsert_organizations',
    `    transform: '{"external_id": number, "name": name}'`,
  ),
  connections: lines(
    'connections:',
    '  acme:',
    '    connector: acme',
    '    values:',
    '      api_key: "${store:acme_key}"',
  ),
  fixture: lines('flow: orgs', 'now: "2026-11-21T12:00:00Z"', 'record: { number: "1", name: "A" }'),
};

/** A line (whole, by its start) and the text that replaces it with a value of the wrong type, an unknown name, etc. */
const WRONG_TYPE: Record<Kind, [string, string[]][]> = {
  connector: [
    ['base_url:', ['base_url: 42', 'base_url: [a, b]', 'base_url: { x: 1 }', 'base_url: true', 'base_url:']],
    ['  type:', ['  type: 7', '  type: [bearer]']],
  ],
  mapping: [
    ['    from:', ['    from: [customers]', '    from: 3.5', '    from: { a: 1 }']],
    ['flows:', ['flows: [orgs]', 'flows: 1\nx:']],
  ],
  connections: [
    ['    connector:', ['    connector: 17', '    connector: [acme]', '    connector: { name: acme }']],
    ['    values:', ['    values: [1, 2]\n    x:']],
  ],
  fixture: [
    ['record:', ['record: [1, 2]', 'record: "text"', 'record: 12']],
    ['flow:', ['flow: [orgs]', 'flow: { name: orgs }']],
  ],
};
const REQUIRED_LINES: Record<Kind, string[]> = {
  connector: ['name:', 'base_url:', 'auth:'],
  mapping: ['name:', 'source:', 'target:', '    from:', '    to:', '    transform:'],
  connections: ['    connector:'],
  fixture: ['flow:', 'record:'],
};
/** Lines whose value is a name that must be known; a made-up word there is an error. */
const NAME_LINES: Record<Kind, string> = {
  connector: '  type:',
  mapping: '    to:',
  connections: '    connector:',
  fixture: 'flow:',
};
/** Lines whose value must equal a fixed name, so a huge random value there is an error. */
const HUGE_LINES: Record<Kind, string> = {
  connector: 'name:',
  mapping: 'name:',
  connections: '    connector:',
  fixture: 'flow:',
};

interface Case {
  name: string;
  kind: Kind;
  /** Bytes of the broken file, or a change to the file system instead */
  bytes?: Buffer;
  fs?: 'symlink-loop' | 'folder' | 'fifo';
  /** The first byte that is not UTF-8, when the mutation put one there */
  badByte?: number;
  /** A long value that must not be echoed back */
  huge?: string;
}

function replaceLine(text: string, start: string, by: string): string {
  const ls = text.split('\n');
  const i = ls.findIndex((l) => l.startsWith(start));
  if (i < 0) throw new Error(`fixture has no line starting with ${JSON.stringify(start)}`);
  ls[i] = by;
  return ls.join('\n');
}

/** Removes the line starting with `start` and the lines indented below it. */
function deleteBlock(text: string, start: string): string {
  const ls = text.split('\n');
  const i = ls.findIndex((l) => l.startsWith(start));
  const indent = start.search(/\S/);
  let j = i + 1;
  while (j < ls.length && ls[j].trim() !== '' && ls[j].search(/\S/) > indent) j++;
  return [...ls.slice(0, i), ...ls.slice(j)].join('\n');
}

function generate(seed: number): Case[] {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  const word = () =>
    `zq${Array.from({ length: int(3, 10) }, () => 'abcdefghijklmnopqrstuvwxyz_'[int(0, 26)]).join('')}`;
  const cases: Case[] = [];
  const kinds: Kind[] = ['connector', 'mapping', 'connections', 'fixture'];
  for (let round = 0; round < 2; round++) {
    for (const kind of kinds) {
      const text = VALID[kind];
      const add = (name: string, c: Omit<Case, 'name' | 'kind'>) =>
        cases.push({ name: `${kind}/${name}#${round}`, kind, ...c });
      const cut = int(0, text.length - 2);
      add(`truncated at ${cut}`, { bytes: Buffer.from(text.slice(0, cut)) });
      const flips = Array.from({ length: int(1, 3) }, () => int(0, text.length - 1));
      const flipped = Buffer.from(text);
      for (const at of flips) flipped[at] = pick([0xff, 0xfe, 0xc0, 0xc1, 0xf5, 0x80, 0xbf]);
      add(`bytes flipped at ${flips.join(',')}`, { bytes: flipped, badByte: Math.min(...flips) });
      const [line, wrongs] = pick(WRONG_TYPE[kind]);
      const wrong = pick(wrongs);
      add(`wrong type ${JSON.stringify(wrong)}`, { bytes: Buffer.from(replaceLine(text, line, wrong)) });
      const gone = pick(REQUIRED_LINES[kind]);
      add(`required ${JSON.stringify(gone)} deleted`, { bytes: Buffer.from(deleteBlock(text, gone)) });
      const unknown = word();
      add(`unknown name ${unknown}`, {
        bytes: Buffer.from(replaceLine(text, NAME_LINES[kind], `${NAME_LINES[kind]} ${unknown}`)),
      });
      const alias = pick(['undefined', 'bomb', 'cycle'] as const);
      const aliased =
        alias === 'undefined'
          ? replaceLine(text, NAME_LINES[kind], `${NAME_LINES[kind]} *${word()}`)
          : alias === 'cycle'
            ? `${text}zz_loop: &l [1, *l]\n`
            : `${text}${Array.from({ length: 9 }, (_, i) =>
                i === 0
                  ? 'b0: &b0 [x, x, x, x, x, x, x, x, x, x]'
                  : `b${i}: &b${i} [${Array(10)
                      .fill(`*b${i - 1}`)
                      .join(', ')}]`,
              ).join('\n')}\n`;
      add(`alias ${alias}`, { bytes: Buffer.from(aliased) });
      const depth = int(200, 20_000);
      const nest = pick(['flow', 'block'] as const);
      const deep =
        nest === 'flow'
          ? `${'['.repeat(depth)}x${']'.repeat(depth)}`
          : `\n${Array.from({ length: Math.min(depth, 3000) }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} x`;
      add(`nested ${depth} deep (${nest})`, {
        bytes: Buffer.from(replaceLine(text, HUGE_LINES[kind], `${HUGE_LINES[kind]} ${deep}`)),
      });
      const huge = Array.from({ length: int(100_000, 1_000_000) }, () =>
        String.fromCharCode(pick([int(0x30, 0x7a), int(0x30, 0x7a), int(0x01, 0x1f), int(0xa0, 0x2fff)])),
      ).join('');
      add(`huge value of ${huge.length} characters`, {
        bytes: Buffer.from(replaceLine(text, HUGE_LINES[kind], `${HUGE_LINES[kind]} x${huge.replace(/[\n\r]/g, 'n')}`)),
        huge,
      });
      const garbage = Buffer.from(Array.from({ length: int(1, 4096) }, () => int(0, 255)));
      const bad = int(0, garbage.length - 1);
      garbage[bad] = 0xff;
      // Random bytes before the forced 0xFF may already be invalid; the decoder's answer was checked by hand in lint-hostile.test.ts.
      add(`binary garbage of ${garbage.length} bytes`, { bytes: garbage, badByte: firstInvalidUtf8(garbage) });
      if (kind === 'connector')
        add('unclosed {template}', { bytes: Buffer.from(replaceLine(text, '  token:', '  token: "{api_key"')) });
      if (kind === 'connections')
        add('unclosed ${reference}', {
          bytes: Buffer.from(replaceLine(text, '      api_key:', '      api_key: "${env:MLC_FUZZ_X"')),
        });
      if (round === 0) for (const fs of ['symlink-loop', 'folder', 'fifo'] as const) add(fs, { fs });
    }
  }
  return cases;
}

function writeCase(c: Case): string {
  const files: Record<string, string> = {};
  for (const k of Object.keys(VALID) as Kind[]) if (k !== c.kind) files[FILE[k]] = VALID[k];
  const root = tempProject(files);
  const abs = join(root, FILE[c.kind]);
  mkdirSync(join(abs, '..'), { recursive: true });
  if (c.bytes) writeFileSync(abs, c.bytes);
  else if (c.fs === 'symlink-loop') symlinkSync(FILE[c.kind].split('/').pop()!, abs);
  else if (c.fs === 'folder') mkdirSync(abs);
  else execFileSync('mkfifo', [abs]);
  return root;
}

/** Every way a diagnostic list can break the promise; empty when it keeps it. */
function problems(c: Case, diags: Diagnostic[]): string[] {
  const out: string[] = [];
  if (!hasErrors(diags)) out.push('no error: lint would exit 0');
  if (!diags.some((d) => d.severity === 'error' && d.file === FILE[c.kind])) out.push(`no error in ${FILE[c.kind]}`);
  for (const d of diags) {
    if (!d.file || !Number.isInteger(d.line) || d.line < 1 || !Number.isInteger(d.col) || d.col < 1)
      out.push(`no file and line: ${JSON.stringify(d)}`);
    if (d.message.length > 700) out.push(`message of ${d.message.length} characters`);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(d.message))
      out.push(`control character in message: ${JSON.stringify(d.message.slice(0, 200))}`);
    if (c.huge && d.message.includes(c.huge.slice(0, 81)))
      out.push('message echoes more than 80 characters of the value');
  }
  if (c.badByte !== undefined && !diags.some((d) => d.message.includes(`at byte offset ${c.badByte}`)))
    out.push(`first invalid byte ${c.badByte} not named: ${JSON.stringify(diags.map((d) => d.message))}`);
  return out;
}

const CASES = generate(SEED);

afterAll(removeTempProjects);

describe(`lint fuzz (seed ${SEED}, MLC_FUZZ_SEED to change)`, () => {
  it('generates at least 60 broken files, and the files it breaks are valid to begin with', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    const root = tempProject(Object.fromEntries((Object.keys(VALID) as Kind[]).map((k) => [FILE[k], VALID[k]])));
    expect(relativeTo(root, lint(root))).toEqual([]);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const root = writeCase(c);
    let diags: Diagnostic[];
    try {
      diags = relativeTo(root, lint(root));
    } catch (e) {
      throw new Error(`seed ${SEED}, case ${c.name}: lint threw ${(e as Error).stack}`, { cause: e });
    }
    expect(
      problems(c, diags),
      `seed ${SEED}, case ${c.name}; diagnostics: ${JSON.stringify(diags).slice(0, 2000)}`,
    ).toEqual([]);
    rmSync(root, { recursive: true, force: true });
  });
});

describe('lint fuzz through the CLI', () => {
  const MLC = join(repoRoot, 'bin', 'mlc.js');
  beforeAll(() => ensureBuilt(), 200_000);

  // One case of each kind of damage that used to crash or pass, run as a user runs it.
  const picked = CASES.filter(
    (c) =>
      /#0$/.test(c.name) &&
      /alias|binary|symlink-loop|fifo|truncated|unclosed/.test(c.name) &&
      (c.kind === 'connector' || c.kind === 'mapping' || c.name.includes('unclosed')),
  );
  for (const alias of ['alias undefined', 'alias bomb', 'alias cycle']) {
    const first = CASES.find((c) => c.name.includes(alias));
    if (first && !picked.includes(first)) picked.push(first);
  }

  it.each(picked.map((c) => [c.name, c] as const))('%s: exit 2, diagnostics only, no stack trace', (_name, c) => {
    const root = writeCase(c);
    const r = spawnSync(process.execPath, [MLC, 'lint', '--format', 'json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
    });
    const why = `seed ${SEED}, case ${c.name}; stderr: ${r.stderr.slice(0, 2000)}`;
    expect(r.stderr, why).toBe('');
    expect(r.status, why).toBe(2);
    const diags = JSON.parse(r.stdout) as Diagnostic[];
    expect(problems(c, diags), why).toEqual([]);
  });
});
