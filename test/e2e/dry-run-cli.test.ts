// Issue 12, sections 4-5: mlc dry-run --limit with fixtures, no run id that audit does not know,
// --live --sandbox under the sandbox's lock, and against no sandbox yet without creating one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../engine/store/lock.js';
import { ensureBuilt, ROOT } from './helpers.js';
import { copyProject } from './temp-project.js';

let root: string;

function mlc(...args: string[]): { code: number | null; out: string; stdout: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mlc.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

beforeAll(async () => {
  await ensureBuilt();
  root = copyProject();
}, 240_000);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('mlc dry-run', () => {
  it('--limit applies to fixture cases', () => {
    const r = mlc('dry-run', 'visma-zendesk', '--limit', '2');
    expect(r.code, r.out).toBe(0);
    expect(r.stdout.match(/^# /gm)).toHaveLength(2);
    // Eight cases: six of the organization transform, two of the on_delete mark.
    expect(r.stdout).toContain('organizations: 6 more case(s) (--limit N shows more)');
    const json = mlc('dry-run', 'visma-zendesk', '--limit', '1', '--json');
    expect(JSON.parse(json.stdout)).toHaveLength(1);
  });

  it('--live --sandbox with no sandbox yet compares with an empty state and leaves no sandbox behind', () => {
    const r = mlc('dry-run', 'visma-zendesk', '--live', '--sandbox', '--limit', '0');
    expect(r.code, r.out).toBe(0);
    expect(r.stdout).toContain('no sandbox in .mlc/sandbox/ yet');
    expect(r.stdout).toMatch(/organizations +\d+ +200 +200 +0 /);
    // A dry run records nothing, so it names no run for mlc audit.
    expect(r.stdout).not.toMatch(/\brun \d{8}T/);
    const json = mlc('dry-run', 'visma-zendesk', '--live', '--sandbox', '--json');
    expect(JSON.parse(json.stdout)).not.toHaveProperty('runId');
    expect(existsSync(join(root, '.mlc', 'sandbox')) ? readdirSync(join(root, '.mlc', 'sandbox')) : []).toEqual([]);
  });

  it('--live --sandbox is refused while another process holds the sandbox', () => {
    const dir = join(root, '.mlc', 'sandbox');
    mkdirSync(dir, { recursive: true });
    const release = acquireLock(join(dir, 'state.db.lock'));
    try {
      const r = mlc('dry-run', 'visma-zendesk', '--live', '--sandbox');
      expect(r.code, r.out).toBe(3);
      expect(r.out).toContain('another mlc process');
    } finally {
      release();
    }
  });

  it('--sandbox without --live is a usage error', () => {
    const r = mlc('dry-run', 'visma-zendesk', '--sandbox');
    expect(r.code, r.out).toBe(2);
  });
});
