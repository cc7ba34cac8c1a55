// Hostile and damaged config files (issue 10, items 11-14): `mlc lint` must turn each into an error
// with a file and a line, never throw, never hang and never pass it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, type Diagnostic } from '../../engine/config/diagnostic.js';
import { lint } from '../../engine/config/lint.js';
import { firstInvalidUtf8, readConfigText } from '../../engine/config/read-text.js';
import { planMapping } from '../../engine/sync/plan.js';
import { lines, relativeTo, removeTempProjects, tempProject } from './helpers.js';

afterEach(removeTempProjects);

const CONNECTOR = 'connectors/acme.yaml';
const MAPPING = 'mappings/ar/mapping.yaml';

function d(file: string, line: number, col: number, message: string, path = ''): Diagnostic {
  return { file, line, col, severity: 'error', message, path };
}

function lintRoot(root: string, paths: string[] = []): Diagnostic[] {
  return relativeTo(
    root,
    lint(
      root,
      paths.map((p) => join(root, p)),
    ),
  );
}

/** A mapping of the shipped Visma and Zendesk connectors with one flow "orgs" whose lines follow line 5. */
function mapping(...flow: string[]): string {
  return lines(
    'name: ar',
    'source: { connector: visma }',
    'target: { connector: zendesk }',
    'flows:',
    '  orgs:',
    ...flow,
  );
}
const FLOW = [
  '    from: customers',
  '    to: upsert_organizations',
  `    transform: '{"external_id": number, "name": name}'`,
];

function planError(root: string, name = 'ar'): ConfigError {
  try {
    planMapping({ root, mapping: name, connections: {}, requireConnections: false });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('planMapping accepted the mapping');
}

describe('item 11: YAML that cannot become data', () => {
  it('reports an alias with no anchor at the alias', () => {
    const root = tempProject({ [CONNECTOR]: lines('name: acme', 'base_url: *nowhere', 'auth: { type: none }') });
    expect(lintRoot(root)).toEqual([d(CONNECTOR, 2, 11, 'alias *nowhere has no anchor &nowhere before it')]);
  });

  it('refuses a billion-laughs alias bomb at its first alias', () => {
    const bomb = [
      'name: acme',
      'base_url: https://x.test',
      'auth: { type: none }',
      'x0: &x0 [a, a, a, a, a, a, a, a, a, a]',
    ];
    for (let i = 1; i <= 8; i++)
      bomb.push(
        `x${i}: &x${i} [${Array(10)
          .fill(`*x${i - 1}`)
          .join(', ')}]`,
      );
    const root = tempProject({ [CONNECTOR]: lines(...bomb) });
    const diags = lintRoot(root);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ file: CONNECTOR, line: 5, col: 10, severity: 'error' });
    expect(diags[0].message).toContain('aliases expand to more than 1000 values');
  });

  it('reports an alias inside its own anchor (endless data)', () => {
    const root = tempProject({
      [CONNECTOR]: lines('name: acme', 'base_url: https://x.test', 'auth: { type: none }', 'docs: &d [1, *d]'),
    });
    expect(lintRoot(root)).toEqual([
      d(CONNECTOR, 4, 14, 'alias *d is inside its own anchor &d, which would make endless data'),
    ]);
  });

  it('reports nesting too deep to parse at its line, without a stack overflow', () => {
    const root = tempProject({ [CONNECTOR]: `name: acme\ndocs: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n` });
    const diags = lintRoot(root);
    expect(diags.length).toBeGreaterThan(0);
    expect(diags.every((x) => x.file === CONNECTOR && x.line >= 1 && x.severity === 'error')).toBe(true);
  });
});

