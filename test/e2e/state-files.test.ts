// Damaged state on disk, end to end: a changed, truncated or garbled value log is caught and its
// records re-read from the source (nothing damaged reaches Zendesk), a damaged state.db is refused
// with its name, a kept copy and a remedy, `mlc state check` reports both, and `sync --sandbox`
// takes the lock before it touches any file.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compareAll, DAY_MS, ensureBuilt, FIXED_NOW, MAPPING, ROOT, runCli, setup, type E2E } from './helpers.js';

let e: E2E | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await e?.stop();
  e = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
beforeAll(ensureBuilt, 240_000);

const logOf = (dir: string) =>
  join(
    dir,
    readdirSync(dir).find((f) => /^state\.db\.values\.\d+$/.test(f))!,
  );
const later = () => new Date(FIXED_NOW.getTime() + 2 * DAY_MS);

/** Changes one digit of every stored credit limit: same length, still valid JSON, wrong values. */
function editCreditLimits(log: string): number {
  const text = readFileSync(log).toString('latin1');
  let n = 0;
  const edited = text.replace(/"creditLimit":(\d)/g, (_m, d: string) => {
    n++;
    return `"creditLimit":${(Number(d) + 1) % 10}`;
  });
  writeFileSync(log, Buffer.from(edited, 'latin1'));
  return n;
}

describe('a damaged value log', () => {
  it('a same-length edit fails the checksums: the records are re-read from the source, the summary says so, Zendesk gets the source values', async () => {
    e = await setup({ size: 40, seed: 11, clock: () => FIXED_NOW });
    expect((await e.sync()).status).toBe('ok');
    expect(editCreditLimits(logOf(e.dir))).toBeGreaterThan(10);
    // Two days on, customers with open invoices are re-mapped (their aging moved): from the mirror.
    const r = await e.sync({ clock: later });
    expect(r.status).toBe('ok');
    const c = compareAll(e.visma, e.zendesk, later());
    expect(c.problems).toEqual([]);
    expect(c.missing).toEqual([]);
    expect(r.stateNotes?.join('\n')).toMatch(
      /stored source record\(s\) in .* could not be trusted \(does not match its checksum.*read again in full from the source: visma\/customers: \d+/,
    );
  }, 120_000);

  it('a truncated log and garbage in it never brick the state: --full (and a plain run) re-read what was lost; state check finds it first', async () => {
    e = await setup({ size: 30, seed: 12, clock: () => FIXED_NOW });
    expect((await e.sync()).status).toBe('ok');
    const log = logOf(e.dir);
    truncateSync(log, Math.floor(statSync(log).size * 0.6));
    const check = await runCli(['state', 'check', '--state', e.statePath]);
    expect(check.code, check.stderr).toBe(1);
    expect(check.stdout).toMatch(
      /damaged .*stored source records are damaged \(lies beyond the end of the log .*the log was truncated\)/,
    );
    const r = await e.sync({ full: true, clock: later });
    expect(r.status, r.error).toBe('ok');
    expect(r.stateNotes?.join('\n')).toMatch(/the log was truncated/);
    expect(compareAll(e.visma, e.zendesk, later()).problems).toEqual([]);

    // Garbage over the middle of the log: a plain (delta) run.
    const bytes = readFileSync(logOf(e.dir));
    bytes.fill(0x5a, Math.floor(bytes.length / 3), Math.floor(bytes.length / 3) + 4000);
    writeFileSync(logOf(e.dir), bytes);
    const again = await e.sync({ clock: () => new Date(later().getTime() + 2 * DAY_MS) });
    expect(again.status, again.error).toBe('ok');
    expect(again.stateNotes?.join('\n')).toMatch(/does not match its checksum/);
    expect(compareAll(e.visma, e.zendesk, new Date(later().getTime() + 2 * DAY_MS)).problems).toEqual([]);
    const ok = await runCli(['state', 'check', '--state', e.statePath]);
    expect(ok.stdout + ok.stderr).not.toMatch(/damaged/);
    expect(ok.code).toBe(0);
  }, 120_000);
});

describe('a damaged state.db', () => {
  it('is refused with the file, a kept copy and what to do; a 0-byte one is never taken for a new state; state check exits 1', async () => {
    e = await setup({ size: 10, seed: 13 });
    expect((await e.sync()).status).toBe('ok');
    const conn = e.connectionsFile();
    const good = readFileSync(e.statePath);
    const bad = Buffer.from(good);
    bad.fill(0x41, Math.floor(bad.length / 2), Math.floor(bad.length / 2) + 8192);
    writeFileSync(e.statePath, bad);
    const r = await runCli(['sync', MAPPING, '--connections', conn, '--state', e.statePath]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`state file ${e.statePath} is damaged`);
    expect(r.stderr).toMatch(
      /A copy is kept as .*state\.db\.damaged-\d{8}T\d{6}Z\. Restore .* from a backup, or delete .* to start a fresh state/,
    );
    const copies = readdirSync(e.dir).filter((f) => f.startsWith('state.db.damaged-'));
    expect(copies).toHaveLength(1);
    expect(readFileSync(join(e.dir, copies[0])).equals(bad)).toBe(true);
    expect(readFileSync(e.statePath).equals(bad)).toBe(true);
    const check = await runCli(['state', 'check', '--state', e.statePath]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`${e.statePath} is damaged`);

    writeFileSync(e.statePath, '');
    const empty = await runCli(['sync', MAPPING, '--connections', conn, '--state', e.statePath]);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/is damaged: it is empty \(0 bytes\)/);
    expect(statSync(e.statePath).size).toBe(0);
    expect(e.zendesk.organizations().length).toBeGreaterThan(0);

    writeFileSync(e.statePath, good);
    const fine = await runCli(['state', 'check', '--state', e.statePath]);
    expect(fine.code, fine.stdout).toBe(0);
    expect(fine.stdout).toMatch(/ok {2}.*database ok/);
  }, 120_000);
});

