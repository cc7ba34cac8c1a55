/**
 * CLI tests that need their own project folder: `mlc` run with a temporary cwd holding the
 * repository's connectors and mappings, so `.mlc/` (the sandbox's default state) is the test's own.
 * MLC_TEST_CLI points at another build's bin/mlc.js (to see a test fail on older code).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

export const CLI_PATH = process.env.MLC_TEST_CLI ?? join(ROOT, 'bin', 'mlc.js');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class Project {
  readonly dir: string;
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'mlc-cli-'));
    symlinkSync(join(ROOT, 'connectors'), join(this.dir, 'connectors'));
    cpSync(join(ROOT, 'mappings'), join(this.dir, 'mappings'), { recursive: true });
  }

  spawn(args: string[], env: Record<string, string> = {}): ChildProcess {
    return spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: this.dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  run(
    args: string[],
    o: { env?: Record<string, string>; onStdout?: (all: string, p: ChildProcess) => void; timeoutMs?: number } = {},
  ): Promise<Run> {
    return new Promise((res, rej) => {
      const p = this.spawn(args, o.env);
      let stdout = '';
      let stderr = '';
      p.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        o.onStdout?.(stdout, p);
      });
      p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const t = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 90_000);
      p.on('error', rej);
      p.on('close', (code, signal) => {
        clearTimeout(t);
        res({ code, signal, stdout, stderr });
      });
    });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
