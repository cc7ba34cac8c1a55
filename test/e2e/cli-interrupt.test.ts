// Ctrl-C during a sync: what was done is printed, the run is recorded as interrupted at once
// (not left "running" until the next run), the exit status is 130, and the next run finishes the work.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MAPPING } from './helpers.js';
import { Project } from './cli-project.js';

let p: Project;
beforeAll(async () => {
  await ensureBuilt();
  p = new Project();
}, 240_000);
afterAll(() => {
  // Unassigned when beforeAll failed.
  (p as Project | undefined)?.remove();
});

describe('Ctrl-C during sync', () => {
  it('prints what was done, records the run as interrupted, exits 130; the next run completes', async () => {
    const state = join(p.dir, 'big', 'state.db');
    const args = ['sync', MAPPING, '--sandbox', '--size', '3000', '--state', state];
    const r = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((res, rej) => {
      const proc = p.spawn(args);
      let stdout = '';
      proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      proc.on('error', rej);
      proc.on('close', (code, signal) => {
        res({ code, signal, stdout });
      });
      // The state file appears when the run is recorded as started; interrupt while it reads.
      void (async () => {
        while (!existsSync(state)) await delay(20);
        await delay(300);
        proc.kill('SIGINT');
      })();
    });
    expect(r.signal).toBeNull();
    expect(r.code, r.stdout).toBe(130);
    const runId = /run (\S+) interrupted \(Ctrl-C\), recorded as interrupted/.exec(r.stdout)?.[1];
    expect(runId, r.stdout).toBeDefined();
    expect(r.stdout).toMatch(/read customers: \d+ records|nothing was read/);

    const runs = JSON.parse((await p.run(['runs', '--state', state, '--json'])).stdout) as {
      runs: { id: string; status: string; summary: { error?: string } }[];
    };
    const run = runs.runs.find((x) => x.id === runId)!;
    expect(run.status).toBe('interrupted');
    expect(run.summary.error).toContain('interrupted');
    // Nobody holds the lock any more, and the next run brings every organization in.
    expect(existsSync(`${state}.lock`)).toBe(false);
    const next = await p.run(['sync', MAPPING, '--sandbox', '--state', state, '--json']);
    expect(next.code, next.stderr).toBe(0);
    const after = JSON.parse((await p.run(['runs', '--state', state, '--json'])).stdout) as {
      runs: { status: string; summary: { flows: { created: number; updated: number }[] } }[];
    };
    expect(after.runs.map((x) => x.status)).toEqual(['ok', 'interrupted']);
  }, 180_000);
});
