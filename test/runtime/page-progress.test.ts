// Progress as pages arrive: the run emits an event per staged page, and the terminal line shows
// pages and records per stream while they are read (only when enabled: a TTY, never --json).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';
import { runSync } from '../../engine/sync/run.js';
import type { SyncEvent } from '../../engine/sync/events.js';
import { closeDefaultDispatcher } from '../../engine/http/client.js';
import { progressReporter } from '../../engine/cli/render.js';
import { describeMutation } from '../../sandbox/index.js';
import { ROOT, MAPPING, tempDir } from '../e2e/helpers.js';

describe('page events', () => {
  it('each page of a stream is reported as it is staged, before the stream is done', async () => {
    const sb = await startSandbox({ systems: ['visma', 'zendesk'], size: 1200, seed: 3 });
    const dir = tempDir();
    const events: SyncEvent[] = [];
    try {
      const r = await runSync({
        root: ROOT,
        mapping: MAPPING,
        connections: sb.connections,
        statePath: join(dir, 'state.db'),
        onEvent: (e) => events.push(e),
      });
      expect(r.status).toBe('ok');
    } finally {
      await sb.stop();
      await closeDefaultDispatcher();
      rmSync(dir, { recursive: true, force: true });
    }
    const pages = events.filter(
      (e): e is Extract<SyncEvent, { type: 'page' }> => e.type === 'page' && e.stream === 'customers',
    );
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((e) => e.page)).toEqual(pages.map((_, i) => i + 1));
    for (let i = 1; i < pages.length; i++) expect(pages[i].read).toBeGreaterThan(pages[i - 1].read);
    const staged = events.findIndex((e) => e.type === 'stage' && e.stream === 'customers');
    expect(events.indexOf(pages.at(-1)!)).toBeLessThan(staged);
    expect(pages.at(-1)!.read).toBe(1200);
  }, 120_000);
});

describe('the progress line', () => {
  const page = (stream: string, n: number, read: number): SyncEvent => ({
    type: 'page',
    connection: 'visma',
    stream,
    page: n,
    read,
    changed: read,
  });

  it('shows pages and records per stream as they arrive, at most every 200 ms after the first page', () => {
    const out: string[] = [];
    let t = 0;
    const show = progressReporter(
      true,
      (s) => out.push(s),
      () => t,
    );
    show(page('customers', 1, 100));
    expect(out.at(-1)).toContain('reading customers: 1 page, 100 records');
    t = 50;
    show(page('customers', 2, 200));
    expect(out).toHaveLength(1);
    t = 300;
    show(page('customer_invoices', 1, 500));
    expect(out.at(-1)).toContain('customers: 2 pages, 200 records');
    expect(out.at(-1)).toContain('customer_invoices: 1 page, 500 records');
    show({ type: 'stage', connection: 'visma', stream: 'customers', read: 200, changed: 200 });
    expect(out.at(-1)).toContain('read customers: 200 records, 200 changed\n');
  });

  it('writes nothing when disabled (no TTY, or --json)', () => {
    const out: string[] = [];
    const show = progressReporter(false, (s) => out.push(s));
    show(page('customers', 1, 100));
    show({ type: 'stage', connection: 'visma', stream: 'customers', read: 100, changed: 100 });
    expect(out).toEqual([]);
  });
});

describe('sandbox change notes', () => {
  it('say in words what changed, each invoice under one heading', () => {
    const text = describeMutation({
      customers: ['10002'],
      invoices: ['100080', '100094', '100119'],
      createdInvoices: ['100119'],
      paidInvoices: ['100094'],
    });
    expect(text).toBe(
      '1 customer edited (10002); 1 new invoice (100119); 1 invoice partly paid (100080); 1 invoice paid in full (100094)',
    );
    expect(describeMutation({ customers: [], invoices: [], createdInvoices: [], paidInvoices: [] })).toBe('nothing');
  });
});