describe('sync --sandbox and the state lock', () => {
  function holdLock(lockFile: string): Promise<ChildProcess> {
    // A second process holds the lock the way a running sync does.
    const p = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { acquireLock } = await import(${JSON.stringify(join(ROOT, 'dist', 'engine', 'store', 'lock.js'))}); acquireLock(${JSON.stringify(lockFile)}); console.log('held'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return new Promise((res, rej) => {
      p.stdout.once('data', () => {
        res(p);
      });
      p.once('exit', (code) => {
        rej(new Error(`lock holder exited ${code}`));
      });
    });
  }

  it('a refused second process touches neither the state nor the simulated data; sandbox files are 0600 in 0700 folders', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlc-sbx-'));
    dirs.push(root);
    const state = join(root, '.mlc', 'sandbox', 'state.db');
    const first = await runCli(['sync', MAPPING, '--sandbox', '--size', '10', '--state', state]);
    expect(first.code, first.stderr).toBe(0);
    const data = join(root, '.mlc', 'sandbox', 'data.json');
    expect(existsSync(data)).toBe(true);
    for (const d of [join(root, '.mlc'), join(root, '.mlc', 'sandbox')])
      expect((statSync(d).mode & 0o777).toString(8), d).toBe('700');
    for (const f of readdirSync(join(root, '.mlc', 'sandbox')))
      expect((statSync(join(root, '.mlc', 'sandbox', f)).mode & 0o777).toString(8), f).toBe('600');

    const holder = await holdLock(`${state}.lock`);
    try {
      const stateBefore = readFileSync(state);
      const dataBefore = readFileSync(data);
      const refused = await runCli(['sync', MAPPING, '--sandbox', '--size', '10', '--state', state]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/another mlc process \(pid \d+/);
      expect(readFileSync(state).equals(stateBefore)).toBe(true);
      expect(readFileSync(data).equals(dataBefore)).toBe(true);
      // While a first run has not yet saved its data, the state must not be reset under it either.
      rmSync(data);
      const again = await runCli(['sync', MAPPING, '--sandbox', '--size', '10', '--state', state]);
      expect(again.code).toBe(3);
      expect(existsSync(state)).toBe(true);
      expect(existsSync(data)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
      await delay(100);
    }
  }, 120_000);
});
