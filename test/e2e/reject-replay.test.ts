import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRow } from '../../engine/store/history.js';
import { manualClock } from '../../sandbox/index.js';
import { compareAll, ensureBuilt, FIXED_NOW, MAPPING, runCli, setup, type E2E } from './helpers.js';

let e: E2E | undefined;
beforeAll(() => ensureBuilt(), 200_000);
afterEach(async () => {
  await e?.stop();
  e = undefined;
});

const SIZE = 60;

describe('a record Zendesk rejects (422), the failure queue and replay', () => {
  it('a name held by a hand-made Zendesk organization: failed_records, queued with its reason, replayed once fixed (CLI)', async () => {
    // The CLI runs on the real clock: so do the simulators here.
    e = await setup({ size: SIZE, seed: 51 });
    const victim = e.visma.customers()[17];
    const key = String(victim.number);
    const name = String(victim.name).trim();
    const manual = e.zendesk.orgStore.create({ name, notes: 'made by hand in Zendesk' }, Date.now());
    expect(manual.ok).toBe(true);
    const state = ['--state', e.statePath];
    const conn = ['--connections', e.connectionsFile()];

    const sync = await runCli(['sync', MAPPING, ...conn, ...state, '--json']);
    expect(sync.code, sync.stderr).toBe(1);
    const r = JSON.parse(sync.stdout) as {
      status: string;
      flows: { created: number; failed: number; failures: { key: string; reason: string }[] }[];
    };
    expect(r.status).toBe('failed_records');
    expect(r.flows[0]).toMatchObject({ created: SIZE - 1, failed: 1 });
    expect(r.flows[0].failures.map((f) => f.key)).toEqual([key]);

    // The failure queue holds the record with a reason that names the problem.
    const queued = await e.failures();
    expect(queued.map((f) => f.key)).toEqual([key]);
    expect(queued[0].reason).toMatch(/name/i);
    expect(queued[0].reason).toContain('already been taken');
    expect(queued[0].reason).toContain(name);

    // Every other customer was written, right.
    let c = compareAll(e.visma, e.zendesk, new Date());
    expect(c.missing).toEqual([key]);
    expect(c.problems).toEqual([]);
    expect(c.organizations).toBe(SIZE - 1);

    const runs = await runCli(['runs', MAPPING, ...state]);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout).toContain('failed_records');
    expect(runs.stdout).toMatch(/1 record\(s\) in the failure queue/);
    expect(runs.stdout).toContain(key);
    expect(runs.stdout).toContain('already been taken');

    // Fix the cause in Zendesk, then replay what failed.
    const held = manual.ok ? manual.org : undefined;
    expect(e.zendesk.orgStore.update(held!, { name: `${name} (manual)` }, Date.now()).ok).toBe(true);
    const replay = await runCli(['replay', MAPPING, '--all-failed', ...conn, ...state, '--json']);
    expect(replay.code, `${replay.stdout}\n${replay.stderr}`).toBe(0);
    const rr = JSON.parse(replay.stdout) as {
      status: string;
      flows: { created: number; updated: number; failed: number }[];
    };
    expect(rr.status).toBe('ok');
    expect(rr.flows[0]).toMatchObject({ created: 1, updated: 0, failed: 0 });
    expect(await e.failures()).toEqual([]);
    c = compareAll(e.visma, e.zendesk, new Date());
    expect(c.missing).toEqual([]);
    expect(c.duplicates).toEqual([]);
    expect(c.problems).toEqual([]);
    expect(e.zendesk.organizationCount()).toBe(SIZE + 1);

    const audit = await runCli(['audit', key, ...state]);
    expect(audit.code, audit.stderr).toBe(0);
    const lines = audit.stdout.trim().split('\n');
    expect(lines.some((l) => l.includes(' failed') && l.includes('already been taken'))).toBe(true);
    expect(
      lines.some((l) => l.includes(' created') && l.includes(`target ${String(e!.zendesk.findOrganization(key)!.id)}`)),
    ).toBe(true);
    const rows = JSON.parse((await runCli(['audit', key, ...state, '--json'])).stdout) as AuditRow[];
    expect([...rows].sort((a, b) => a.id - b.id).map((a) => a.action)).toEqual(['failed', 'created']);
    const runsAfter = await runCli(['runs', MAPPING, ...state]);
    expect(runsAfter.stdout).not.toContain('failure queue');
  }, 120_000);

  /** Customer `renamed` takes the name of customer `holder`, so Zendesk refuses the update. */
  async function duplicateNameInVisma() {
    // Each Visma change gets its own lastModifiedDateTime (the connector's record version).
    const clock = manualClock(FIXED_NOW);
    e = await setup({ size: SIZE, seed: 52, clock: clock.now });
    const first = await e.sync();
    expect(first.status, first.error).toBe('ok');
    const [renamed, holder] = [e.visma.customers()[5], e.visma.customers()[9]];
    const key = String(renamed.number);
    clock.advance(60_000);
    e.visma.patchCustomer(key, { name: String(holder.name) });
    const r = await e.sync();
    expect(r.status).toBe('failed_records');
    expect(r.flows[0]).toMatchObject({ updated: 0, failed: 1 });
    const queued = await e.failures();
    expect(queued.map((f) => f.key)).toEqual([key]);
    expect(queued[0].reason).toContain('already been taken');
    expect(e.zendesk.findOrganization(key)!.name).toBe(String(renamed.name).trim());
    // The ERP user fixes the customer: a name of its own.
    const fixed = `${String(renamed.name).trim()} Nord`;
    clock.advance(60_000);
    e.visma.patchCustomer(key, { name: fixed });
    return { key, fixed };
  }

  it('a duplicate name made in Visma, fixed in Visma: the next sync writes it and empties the queue', async () => {
    const { key, fixed } = await duplicateNameInVisma();
    const r = await e!.sync();
    expect(r.status, r.error).toBe('ok');
    expect(r.flows[0]).toMatchObject({ updated: 1, failed: 0 });
    expect(e!.zendesk.findOrganization(key)!.name).toBe(fixed);
    expect(await e!.failures()).toEqual([]);
    expect(compareAll(e!.visma, e!.zendesk, FIXED_NOW).problems).toEqual([]);
  }, 60_000);

  // Regression (was a bug): engine/sync/run.ts runSync skips stageStreams whenever `replay` is set ("no source
  // reads"), so processFlow/mapChunk (engine/sync/process.ts) re-map the failed record from the
  // source mirror as it was when it failed. A cause fixed in the source (here the customer's name
  // in Visma) is never seen by `mlc replay`: the replay sends the same duplicate name, fails again
  // with the same reason and leaves the record in the queue. Replay should re-read the failed
  // records (or at least stage the source's changes) before mapping them.
  it('a duplicate name made in Visma, fixed in Visma: replay writes it and empties the queue', async () => {
    const { key, fixed } = await duplicateNameInVisma();
    const r = await e!.sync({ replay: { all: true } });
    expect(r.flows[0].failures).toEqual([]);
    expect(r.status).toBe('ok');
    expect(e!.zendesk.findOrganization(key)!.name).toBe(fixed);
    expect(await e!.failures()).toEqual([]);
  }, 60_000);
});
