import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildConfig, ChildResult } from './protocol.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'sync-child.js');

export interface SpawnOptions {
  /** Extra node flags (--cpu-prof ...) */
  nodeArgs?: string[];
  timeoutMs?: number;
  /** Where config and result files go */
  workDir: string;
  label: string;
  /** SIGKILL the child `afterMs` after `when()` first holds (checked every 10 ms): a crash at a chosen moment */
  kill?: { when: () => boolean; afterMs: number };
}

/**
 * Runs one measured child (dist/bench/sync-child.js) asynchronously, so this process keeps serving
 * the simulators while the child syncs against them.
 */
export async function runChild(
  cfg: Omit<ChildConfig, 'resultPath'>,
  o: SpawnOptions,
): Promise<ChildResult & { exitCode: number | null; spawnMs: number; killed?: boolean }> {
  mkdirSync(o.workDir, { recursive: true });
  const resultPath = join(o.workDir, `${o.label}.result.json`);
  const configPath = join(o.workDir, `${o.label}.config.json`);
  rmSync(resultPath, { force: true });
  writeFileSync(configPath, JSON.stringify({ ...cfg, resultPath }));
  const started = performance.now();
  // Set by a timer: `as boolean` keeps the read after the await from being narrowed to false.
  let killed = false as boolean;
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), CHILD, configPath], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const timers: NodeJS.Timeout[] = [];
    if (o.timeoutMs) timers.push(setTimeout(() => child.kill('SIGKILL'), o.timeoutMs));
    if (o.kill) {
      const { when, afterMs } = o.kill;
      const watch = setInterval(() => {
        if (!when()) return;
        clearInterval(watch);
        timers.push(
          setTimeout(() => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            killed = true;
            child.kill('SIGKILL');
          }, afterMs),
        );
      }, 10);
      timers.push(watch);
    }
    child.on('exit', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve(code ?? (signal ? -1 : null));
    });
  });
  const spawnMs = performance.now() - started;
  if (!existsSync(resultPath)) {
    return {
      mode: cfg.mode,
      ok: false,
      error: killed
        ? 'killed (SIGKILL) on purpose'
        : `child exited with ${exitCode} and no result (killed, timed out or out of memory)`,
      wallMs: spawnMs,
      startEpochMs: 0,
      endEpochMs: 0,
      bootMs: 0,
      cpu: { userMs: 0, systemMs: 0 },
      memory: { maxRssMB: 0, vmHwmMB: null, sampledPeakMB: { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 } },
      exitCode,
      spawnMs,
      killed,
    };
  }
  return { ...(JSON.parse(readFileSync(resultPath, 'utf8')) as ChildResult), exitCode, spawnMs, killed };
}
