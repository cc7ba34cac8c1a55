// The sandbox wherever the mapping author works: sync, runs, audit, replay and ping with
// --sandbox; sandbox start's checks and connections; what a continued sandbox tells its user.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MAPPING } from './helpers.js';
import { Project } from './cli-project.js';

const projects: Project[] = [];
const project = () => {
  const p = new Project();
  projects.push(p);
  return p;
};

beforeAll(() => ensureBuilt(), 240_000);
afterAll(() => {
  for (const p of projects) p.remove();
});

const runIdOf = (stdout: string) => /run (\d{8}T\d{6}-[0-9a-f]{6})/.exec(stdout)?.[1];

describe('sync --sandbox, then runs, audit and replay --sandbox', () => {
  it('runs and audit --sandbox read the state sync --sandbox left (not "no runs yet")', async () => {
    const p = project();
    const sync = await p.run(['sync', MAPPING, '--sandbox', '--size', '10']);
    expect(sync.code, sync.stderr).toBe(0);
    const runId = runIdOf(sync.stdout)!;
    const runs = await p.run(['runs', '--sandbox']);
    expect(runs.code).toBe(0);
    expect(runs.stdout).not.toContain('no runs yet');
    expect(runs.stdout).toContain(runId);
    const audit = await p.run(['audit', runId, '--sandbox', '--json']);
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.stdout) as unknown[]).length).toBe(10);
    // Without --sandbox the project's own state is meant, which has no runs.
    expect((await p.run(['runs'])).stdout).toContain('no runs yet');
  }, 120_000);

  it('a continued sandbox names its changes in words and shows organizations this run wrote', async () => {
    const p = project();
    expect((await p.run(['sync', MAPPING, '--sandbox', '--size', '20'])).code).toBe(0);
    const second = await p.run(['sync', MAPPING, '--sandbox', '--size', '20']);
    expect(second.code, second.stderr).toBe(0);
    const note = second.stdout.split('\n').find((l) => l.includes('changed in Visma since the last run'))!;
    expect(note).toMatch(/customers? edited/);
    expect(note).not.toMatch(/createdInvoices|paidInvoices|[a-z][A-Z]/);
    const written = (
      JSON.parse((await p.run(['audit', runIdOf(second.stdout)!, '--sandbox', '--json'])).stdout) as {
        key: string;
        action: string;
      }[]
    )
      .filter((a) => a.action === 'created' || a.action === 'updated')
      .map((a) => a.key);
    const shown = [...second.stdout.matchAll(/\(external_id (\d+)\)/g)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThan(0);
    for (const id of shown) expect(written).toContain(id);
  }, 120_000);

  it('--size on an existing sandbox says it is reused and how to start fresh; --fresh starts over', async () => {
    const p = project();
    expect((await p.run(['sync', MAPPING, '--sandbox', '--size', '10'])).code).toBe(0);
    const reused = await p.run(['sync', MAPPING, '--sandbox', '--size', '15']);
    expect(reused.code).toBe(0);
    expect(reused.stdout).toMatch(/reused the existing sandbox .*10 customers.*--fresh/);
    const fresh = await p.run(['sync', MAPPING, '--sandbox', '--size', '15', '--fresh', '--json']);
    expect(fresh.code, fresh.stderr).toBe(0);
    const r = JSON.parse(fresh.stdout) as { flows: { read: number; created: number }[]; sandbox: { notes: string[] } };
    expect(r.flows[0].created).toBe(15);
    expect(r.sandbox.notes.join(' ')).toContain('starting fresh');
    // Only the fresh run's history is left.
    const runs = JSON.parse((await p.run(['runs', '--sandbox', '--json'])).stdout) as { runs: unknown[] };
    expect(runs.runs).toHaveLength(1);
  }, 120_000);

  it('sync --flow nosuch --sandbox exits 2 before the sandbox is changed or examples printed', async () => {
    const p = project();
    expect((await p.run(['sync', MAPPING, '--sandbox', '--size', '10'])).code).toBe(0);
    const data = join(p.dir, '.mlc', 'sandbox', 'data.json');
    const before = readFileSync(data);
    const r = await p.run(['sync', MAPPING, '--sandbox', '--flow', 'nosuch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no flow "nosuch"');
    expect(r.stdout).toBe('');
    expect(readFileSync(data).equals(before)).toBe(true);
  }, 120_000);

  it('replay --sandbox replays against the sandbox; without one it is a usage error', async () => {
    const p = project();
    const none = await p.run(['replay', MAPPING, '--sandbox', '--all-failed']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('sync visma-zendesk --sandbox');
    expect(existsSync(join(p.dir, '.mlc', 'sandbox', 'data.json'))).toBe(false);
    expect((await p.run(['sync', MAPPING, '--sandbox', '--size', '10'])).code).toBe(0);
    const r = await p.run(['replay', MAPPING, '--sandbox', '--all-failed']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^replay \(sandbox\) visma-zendesk {2}run \S+ {2}ok/m);
    // A replay does not invent source changes the way a continued sync does.
    expect(r.stdout).not.toContain('changed in Visma');
  }, 120_000);
});

describe('ping --sandbox', () => {
  it('pings a simulated system without connections or state; an unknown one is a usage error', async () => {
    const p = project();
    const ok = await p.run(['ping', 'zendesk', '--sandbox']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ok {2}zendesk/);
    const unknown = await p.run(['ping', 'quickbooks', '--sandbox']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('visma, zendesk');
  }, 60_000);
});

describe('sandbox start', () => {
  it('rejects unknown systems (naming the known ones) and sizes or seeds that are not numbers', async () => {
    const p = project();
    // A start that is not refused runs until stopped: bounded here, so older code fails instead of hanging.
    const sys = await p.run(['sandbox', 'start', '--systems', 'quickbooks,zendesk'], { timeoutMs: 15_000 });
    expect(sys.code).toBe(2);
    expect(sys.stderr).toContain('quickbooks');
    expect(sys.stderr).toContain('visma, zendesk');
    expect(sys.stdout).not.toContain('Simulators running');
    for (const bad of [
      ['--size', 'abc'],
      ['--size', '0'],
      ['--seed', 'x'],
    ]) {
      const r = await p.run(['sandbox', 'start', ...bad], { timeoutMs: 15_000 });
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stdout).not.toContain('Simulators running');
    }
    const sync = await p.run(['sync', MAPPING, '--sandbox', '--size', 'abc']);
    expect(sync.code).toBe(2);
    expect(existsSync(join(p.dir, '.mlc'))).toBe(false);
  }, 60_000);

  it('the connections it prints work from a second state file (a refresh in the first does not lock the second out)', async () => {
    const p = project();
    let yaml = '';
    let stop: () => Promise<void> = async () => {};
    const ready = new Promise<void>((resolve) => {
      const proc = p.spawn(['sandbox', 'start', '--systems', 'zendesk', '--size', '5']);
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Inspect them')) {
          yaml = out.slice(out.indexOf('connections:'), out.indexOf('\nInspect them'));
          resolve();
        }
      });
      stop = () =>
        new Promise((res) => {
          proc.once('close', () => {
            res();
          });
          proc.kill('SIGINT');
        });
    });
    await ready;
    try {
      const file = join(p.dir, 'sandbox-connections.yaml');
      writeFileSync(file, yaml);
      for (const s of ['a', 'b']) mkdirSync(join(p.dir, s));
      const first = await p.run(['ping', 'zendesk', '--connections', file, '--state', join(p.dir, 'a', 'state.db')]);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      const second = await p.run(['ping', 'zendesk', '--connections', file, '--state', join(p.dir, 'b', 'state.db')]);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      const again = await p.run(['ping', 'zendesk', '--connections', file, '--state', join(p.dir, 'a', 'state.db')]);
      expect(again.code, again.stdout + again.stderr).toBe(0);
    } finally {
      await stop();
    }
  }, 60_000);
});
