// The YAML in README.md is config that works. Each ```yaml block declares what it is on its first
// line: `# mlc: connector`, `# mlc: mapping`, `# mlc: connections`, `# mlc: fixture <mapping>` (its
// expect complete) or `# mlc: fixture <mapping>, expect abridged` (the values it shows must be
// right), or a `# yaml-language-server: $schema=...<kind>.schema.json` line. All are written into
// one copy of this project, with every ```js block whose first line is `// <path>`, and linted
// with their custom modules loaded: no errors; and each fixture runs.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../engine/config/diagnostic.js';
import { lintWithModules } from '../../engine/config/lint.js';
import { runFixtures } from '../../engine/map/fixtures.js';
import { planMapping } from '../../engine/sync/plan.js';
import { removeTempProjects, repoRoot, tempProject } from './helpers.js';

afterAll(removeTempProjects);

interface Block {
  /** 1-based line of the opening fence */
  line: number;
  lang: string;
  text: string;
}

/** Fenced code blocks, also those indented inside a list item (the indentation is taken off). */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[j]); j++)
      body.push(lines[j].slice(indent.length));
    out.push({ line: i + 1, lang, text: `${body.join('\n')}\n` });
    i = j;
  }
  return out;
}

type Kind = { kind: 'connector' | 'mapping' | 'connections' } | { kind: 'fixture'; mapping: string; abridged: boolean };

/** What a YAML snippet says it is, from its first line. */
function declared(text: string): Kind | undefined {
  const first = text.split('\n')[0];
  const m =
    /^# mlc: (connector|mapping|connections)\s*$/.exec(first) ??
    /^# yaml-language-server: \$schema=\S*?(connector|mapping|connections)\.schema\.json\s*$/.exec(first);
  if (m) return { kind: m[1] as 'connector' | 'mapping' | 'connections' };
  const f = /^# mlc: fixture ([a-z][a-z0-9-]*)(, expect abridged)?\s*$/.exec(first);
  return f ? { kind: 'fixture', mapping: f[1], abridged: !!f[2] } : undefined;
}

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const yamlBlocks = fencedBlocks(readme).filter((b) => b.lang === 'yaml');

function write(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** A copy of this project with the README's snippets and modules written into it. */
function projectOfSnippets(): {
  root: string;
  fixtures: { block: Block; mapping: string; abridged: boolean; file: string }[];
} {
  const root = tempProject({}, false);
  for (const dir of ['connectors', 'mappings']) cpSync(join(repoRoot, dir), join(root, dir), { recursive: true });
  for (const b of fencedBlocks(readme).filter((x) => x.lang === 'js')) {
    const path = /^\/\/ ((?:connectors|mappings)\/\S+\.m?js)\s*$/.exec(b.text.split('\n')[0])?.[1];
    if (path) write(root, path, b.text);
  }
  const fixtures = [];
  for (const b of yamlBlocks) {
    const k = declared(b.text);
    if (!k) continue;
    if (k.kind === 'fixture') {
      const file = `mappings/${k.mapping}/fixtures/readme-line-${b.line}.yaml`;
      write(root, file, b.text);
      fixtures.push({ block: b, mapping: k.mapping, abridged: k.abridged, file: join(root, file) });
      continue;
    }
    const name = (parse(b.text) as { name?: string } | null)?.name;
    const rel =
      k.kind === 'connector'
        ? `connectors/${name}.yaml`
        : k.kind === 'mapping'
          ? `mappings/${name}/mapping.yaml`
          : 'connections.yaml';
    write(root, rel, b.text);
  }
  return { root, fixtures };
}

/** Whether every value `shown` gives (at any depth) is the one `actual` has; "..." stands for the rest. */
function shows(shown: unknown, actual: unknown): boolean {
  if (!shown || typeof shown !== 'object' || Array.isArray(shown))
    return JSON.stringify(shown) === JSON.stringify(actual);
  if (!actual || typeof actual !== 'object') return false;
  return Object.entries(shown).every(([k, v]) => k === '...' || shows(v, (actual as Record<string, unknown>)[k]));
}

describe('README snippets', () => {
  it('has YAML snippets, each declaring what it is', () => {
    expect(yamlBlocks.length).toBeGreaterThan(0);
    const undeclared = yamlBlocks
      .filter((b) => !declared(b.text))
      .map((b) => `README.md:${b.line}: ${b.text.split('\n')[0]}`);
    expect(undeclared).toEqual([]);
  });

  it('passes lint as a whole project, custom modules loaded, and its fixtures pass', async () => {
    const { root, fixtures } = projectOfSnippets();
    const errors = (await lintWithModules(root)).filter((d) => d.severity === 'error').map(formatDiagnostic);
    expect(errors).toEqual([]);
    for (const f of fixtures) {
      const plan = planMapping({ root, mapping: f.mapping, requireConnections: false });
      const result = (await runFixtures(plan, dirname(f.file))).find((r) => r.file === f.file);
      const where = `README.md:${f.block.line}`;
      expect(result?.error, where).toBeUndefined();
      if (f.abridged)
        expect(shows(parse(f.block.text).expect, result?.payload), `${where}: ${JSON.stringify(result?.payload)}`).toBe(
          true,
        );
      else expect(result?.ok, `${where}: ${result?.diff ?? ''}`).toBe(true);
    }
  });
});

describe('the snippet checks themselves', () => {
  it('declare kinds from the first line only', () => {
    expect(declared('# mlc: connector\nname: x\n')).toEqual({ kind: 'connector' });
    expect(declared('# yaml-language-server: $schema=./schemas/connections.schema.json\n')).toEqual({
      kind: 'connections',
    });
    expect(declared('# mlc: fixture fiscal, expect abridged\n')).toEqual({
      kind: 'fixture',
      mapping: 'fiscal',
      abridged: true,
    });
    expect(declared('name: x\n# mlc: connector\n')).toBeUndefined();
  });

  it('fail on a broken snippet: lint reports it', async () => {
    const root = tempProject({
      'connectors/broken.yaml': '# mlc: connector\nname: broken\nbase_url: https://x.test\nauth: { type: basci }\n',
    });
    expect((await lintWithModules(root)).map((d) => d.message)).toEqual([
      expect.stringMatching(/^unknown auth type "basci"/),
    ]);
  });

  it('an abridged expect must show true values', () => {
    expect(shows({ a: 1, '...': null }, { a: 1, b: 2 })).toBe(true);
    expect(shows({ a: 2 }, { a: 1 })).toBe(false);
    expect(shows({ o: { x: 1 } }, { o: { x: 1, y: 2 } })).toBe(true);
  });
});
