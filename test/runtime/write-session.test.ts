// The write session (engine/sync/write-session.ts): every record ends through one outcome path,
// which stores its target row, failure and audit entry in the same transaction that removes its
// pending mark; outcome batches are stored one after another, in the order they arrive.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../engine/http/redact.js';
import type { Repositories, StateBackend } from '../../engine/store/backend.js';
import { SecretBox } from '../../engine/store/crypto.js';
import { openState } from '../../engine/store/open.js';
import type { FlowSummary, SyncEvent } from '../../engine/sync/events.js';
import type { FlowRun, Mapped } from '../../engine/sync/flow-run.js';
import { WriteSession } from '../../engine/sync/write-session.js';

const ref = { mapping: 'm', flow: 'orgs' };
const NOW = new Date('2026-06-01T12:00:00Z');

let store: StateBackend;
beforeEach(async () => {
  store = await openState(null, { secrets: SecretBox.fromKey('s'.repeat(64)) });
});
afterEach(() => store.abandon());

function session(backend: StateBackend = store) {
  const redactor = new Redactor();
  redactor.add('tok-secret');
  const summary: FlowSummary = {
    flow: ref.flow,
    read: 0,
    affected: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    requests: { source: 0, target: 0 },
    durationMs: 0,
    mapWorkers: 0,
    failures: [],
  };
  const events: SyncEvent[] = [];
  const r = {
    store: backend,
    ref,
    runId: 'run-1',
    dryRun: false,
    now: () => NOW,
    summary,
    onEvent: (e: SyncEvent) => events.push(e),
    target: { client: { redactor } },
  } as unknown as FlowRun;
  return { s: new WriteSession(r, 3), summary, events };
}

const mapped = (key: string, targetId?: string): Mapped => ({
  item: { key, matchValue: `ext-${key}`, payload: { name: key }, targetId },
  hash: `hash-${key}`,
  clockDependent: false,
  version: 'v1',
  action: targetId ? 'update' : 'create',
});

describe('WriteSession: one outcome path', () => {
  it('stores each outcome with its pending mark removed; a conflict stays pending for its retry', async () => {
    await store.pending.mark(ref, ['a', 'b', 'c']);
    await store.failures.record({ mapping: 'm', runId: 'run-0', at: NOW.toISOString() }, [
      { flow: ref.flow, key: 'a', stage: 'write', reason: 'earlier' },
    ]);
    const { s, summary } = session();
    s.handOver([mapped('a'), mapped('b'), mapped('c')]);
    await s.record([
      { key: 'a', ok: true, action: 'created', targetId: '1' },
      { key: 'b', ok: false, error: 'rejected: token tok-secret is bad' },
      { key: 'c', ok: false, conflict: true },
    ]);
    expect(await store.pending.keys(ref)).toEqual(['c']);
    expect(s.conflicts.map((m) => m.item.key)).toEqual(['c']);
    const targets = await store.targets.load(ref, ['a', 'b', 'c']);
    expect([...targets.keys()]).toEqual(['a']);
    expect(targets.get('a')).toEqual({ matchValue: 'ext-a', targetId: '1', hash: 'hash-a' });
    const failures = await store.failures.list('m');
    expect(failures.map((f) => [f.key, f.stage, f.reason])).toEqual([['b', 'write', 'rejected: token *** is bad']]);
    const audit = await store.audit.ofRunOrKey('run-1');
    expect(audit.map((x) => [x.key, x.action, x.target_id])).toEqual([
      ['a', 'created', '1'],
      ['b', 'failed', null],
    ]);
    expect(summary).toMatchObject({
      created: 1,
      failed: 1,
      failures: [{ key: 'b', reason: 'rejected: token *** is bad' }],
    });
  });

  it('a batch whose transaction fails stores nothing: its records stay pending, no row is written', async () => {
    await store.pending.mark(ref, ['a', 'b']);
    // A backend whose audit fails inside the transaction (a full disk, a lost connection).
    const failing = Object.create(store) as StateBackend;
    failing.transaction = (fn) =>
      store.transaction((tx) => {
        const broken = Object.create(tx) as Repositories;
        broken.audit = { ...tx.audit, add: () => Promise.reject(new Error('disk full')) };
        return fn(broken);
      });
    const { s, summary } = session(failing);
    s.handOver([mapped('a'), mapped('b')]);
    await expect(
      s.record([
        { key: 'a', ok: true, action: 'created', targetId: '1' },
        { key: 'b', ok: false, error: 'no' },
      ]),
    ).rejects.toThrow('disk full');
    await expect(s.drained()).rejects.toThrow('disk full');
    expect(await store.pending.keys(ref)).toEqual(['a', 'b']);
    expect((await store.targets.load(ref, ['a'])).size).toBe(0);
    expect(await store.failures.list('m')).toEqual([]);
    expect(summary).toMatchObject({ created: 0, failed: 0 });
  });

  it('stores outcome batches in the order they arrive, even when the writer does not wait', async () => {
    await store.pending.mark(ref, ['a', 'b', 'c']);
    const { s } = session();
    s.handOver([mapped('a'), mapped('b'), mapped('c')]);
    const batches = [['c'], ['a'], ['b']].map((keys) =>
      s.record(keys.map((key) => ({ key, ok: true, action: 'updated' as const }))),
    );
    await Promise.all(batches);
    await s.drained();
    expect((await store.audit.ofRunOrKey('run-1')).map((x) => x.key)).toEqual(['c', 'a', 'b']);
    expect(await store.pending.keys(ref)).toEqual([]);
  });

  it('ignores an outcome for a record it did not hand over, or already ended', async () => {
    await store.pending.mark(ref, ['a']);
    const { s, summary } = session();
    s.handOver([mapped('a')]);
    await s.record([{ key: 'a', ok: true, action: 'created', targetId: '1' }]);
    await s.record([
      { key: 'a', ok: false, error: 'late duplicate' },
      { key: 'zzz', ok: true },
    ]);
    expect(summary).toMatchObject({ created: 1, updated: 0, failed: 0 });
    expect(await store.failures.list('m')).toEqual([]);
  });
});

describe('WriteSession: records the flow now leaves out', () => {
  it('a record that failed before and is now filtered out leaves the failure queue (not retried on every run)', async () => {
    await store.pending.mark(ref, ['a']);
    await store.failures.record({ mapping: 'm', runId: 'run-0', at: NOW.toISOString() }, [
      { flow: ref.flow, key: 'a', stage: 'map', reason: 'earlier' },
    ]);
    const { s, summary } = session();
    await s.end([{ kind: 'skipped', key: 'a', gone: false }]);
    expect(await store.pending.keys(ref)).toEqual([]);
    expect(await store.failures.list('m')).toEqual([]);
    expect(summary.skipped).toBe(1);
  });
});
