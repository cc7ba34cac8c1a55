import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MAPPING, ROOT, runCli } from './helpers.js';

const fixturesDir = join(ROOT, 'mappings', MAPPING, 'fixtures');
const hasFixtures = existsSync(fixturesDir) && readdirSync(fixturesDir).some((f) => /\.ya?ml$/.test(f));

describe('the repository passes its own checks (CLI)', () => {
  beforeAll(() => ensureBuilt(), 200_000);

  it('mlc lint exits 0 with no errors', async () => {
    const r = await runCli(['lint']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^0 error\(s\)/m);
  }, 60_000);

  it('mlc lint --format json reports no error diagnostics', async () => {
    const r = await runCli(['lint', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const diags = JSON.parse(r.stdout) as { severity: string }[];
    expect(diags.filter((d) => d.severity === 'error')).toEqual([]);
  }, 60_000);

  it.skipIf(!hasFixtures)(
    `mlc test ${MAPPING} passes every fixture case`,
    async () => {
      const r = await runCli(['test', MAPPING]);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/\d+ passed, 0 failed/);
      const cases = readdirSync(fixturesDir).filter((f) => /\.ya?ml$/.test(f)).length;
      expect(Number(/(\d+) passed/.exec(r.stdout)?.[1])).toBeGreaterThanOrEqual(cases);
    },
    60_000,
  );
});
