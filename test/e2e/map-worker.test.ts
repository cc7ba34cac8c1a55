import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAll, customerNumbers, ensureBuilt, MAPPING, runCli, setup, type E2E } from './helpers.js';

/**
 * The map worker runs only from the compiled engine, so these runs go through the CLI. It starts
 * for interpreted transforms; the flagship's is compiled, so MLC_MAP_WORKER=on forces it here.
 * Below the threshold a flow maps on the main thread; MLC_MAP_WORKER_MIN_RECORDS lowers it.
 */
describe('mapping on the worker thread (compiled CLI)', () => {
  let e: E2E;

  beforeAll(async () => {
    await ensureBuilt();
    e = await setup({ size: 90, seed: 23, knobs: { zendesk: { rateLimitEnabled: false } } });
  }, 200_000);
  // Unassigned when beforeAll failed.
  afterAll(() => (e as E2E | undefined)?.stop());

  const sync = (env: Record<string, string>) =>
    runCli(['sync', MAPPING, '--connections', e.connectionsFile(), '--state', e.statePath, '--json'], { env });

  it('writes every organization, correct field by field, when the worker maps', async () => {
    const r = await sync({ MLC_MAP_WORKER: 'on', MLC_MAP_WORKER_MIN_RECORDS: '1' });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      status: string;
      flows: { created: number; mapWorkers: number; failed: number }[];
    };
    expect(out.status).toBe('ok');
    expect(out.flows[0]).toMatchObject({ created: 90, failed: 0, mapWorkers: 1 });
    const c = compareAll(e.visma, e.zendesk, new Date());
    expect(c.problems).toEqual([]);
    expect(c.duplicates).toEqual([]);
    expect(c.externalIds).toEqual(customerNumbers(e.visma));
  }, 60_000);

  it('maps a small delta on the main thread, and the worker can be switched off', async () => {
    e.visma.mutate({ customers: 5, invoices: 5, payInvoices: 2 });
    const small = await sync({ MLC_MAP_WORKER: 'on' });
    expect(small.code, small.stderr).toBe(0);
    expect((JSON.parse(small.stdout) as { flows: { mapWorkers: number; updated: number }[] }).flows[0]).toMatchObject({
      mapWorkers: 0,
    });
    e.visma.mutate({ customers: 5, invoices: 5, payInvoices: 2 });
    const off = await sync({ MLC_MAP_WORKER_MIN_RECORDS: '1', MLC_MAP_WORKER: 'off' });
    expect(off.code, off.stderr).toBe(0);
    expect((JSON.parse(off.stdout) as { flows: { mapWorkers: number }[] }).flows[0].mapWorkers).toBe(0);
    expect(compareAll(e.visma, e.zendesk, new Date()).problems).toEqual([]);
  }, 60_000);

  it('starts the worker for an interpreted transform, not for a compiled one', async () => {
    e.visma.mutate({ customers: 5, invoices: 5, payInvoices: 2 });
    const compiled = await sync({ MLC_MAP_WORKER_MIN_RECORDS: '1' });
    expect(compiled.code, compiled.stderr).toBe(0);
    expect((JSON.parse(compiled.stdout) as { flows: { mapWorkers: number }[] }).flows[0].mapWorkers).toBe(0);
    e.visma.mutate({ customers: 5, invoices: 5, payInvoices: 2 });
    const interpreted = await sync({ MLC_MAP_WORKER_MIN_RECORDS: '1', MLC_JSONATA_COMPILER: 'off' });
    expect(interpreted.code, interpreted.stderr).toBe(0);
    expect(
      (JSON.parse(interpreted.stdout) as { flows: { mapWorkers: number; failed: number }[] }).flows[0],
    ).toMatchObject({ mapWorkers: 1, failed: 0 });
    expect(compareAll(e.visma, e.zendesk, new Date()).problems).toEqual([]);
  }, 60_000);
});