describe('item 11: files that cannot be read', () => {
  it('reports a connector file that is a symbolic link loop', () => {
    const root = tempProject({});
    symlinkSync('loop.yaml', join(root, 'connectors', 'loop.yaml'));
    expect(lintRoot(root)).toEqual([
      d(
        'connectors/loop.yaml',
        1,
        1,
        'this file is a symbolic link loop (the link points back at itself), so it cannot be read',
      ),
    ]);
  });

  it('reports a folder where a connector file is expected', () => {
    const root = tempProject({});
    mkdirSync(join(root, 'connectors', 'dir.yaml'));
    expect(lintRoot(root)).toEqual([d('connectors/dir.yaml', 1, 1, 'this file is a folder where a file is expected')]);
  });

  it('reports a named pipe instead of blocking on it', () => {
    const root = tempProject({});
    execFileSync('mkfifo', [join(root, 'connectors', 'pipe.yaml')]);
    expect(lintRoot(root)).toEqual([
      d(
        'connectors/pipe.yaml',
        1,
        1,
        'this file is not a regular file (a pipe, socket or device); expected a YAML file',
      ),
    ]);
  });

  it('reports a file whose read fails (permission denied)', () => {
    const root = tempProject({ [CONNECTOR]: 'name: acme\n' });
    const denied = () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    expect(readConfigText(join(root, CONNECTOR), denied)).toEqual({
      problem: 'cannot be read: permission denied',
      line: 1,
      col: 1,
    });
  });

  it('reports a mapping folder that is a symbolic link loop, and a sync of it names the loop', () => {
    const root = tempProject({});
    mkdirSync(join(root, 'mappings'));
    symlinkSync('ar', join(root, 'mappings', 'ar'));
    const diags = lintRoot(root);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({
      file: MAPPING,
      line: 1,
      col: 1,
      severity: 'error',
      message: expect.stringMatching(/^mapping folder .*mappings\/ar is a symbolic link loop/),
    });
    expect(planError(root).message).toContain('symbolic link loop');
  });

  it('reports a connectors folder that is a symbolic link loop, and a fixtures folder that is a file', () => {
    const root = tempProject({ [MAPPING]: mapping(...FLOW), 'mappings/ar/fixtures': 'not a folder' }, false);
    rmSync(join(root, 'connectors'), { recursive: true });
    symlinkSync('connectors', join(root, 'connectors'));
    const diags = lintRoot(root).filter(
      (x) => x.message.startsWith('this folder') || x.message.startsWith('fixtures folder'),
    );
    expect(diags).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/connectors$/),
        line: 1,
        col: 1,
        severity: 'error',
        message: 'this folder is a symbolic link loop (the link points back at itself), so it cannot be read',
      }),
      expect.objectContaining({
        file: expect.stringMatching(/mappings\/ar\/fixtures$/),
        line: 1,
        col: 1,
        severity: 'error',
        message: 'fixtures folder is a file where a folder is expected',
      }),
    ]);
  });

  it('reports a path argument that is a symbolic link loop', () => {
    const root = tempProject({});
    symlinkSync('loop.yaml', join(root, 'connectors', 'loop.yaml'));
    const diags = lint(root, [join(root, 'connectors', 'loop.yaml')]);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({
      line: 1,
      col: 1,
      severity: 'error',
      message: expect.stringContaining('symbolic link loop'),
    });
  });
});

