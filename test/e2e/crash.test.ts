import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../engine/store/state.js';
import { compareAll, customerNumbers, ensureBuilt, MAPPING, prng, runCli, setup, type E2E } from './helpers.js';

/**
 * `mlc sync` as a child process, SIGKILLed at seeded random moments while the simulators (in this
 * process) keep running and Visma keeps changing, then run to completion. The CLI runs on the real
 * clock, so the simulators do too and expected values are computed at the end.
 */
describe('crash safety of mlc sync (SIGKILL at random moments)', () => {
  let e: E2E;
  const SIZE = 150;

  beforeAll(async () => {
    await ensureBuilt();
    // Zendesk runs a bulk job even if the process that submitted it is dead (as the real one does).
    e = await setup({ size: SIZE, seed: 41, knobs: { zendesk: { rateLimitEnabled: false, jobCompleteAfterMs: 0 } } });
    e.visma.setFaults({ latencyMs: 40 });
    e.zendesk.setFaults({ latencyMs: 40 });
  }, 200_000);
  // Unassigned when beforeAll failed.
  afterAll(() => (e as E2E | undefined)?.stop());

  it('ends with one correct organization per customer, a loadable state and working history after ≥ 10 kills', async () => {
    const args = ['sync', MAPPING, '--connections', e.connectionsFile(), '--state', e.statePath];
    const rnd = prng(20261121);
    const history: string[] = [];
    let kills = 0;
    let attempts = 0;
    // Kill moments are drawn within how long a run takes (the last one that ended on its own), so
    // they keep landing inside runs however fast the engine gets.
    let runMs = 2500;
    while (kills < 12 && attempts < 40) {
      attempts++;
      // Keep Visma changing between attempts, so later runs have work to be killed in.
      if (attempts > 1) e.visma.mutate({ customers: 4, invoices: 4, payInvoices: 2 });
      // Odd attempts: a moment anywhere in the run (process start, read, provision, look up).
      // Even attempts: a moment after the run's first bulk write reached Zendesk (jobs submitted,
      // polled, results recorded, checkpoints), where a kill does the most harm.
      const fromWrite = attempts % 2 === 0;
      const at = Math.round(fromWrite ? rnd() * runMs * 0.4 : 150 + rnd() * (runMs - 150));
      const mark = e.zendesk.stats().total;
      const wrote = () => {
        const st = e.zendesk.stats();
        return st.total > mark && st.log.slice(mark - st.total).some((l) => /\/(create|update)_many$/.test(l.path));
      };
      const r = await runCli(args, { killAfterMs: at, killWhen: fromWrite ? wrote : undefined });
      history.push(
        `#${attempts} kill@${at}ms${fromWrite ? ' after the first write' : ''} -> ${r.killed ? 'killed' : `exit ${r.code}`} after ${r.ms}ms, ${e.zendesk.organizationCount()} orgs, ${e.zendesk.jobStatuses().length} jobs ${r.stderr.trim().slice(0, 200)} ${r.killed ? '' : r.stdout.trim().slice(-300)}`,
      );
      if (r.killed) kills++;
      else {
        // A run that got to the end on its own must have ended well.
        expect(r.code, history.join('\n')).toBe(0);
        runMs = Math.max(400, r.ms);
      }
      // Whatever moment the kill hit, the state file on disk is a valid database.
      if (existsSync(e.statePath)) (await StateStore.open(e.statePath, { lock: false })).abandon();
    }
    expect(kills, history.join('\n')).toBeGreaterThanOrEqual(10);

    const final = await runCli([...args, '--json'], { timeoutMs: 120_000 });
    expect(final.code, `${final.stdout}\n${final.stderr}\n${history.join('\n')}`).toBe(0);
    const result = JSON.parse(final.stdout) as { status: string };
    expect(result.status).toBe('ok');

    const c = compareAll(e.visma, e.zendesk, new Date());
    const story = history.join('\n');
    expect(c.duplicates, story).toEqual([]);
    expect(c.missing, story).toEqual([]);
    expect(c.extra, story).toEqual([]);
    expect(c.organizations, story).toBe(SIZE);
    expect(e.zendesk.organizationCount(), story).toBe(SIZE);
    expect(c.problems, story).toEqual([]);

    // The state knows every organization by its real Zendesk id, and nothing is left failed or pending.
    const s = await StateStore.open(e.statePath, { lock: false });
    try {
      const targets = s.all<{ key: string; target_id: string }>(
        "SELECT key, target_id FROM targets WHERE mapping = ? AND flow = 'organizations' ORDER BY key",
        [MAPPING],
      );
      expect(targets.map((t) => t.key).sort(), story).toEqual(customerNumbers(e.visma));
      for (const t of targets) expect(t.target_id, t.key).toBe(String(e.zendesk.findOrganization(t.key)!.id));
      expect(s.all('SELECT * FROM failures'), story).toEqual([]);
      expect(s.all('SELECT * FROM pending'), story).toEqual([]);
      // Every write a kill left unconfirmed was settled (read back from its job, or written again).
      expect(s.all('SELECT batch, job_id, doubtful FROM write_doubts'), story).toEqual([]);
      expect(s.all<{ n: number }>('SELECT count(*) AS n FROM runs')[0].n).toBeGreaterThanOrEqual(attempts - kills + 1);
    } finally {
      s.abandon();
    }

    const runs = await runCli(['runs', MAPPING, '--state', e.statePath]);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout).toContain('visma-zendesk  ok');
    const runsJson = await runCli(['runs', MAPPING, '--state', e.statePath, '--json']);
    expect(runsJson.code).toBe(0);
    const parsed = JSON.parse(runsJson.stdout) as { runs: { status: string }[]; failures: unknown[] };
    expect(parsed.runs[0].status).toBe('ok');
    expect(parsed.failures).toEqual([]);
  }, 240_000);
});
