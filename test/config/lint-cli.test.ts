// `mlc lint` as a user runs it: the compiled CLI in a project folder, its output and exit code.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lines, removeTempProjects, repoRoot, tempProject } from './helpers.js';
import { ensureBuilt } from '../e2e/helpers.js';

const MLC = join(repoRoot, 'bin', 'mlc.js');

beforeAll(() => ensureBuilt(), 200_000);

afterEach(removeTempProjects);

/** Runs `mlc lint ...args` in `cwd` with an environment free of the test's variables. */
function mlcLint(cwd: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.MLC_CLI_TEST_UNSET;
  const r = spawnSync(process.execPath, [MLC, 'lint', ...args], { cwd, env, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BAD_MAPPING = {
  'mappings/ar/mapping.yaml': lines(
    'name: ar',
    'source: { connector: visma }',
    'target: { connector: zendesk }',
    'flows:',
    '  orgs:',
    '    from: customerz', // line 6, col 11
    '    to: upsert_organizations',
    `    transform: '{"external_id": number}'`,
  ),
};
const BAD_MAPPING_LINE =
  'mappings/ar/mapping.yaml:6:11  error  connector "visma" has no stream "customerz"; did you mean "customers"?  (flows.orgs.from)';

/** A connections file whose only problem is a plain-text secret (a warning). */
const PLAIN_SECRET = {
  'connectors/acme.yaml': lines(
    'name: acme',
    'base_url: https://api.acme.test',
    'variables:',
    '  api_key: { required: true, secret: true }',
    'auth: { type: bearer, token: "{api_key}" }',
  ),
  'connections.yaml': lines(
    'connections:',
    '  acme:',
    '    connector: acme',
    '    values:',
    '      api_key: sk_live_4242', // line 5, col 16
  ),
};
const PLAIN_SECRET_LINE =
  'connections.yaml:5:16  warning  "api_key" is a secret written in plain text; use ${env:NAME} or ${store:NAME} (mlc credentials set)  (connections.acme.values.api_key)';

describe('mlc lint', () => {
  it('exits 2 on an error and prints file:line:col  severity  message  (path)', () => {
    const r = mlcLint(tempProject(BAD_MAPPING));
    expect(r.stdout.split('\n')).toEqual([BAD_MAPPING_LINE, '1 error(s), 0 warning(s)', '']);
    expect(r.status).toBe(2);
  });

  it('exits 2 for a single file given as a path, resolving its references in its project', () => {
    const r = mlcLint(tempProject(BAD_MAPPING), ['mappings/ar/mapping.yaml']);
    expect(r.stdout.split('\n')).toEqual([BAD_MAPPING_LINE, '1 error(s), 0 warning(s)', '']);
    expect(r.status).toBe(2);
  });

  it('exits 0 when there are only warnings', () => {
    const r = mlcLint(tempProject(PLAIN_SECRET));
    expect(r.stdout.split('\n')).toEqual([PLAIN_SECRET_LINE, '0 error(s), 1 warning(s)', '']);
    expect(r.status).toBe(0);
  });

  it('exits 2 with --strict when there is a warning', () => {
    const r = mlcLint(tempProject(PLAIN_SECRET), ['--strict']);
    expect(r.stdout.split('\n')).toEqual([PLAIN_SECRET_LINE, '0 error(s), 1 warning(s)', '']);
    expect(r.status).toBe(2);
  });

  it('checks the file given with --connections instead of connections.yaml', () => {
    const root = tempProject({
      'connectors/acme.yaml': PLAIN_SECRET['connectors/acme.yaml'],
      'prod/connections.prod.yaml': PLAIN_SECRET['connections.yaml'],
    });
    expect(mlcLint(root).stdout).toBe('0 error(s), 0 warning(s)\n');
    const r = mlcLint(root, ['--connections', 'prod/connections.prod.yaml', '--strict']);
    expect(r.stdout.split('\n')[0]).toBe(PLAIN_SECRET_LINE.replace('connections.yaml:', 'prod/connections.prod.yaml:'));
    expect(r.status).toBe(2);
  });

  it('prints a JSON array of diagnostics with --format json', () => {
    const root = tempProject({ ...BAD_MAPPING, ...PLAIN_SECRET });
    const r = mlcLint(root, ['--format', 'json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        file: 'connections.yaml',
        line: 5,
        col: 16,
        severity: 'warning',
        message: '"api_key" is a secret written in plain text; use ${env:NAME} or ${store:NAME} (mlc credentials set)',
        path: 'connections.acme.values.api_key',
      },
      {
        file: 'mappings/ar/mapping.yaml',
        line: 6,
        col: 11,
        severity: 'error',
        message: 'connector "visma" has no stream "customerz"; did you mean "customers"?',
        path: 'flows.orgs.from',
      },
    ]);
  });

  it('prints an empty JSON array and exits 0 for a clean project', () => {
    const r = mlcLint(tempProject({}), ['--format', 'json']);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('exits 2 for a path that does not exist', () => {
    const r = mlcLint(tempProject({}), ['connectors/nope.yaml']);
    expect(r.stdout.split('\n')).toEqual([
      'connectors/nope.yaml:1:1  error  no such file or folder',
      '1 error(s), 0 warning(s)',
      '',
    ]);
    expect(r.status).toBe(2);
  });

  it('exits 0 with "0 error(s)" on the repo: every shipped config lints clean', () => {
    const r = mlcLint(repoRoot);
    // On failure, the message shows what the shipped files got.
    expect({ status: r.status, summary: r.stdout.trim().split('\n').at(-1), stdout: r.stdout }).toMatchObject({
      status: 0,
      summary: expect.stringMatching(/^0 error\(s\), \d+ warning\(s\)$/),
    });
    expect(r.stdout).toContain('0 error(s)');
  });
});