describe('item 12: configs that used to pass', () => {
  it('reports a flow that depends on itself at its depends_on entry', () => {
    const root = tempProject({ [MAPPING]: mapping(...FLOW, '    depends_on: [orgs]') }); // line 9; "    depends_on: [" is 17 chars -> col 18
    expect(lintRoot(root)).toEqual([d(MAPPING, 9, 18, 'flow "orgs" depends on itself', 'flows.orgs.depends_on[0]')]);
  });

  it("reports a cycle of two flows once, at the first flow's dependency", () => {
    const root = tempProject({
      [MAPPING]: mapping(
        ...FLOW,
        '    depends_on:', // line 9
        '      - people', // line 10, col 9
        '  people:',
        '    from: customers',
        '    to: upsert_organizations',
        `    transform: '{"external_id": number}'`,
        '    depends_on: [orgs]',
      ),
    });
    expect(lintRoot(root)).toEqual([
      d(MAPPING, 10, 9, 'flows depend on each other in a cycle: orgs -> people -> orgs', 'flows.orgs.depends_on[0]'),
    ]);
  });

  it("a sync of a mapping with a cycle is stopped at the flow's line, not mapping.yaml:1:1", () => {
    const root = tempProject({ [MAPPING]: mapping(...FLOW, '    depends_on: [orgs]') });
    expect(relativeTo(root, planError(root).diagnostics)).toEqual([
      d(MAPPING, 9, 18, 'flow "orgs" depends on itself', 'flows.orgs.depends_on[0]'),
    ]);
  });

  it('reports a connection asking for an auth option the connector does not offer, naming the closest', () => {
    const root = tempProject({
      'connections.yaml': lines(
        'connections:',
        '  zendesk:',
        '    connector: zendesk',
        '    auth: api_tokn', // line 4, col 11
        '    values: { subdomain: acme, email: a@b.test, api_token: "${store:zd}" }',
      ),
    });
    expect(lintRoot(root).filter((x) => x.severity === 'error')).toEqual([
      d(
        'connections.yaml',
        4,
        11,
        'connector "zendesk" has no auth option "api_tokn"; did you mean "api_token"?',
        'connections.zendesk.auth',
      ),
    ]);
  });

  it('reports an unclosed {template} in a connector at its brace', () => {
    const root = tempProject({
      [CONNECTOR]: lines(
        'name: acme',
        'base_url: https://x.test',
        'variables: { client_id: { required: true } }',
        'auth: { type: bearer, token: "{client_id" }', // "auth: { type: bearer, token: \"" is 30 chars -> col 31
      ),
    });
    expect(lintRoot(root)).toEqual([
      d(
        CONNECTOR,
        4,
        31,
        'unclosed template {client_id: close it with "}" (write {{ for a literal brace)',
        'auth.token',
      ),
    ]);
  });

  it('reports an unclosed ${env:...} reference in a connection value', () => {
    const root = tempProject({
      [CONNECTOR]: lines(
        'name: acme',
        'base_url: https://x.test',
        'variables: { key: { required: true } }',
        'auth: { type: bearer, token: "{key}" }',
      ),
      'connections.yaml': lines(
        'connections:',
        '  acme:',
        '    connector: acme',
        '    values:',
        '      key: "${env:MLC_X"',
      ), // line 5, col 13
    });
    expect(lintRoot(root)).toEqual([
      d(
        'connections.yaml',
        5,
        13,
        'unclosed reference "${env:MLC_X": close it with "}" (${env:NAME} or ${store:NAME})',
        'connections.acme.values.key',
      ),
    ]);
  });

  it('reports a mapping.yaml that is a symbolic link loop, and a sync of it does not say "no mapping"', () => {
    const root = tempProject({ 'mappings/ar/README.md': 'x' });
    symlinkSync('mapping.yaml', join(root, MAPPING));
    expect(lintRoot(root)).toEqual([
      d(MAPPING, 1, 1, 'this file is a symbolic link loop (the link points back at itself), so it cannot be read'),
    ]);
    const err = planError(root);
    expect(err.message).toContain('symbolic link loop');
    expect(err.message).not.toContain('no mapping');
  });
});

describe('item 13: transforms and fixtures stay inside the mapping folder', () => {
  it('reports a transform path that leaves the mapping folder, at the transform line', () => {
    const root = tempProject({
      [MAPPING]: mapping(FLOW[0], FLOW[1], '    transform: ../../elsewhere/else.jsonata'),
      'elsewhere/else.jsonata': '{"external_id": number}',
    });
    expect(lintRoot(root)).toEqual([
      d(
        MAPPING,
        8,
        16,
        `transform file "../../elsewhere/else.jsonata" resolves (after symbolic links) to a file outside the mapping's folder; keep transforms and fixtures inside mappings/<name>/`,
        'flows.orgs.transform',
      ),
    ]);
  });

  it('reports a transform file that is a symbolic link to a file outside the mapping folder', () => {
    const root = tempProject({
      [MAPPING]: mapping(FLOW[0], FLOW[1], '    transform: org.jsonata'),
      'secret.jsonata': '{"external_id": number}',
    });
    symlinkSync(join(root, 'secret.jsonata'), join(root, 'mappings/ar/org.jsonata'));
    expect(lintRoot(root)).toEqual([
      d(
        MAPPING,
        8,
        16,
        `transform file "org.jsonata" resolves (after symbolic links) to a file outside the mapping's folder; keep transforms and fixtures inside mappings/<name>/`,
        'flows.orgs.transform',
      ),
    ]);
  });

  it('accepts a transform in a subfolder of the mapping folder', () => {
    const root = tempProject({
      [MAPPING]: mapping(FLOW[0], FLOW[1], '    transform: t/org.jsonata'),
      'mappings/ar/t/org.jsonata': '{"external_id": number}',
    });
    expect(lintRoot(root)).toEqual([]);
  });

  it('reports a fixture file that is a symbolic link to a file outside the mapping folder', () => {
    const root = tempProject({ [MAPPING]: mapping(...FLOW), 'outside.yaml': 'flow: orgs\nrecord: {}\n' });
    mkdirSync(join(root, 'mappings/ar/fixtures'));
    symlinkSync(join(root, 'outside.yaml'), join(root, 'mappings/ar/fixtures/case.yaml'));
    expect(lintRoot(root)).toEqual([
      d(
        'mappings/ar/fixtures/case.yaml',
        1,
        1,
        `fixture file resolves (after symbolic links) to a file outside the mapping's folder; keep transforms and fixtures inside mappings/<name>/`,
      ),
    ]);
  });

  it('reports a fixture naming a flow the mapping does not have, and a record that is not a mapping', () => {
    const root = tempProject({
      [MAPPING]: mapping(...FLOW),
      'mappings/ar/fixtures/case.yaml': lines('flow: orgz', 'record: [1]'),
    });
    expect(lintRoot(root)).toEqual([
      d('mappings/ar/fixtures/case.yaml', 1, 7, 'no flow "orgz" in this mapping (have: orgs)', 'flow'),
      d('mappings/ar/fixtures/case.yaml', 2, 9, '"record" must be a mapping', 'record'),
    ]);
  });
});

describe('item 14: binary garbage and other encodings', () => {
  it('quotes at most 80 characters of a 10 KB value, and escapes control characters', () => {
    const junk = `\u001b[31m${'Zq9'.repeat(3400)}`;
    const root = tempProject({
      [CONNECTOR]: lines(
        'name: acme',
        'base_url: https://x.test',
        'auth: { type: none }',
        `timeout: "${junk.replace('\u001b', '\\e')}"`,
      ),
    });
    const diags = lintRoot(root);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ file: CONNECTOR, line: 4, col: 10 });
    expect(diags[0].message.length).toBeLessThan(250);
    expect(diags[0].message).not.toContain('\u001b');
    expect(diags[0].message).toContain('\\u001b[31mZq9');
    const quoted = /"([^"]*)"/.exec(diags[0].message)![1];
    expect(quoted.length).toBeLessThanOrEqual(80);
    expect(diags[0].message).toMatch(/…" \(\d{5} characters\)$/);
  });

  it('rejects a non-UTF-8 connector with the byte offset and line of the first invalid byte', () => {
    const root = tempProject({});
    // "name: acme\nbase_url: https://x.test\nauth: { type: none }\ndescription: Caf" is 11 + 25 + 21 + 16 = 73 bytes, then Latin-1 é (0xE9).
    writeFileSync(
      join(root, CONNECTOR),
      Buffer.concat([
        Buffer.from('name: acme\nbase_url: https://x.test\nauth: { type: none }\ndescription: Caf'),
        Buffer.from([0xe9]),
        Buffer.from('\n'),
      ]),
    );
    expect(lintRoot(root)).toEqual([
      d(
        CONNECTOR,
        4,
        17,
        'this file is not UTF-8: the byte 0xE9 at byte offset 73 is not part of a valid UTF-8 character; save the file as UTF-8',
      ),
    ]);
  });

  it('rejects a non-UTF-8 transform file at the transform line', () => {
    const root = tempProject({ [MAPPING]: mapping(FLOW[0], FLOW[1], '    transform: org.jsonata') });
    writeFileSync(
      join(root, 'mappings/ar/org.jsonata'),
      Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x20, 0x22, 0xff, 0x22, 0x7d]),
    );
    expect(lintRoot(root)).toEqual([
      d(
        MAPPING,
        8,
        16,
        'transform file "org.jsonata" is not UTF-8: the byte 0xFF at byte offset 7 is not part of a valid UTF-8 character; save the file as UTF-8',
        'flows.orgs.transform',
      ),
    ]);
  });

  it('finds the first invalid byte: lone continuation, overlong, surrogate, truncated sequence, past U+10FFFF', () => {
    const at = (...b: number[]) => firstInvalidUtf8(Uint8Array.from(b));
    expect(at(0x61, 0xc3, 0xa9, 0x62)).toBe(4); // "aéb" is valid
    expect(at(0x61, 0x80)).toBe(1);
    expect(at(0xc0, 0xaf)).toBe(0);
    expect(at(0x61, 0xe0, 0x80, 0xaf)).toBe(1);
    expect(at(0xed, 0xa0, 0x80)).toBe(0);
    expect(at(0x61, 0x62, 0xe2, 0x82)).toBe(2);
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0);
    expect(at(0xf0, 0x9f, 0x98, 0x80)).toBe(4);
  });
});
