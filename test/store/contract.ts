// What every state backend must mean, whatever stores it: run against sql.js by
// sqljs.contract.test.ts, and against any later backend (PostgreSQL) the same way. Nothing here
// knows how a backend stores its data; checks of one backend's own files stay in its own tests.
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowRef, Repositories, StateBackend, StreamRef } from '../../engine/store/backend.js';
import { MasterKeyError } from '../../engine/store/crypto.js';

/** A fresh, empty state of the backend under test. */
export interface ContractState {
  backend: StateBackend;
  /** Everything the backend keeps at rest, as text (to prove secrets are not in it); after a checkpoint */
  atRest(): Promise<string>;
  /** The same state opened again, after `backend` is closed */
  reopen(): Promise<StateBackend>;
  /** The same state opened with another master key, after `backend` is closed */
  reopenWithOtherKey(): Promise<StateBackend>;
}

const F: FlowRef = { mapping: 'm', flow: 'customers' };
const G: FlowRef = { mapping: 'm', flow: 'other' };
const S: StreamRef = { connection: 'erp', stream: 'customers' };
const INVOICES: StreamRef = { connection: 'erp', stream: 'invoices' };
const AT = '2026-01-15T12:00:00.000Z';

const written = (key: string, matchValue: string, targetId: string | null, hash: string, clockDependent: boolean) => ({
  key,
  matchValue,
  targetId,
  hash,
  clockDependent,
});
const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));

export function describeBackendContract(name: string, open: () => Promise<ContractState>): void {
  describe(`state backend contract: ${name}`, () => {
    const opened: StateBackend[] = [];
    const fresh = async () => {
      const c = await open();
      opened.push(c.backend);
      return c;
    };
    const state = async () => (await fresh()).backend;
    afterEach(async () => {
      for (const b of opened.splice(0)) await b.abandon().catch(() => undefined);
    });

    it('cursors: absent until set; set replaces; per connection and stream', async () => {
      const b = await state();
      expect(await b.cursors.get(S)).toBeUndefined();
      await b.cursors.set(S, 'c1', AT);
      await b.cursors.set(S, 'c2', AT);
      await b.cursors.set(INVOICES, 'i1', AT);
      expect(await b.cursors.get(S)).toBe('c2');
      expect(await b.cursors.get(INVOICES)).toBe('i1');
      expect(await b.cursors.get({ connection: 'other', stream: 'customers' })).toBeUndefined();
    });

    it('mirror: versions, records with and without data, replacement, count, empty and clear', async () => {
      const b = await state();
      expect(await b.mirror.isEmpty(S)).toBe(true);
      await b.mirror.put(S, [
        { key: 'a', version: '1', data: '{"n":"A"}' },
        { key: 'b', version: '1', data: null },
        { key: 'c', version: '1', data: '{"n":"C"}' },
      ]);
      await b.mirror.put(S, [{ key: 'a', version: '2', data: '{"n":"A2"}' }]);
      expect(sorted(await b.mirror.versions(S, ['a', 'b', 'x']))).toEqual([
        ['a', '2'],
        ['b', '1'],
      ]);
      // Only records whose data is kept are loaded.
      expect(sorted(await b.mirror.load(S, ['a', 'b', 'c', 'x']))).toEqual([
        ['a', { version: '2', data: '{"n":"A2"}' }],
        ['c', { version: '1', data: '{"n":"C"}' }],
      ]);
      expect(await b.mirror.count(S)).toBe(3);
      expect(await b.mirror.isEmpty(S)).toBe(false);
      expect(await b.mirror.count(INVOICES)).toBe(0);
      await b.mirror.clear(S);
      expect(await b.mirror.isEmpty(S)).toBe(true);
      expect((await b.mirror.versions(S, ['a'])).size).toBe(0);
      expect((await b.mirror.load(S, [])).size).toBe(0);
    });

    it('mirror.missingFrom: the mirror keys a listing lacks, in key order, per stream; at 100,000 keys', async () => {
      const b = await state();
      await b.mirror.put(
        S,
        ['c', 'a', 'b', 'd'].map((key) => ({ key, version: '1', data: null })),
      );
      await b.mirror.put(INVOICES, [{ key: 'x', version: '1', data: null }]);
      expect(await b.mirror.missingFrom(S, ['b', 'z'])).toEqual(['a', 'c', 'd']);
      expect(await b.mirror.missingFrom(S, ['a', 'b', 'c', 'd'])).toEqual([]);
      expect(await b.mirror.missingFrom(S, [])).toEqual(['a', 'b', 'c', 'd']);
      expect(await b.mirror.missingFrom({ connection: 'erp', stream: 'none' }, ['a'])).toEqual([]);
      const many = Array.from({ length: 100_000 }, (_, i) => `k${String(i).padStart(6, '0')}`);
      const big: StreamRef = { connection: 'erp', stream: 'big' };
      await b.mirror.put(
        big,
        many.map((key) => ({ key, version: '1', data: null })),
      );
      const started = Date.now();
      const listed = many.filter((_, i) => i % 1000 !== 7);
      expect(await b.mirror.missingFrom(big, listed)).toEqual(many.filter((_, i) => i % 1000 === 7));
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('deletions: marked with evidence, replaced, cleared, loaded and counted per stream', async () => {
      const b = await state();
      const ev = (detail: string) => ({ kind: 'status' as const, detail, runId: 'r1', at: AT });
      expect((await b.deletions.load(S, ['a'])).size).toBe(0);
      await b.deletions.mark(S, [
        { key: 'a', evidence: ev("status = 'Inactive': Inactive") },
        { key: 'b', evidence: ev('x') },
      ]);
      await b.deletions.mark(S, [
        { key: 'b', evidence: { kind: 'tombstone', detail: 'Deleted', runId: 'r2', at: AT } },
      ]);
      await b.deletions.mark(INVOICES, [{ key: 'a', evidence: ev('i') }]);
      expect(sorted(await b.deletions.load(S, ['a', 'b', 'x']))).toEqual([
        ['a', ev("status = 'Inactive': Inactive")],
        ['b', { kind: 'tombstone', detail: 'Deleted', runId: 'r2', at: AT }],
      ]);
      expect(await b.deletions.count(S)).toBe(2);
      await b.deletions.clear(S, ['a', 'x']);
      await b.deletions.clear(S, []);
      expect([...(await b.deletions.load(S, ['a', 'b'])).keys()]).toEqual(['b']);
      expect(await b.deletions.count(S)).toBe(1);
      expect(await b.deletions.count(INVOICES)).toBe(1);
    });

    it('reconciles: the last complete one per stream, replaced by the next', async () => {
      const b = await state();
      expect(await b.reconciles.last(S)).toBeUndefined();
      await b.reconciles.record(S, AT, 'r1');
      await b.reconciles.record(S, '2026-01-22T12:00:00.000Z', 'r2');
      expect(await b.reconciles.last(S)).toEqual({ at: '2026-01-22T12:00:00.000Z', runId: 'r2' });
      expect(await b.reconciles.last(INVOICES)).toBeUndefined();
    });

    it('links: the parent each child names now; children loaded per parent in key order, with data only', async () => {
      const b = await state();
      const link = { ...F, rel: 'invoices' };
      await b.links.set(link, [
        { child: 'i2', parent: 'a' },
        { child: 'i1', parent: 'a' },
        { child: 'i3', parent: 'b' },
        { child: 'i4', parent: null },
      ]);
      expect((await b.links.parentsOf(link, ['i1', 'i2', 'i3', 'i4', 'ix'])).sort()).toEqual(['a', 'a', 'b']);
      await b.links.set(link, [{ child: 'i3', parent: 'a' }]);
      expect(await b.links.parentsOf(link, ['i3'])).toEqual(['a']);
      expect(await b.links.parentsOf({ ...link, rel: 'other' }, ['i3'])).toEqual([]);
      await b.mirror.put(INVOICES, [
        { key: 'i1', version: '1', data: '{"i":1}' },
        { key: 'i2', version: '1', data: '{"i":2}' },
        { key: 'i3', version: '1', data: null },
      ]);
      const children = await b.mirror.loadChildren(link, INVOICES, ['a', 'b', 'z']);
      expect(sorted(children)).toEqual([
        ['a', ['{"i":1}', '{"i":2}']],
        ['b', []],
        ['z', []],
      ]);
    });

    it('pending: marks from keys, the whole mirror, due clock-dependent targets and failures', async () => {
      const b = await state();
      await b.pending.mark(F, ['k2', 'k1']);
      await b.pending.mark(F, ['k1']);
      expect(await b.pending.keys(F)).toEqual(['k1', 'k2']);
      expect(await b.pending.keys(G)).toEqual([]);

      await b.mirror.put(S, [
        { key: 'm1', version: '1', data: '{}' },
        { key: 'm2', version: '1', data: null },
      ]);
      expect(await b.pending.markAll(G, S)).toBe(2);
      expect(await b.pending.keys(G)).toEqual(['m1', 'm2']);

      const t = (key: string, clockDependent: boolean) => written(key, key, `t-${key}`, 'h', clockDependent);
      await b.targets.recordWritten(F, [t('old', true), t('static', false)], '2026-01-01T00:00:00.000Z');
      await b.targets.recordWritten(F, [t('new', true)], '2026-01-10T00:00:00.000Z');
      await b.pending.done(F, ['k1', 'k2']);
      await b.pending.markClockDue(F, '2026-01-05T00:00:00.000Z');
      expect(await b.pending.keys(F)).toEqual(['old']);

      await b.failures.record({ mapping: 'm', runId: 'r1', at: AT }, [
        { flow: 'customers', key: 'bad', stage: 'map', reason: 'x' },
        { flow: 'customers', key: '#customers:unread', stage: 'read', reason: 'y' },
      ]);
      await b.pending.markFailed(F);
      expect(await b.pending.keys(F)).toEqual(['bad', 'old']);
      // Pending records the state has no target id for (bad has no target row).
      expect(await b.pending.countWithoutTargetId(F)).toBe(1);
      await b.pending.done(F, ['bad', 'old', 'never']);
      expect(await b.pending.keys(F)).toEqual([]);
    });

    it('targets: written, unchanged, hash forgotten, per flow', async () => {
      const b = await state();
      expect(await b.targets.exist(F)).toBe(false);
      await b.targets.recordWritten(F, [written('a', 'A', 't1', 'h1', false), written('b', 'B', null, 'h2', true)], AT);
      expect(await b.targets.exist(F)).toBe(true);
      expect(await b.targets.exist(G)).toBe(false);
      expect(sorted(await b.targets.load(F, ['a', 'b', 'x']))).toEqual([
        ['a', { matchValue: 'A', targetId: 't1', hash: 'h1' }],
        ['b', { matchValue: 'B', targetId: null, hash: 'h2' }],
      ]);
      await b.targets.recordWritten(F, [written('a', 'A2', 't9', 'h3', false)], AT);
      await b.targets.forgetHash(F, ['b']);
      expect(sorted(await b.targets.load(F, ['a', 'b']))).toEqual([
        ['a', { matchValue: 'A2', targetId: 't9', hash: 'h3' }],
        ['b', { matchValue: 'B', targetId: null, hash: null }],
      ]);
      // Unchanged: mapped again now, so no longer due for its clock.
      await b.targets.recordWritten(F, [written('c', 'C', 't3', 'h', true)], '2026-01-01T00:00:00.000Z');
      await b.targets.recordUnchanged(F, [{ key: 'c', clockDependent: true }], '2026-01-10T00:00:00.000Z');
      await b.pending.markClockDue(F, '2026-01-05T00:00:00.000Z');
      expect(await b.pending.keys(F)).toEqual([]);
      await b.targets.recordUnchanged(F, [{ key: 'c', clockDependent: true }], '2026-01-02T00:00:00.000Z');
      await b.pending.markClockDue(F, '2026-01-05T00:00:00.000Z');
      expect(await b.pending.keys(F)).toEqual(['c']);
      expect((await b.targets.load(F, ['c'])).get('c')).toEqual({ matchValue: 'C', targetId: 't3', hash: 'h' });
    });

    it('failures: attempts count up with the latest reason; replay skips read failures', async () => {
      const b = await state();
      const run = (runId: string, at: string) => ({ mapping: 'm', runId, at });
      const failure = (key: string, stage: string, reason: string) => ({ flow: 'customers', key, stage, reason });
      await b.failures.record(run('r1', '2026-01-01T00:00:00.000Z'), [failure('k', 'map', 'first')]);
      await b.failures.record(run('r2', '2026-01-02T00:00:00.000Z'), [failure('k', 'write', 'second')]);
      await b.failures.record(run('r2', AT), [
        { flow: 'customers', key: '#invoices:i1', stage: 'read', reason: 'unreadable' },
        { flow: 'customers', key: '#invoices:i2', stage: 'read', reason: 'unreadable' },
      ]);
      const [k] = (await b.failures.list('m')).filter((f) => f.key === 'k');
      expect(k).toMatchObject({ mapping: 'm', flow: 'customers', key: 'k', run_id: 'r2' });
      expect(k).toMatchObject({ stage: 'write', reason: 'second' });
      expect(k.attempts).toBe(2);
      expect(k.first_at).toBe('2026-01-01T00:00:00.000Z');
      expect(k.last_at).toBe('2026-01-02T00:00:00.000Z');
      expect(await b.failures.forReplay(F)).toEqual([{ key: 'k', runId: 'r2' }]);
      expect((await b.failures.list()).map((f) => f.key)).toEqual(['#invoices:i1', '#invoices:i2', 'k']);
      expect(await b.failures.list('other')).toEqual([]);

      expect(await b.failures.hasRead('m', '#invoices:')).toBe(true);
      expect(await b.failures.hasRead('m', '#customers:')).toBe(false);
      await b.failures.clearRead('m', ['#invoices:i1', 'k']);
      expect((await b.failures.list('m')).map((f) => f.key)).toEqual(['#invoices:i2', 'k']);
      await b.failures.clearStaleRead('m', '#invoices:', 'r2');
      expect((await b.failures.list('m')).map((f) => f.key)).toEqual(['#invoices:i2', 'k']);
      await b.failures.clearStaleRead('m', '#invoices:', 'r3');
      expect((await b.failures.list('m')).map((f) => f.key)).toEqual(['k']);
      await b.failures.clear(F, ['k']);
      expect(await b.failures.list()).toEqual([]);
    });

    it('runs: start, interrupted when a later run finds it running, finish; newest first', async () => {
      const b = await state();
      await b.runs.start({ id: 'r1', mapping: 'm', startedAt: '2026-01-01T00:00:00.000Z' });
      await b.runs.start({ id: 'x1', mapping: 'n', startedAt: '2026-01-01T00:00:01.000Z' });
      await b.runs.markInterrupted('m');
      await b.runs.start({ id: 'r2', mapping: 'm', startedAt: '2026-01-02T00:00:00.000Z' });
      await b.runs.finish('r2', { status: 'ok', summary: '{"flows":[]}', finishedAt: '2026-01-02T00:01:00.000Z' });
      expect(await b.runs.list('m')).toEqual([
        {
          id: 'r2',
          mapping: 'm',
          started_at: '2026-01-02T00:00:00.000Z',
          finished_at: '2026-01-02T00:01:00.000Z',
          status: 'ok',
          summary: '{"flows":[]}',
        },
        {
          id: 'r1',
          mapping: 'm',
          started_at: '2026-01-01T00:00:00.000Z',
          finished_at: null,
          status: 'interrupted',
          summary: null,
        },
      ]);
      const all = (await b.runs.list()).map((r) => [r.id, r.status]);
      expect(all).toEqual([
        ['r2', 'ok'],
        ['x1', 'running'],
        ['r1', 'interrupted'],
      ]);
      expect(await b.runs.list(undefined, 1)).toHaveLength(1);
    });

    it('audit: by run in order, else by key newest first', async () => {
      const b = await state();
      const entry = (runId: string, key: string, action: string) => ({
        runId,
        mapping: 'm',
        flow: 'customers',
        key,
        action,
        targetId: 't',
        payloadHash: 'h',
        sourceVersion: 'v',
        error: null,
        at: AT,
      });
      await b.audit.add([entry('r1', 'a', 'created'), entry('r1', 'b', 'failed')]);
      await b.audit.add([entry('r2', 'a', 'updated')]);
      const r1 = await b.audit.ofRunOrKey('r1');
      expect(r1.map((a) => [a.key, a.action])).toEqual([
        ['a', 'created'],
        ['b', 'failed'],
      ]);
      expect(r1[0]).toMatchObject({ run_id: 'r1', mapping: 'm', flow: 'customers', target_id: 't', payload_hash: 'h' });
      expect(r1[0]).toMatchObject({ source_version: 'v', error: null, at: AT });
      const byKey = (await b.audit.ofRunOrKey('a')).map((a) => [a.run_id, a.action]);
      expect(byKey).toEqual([
        ['r2', 'updated'],
        ['r1', 'created'],
      ]);
      expect(await b.audit.ofRunOrKey('a', 1)).toHaveLength(1);
      expect(await b.audit.ofRunOrKey('nothing')).toEqual([]);
      // Only a deletion carries evidence; the other rows have no such field.
      expect(r1[0]).not.toHaveProperty('evidence');
      await b.audit.add([{ ...entry('r3', 'c', 'marked_deleted'), evidence: '{"kind":"status"}' }]);
      expect((await b.audit.ofRunOrKey('r3'))[0]).toMatchObject({
        action: 'marked_deleted',
        evidence: '{"kind":"status"}',
      });
    });

    it('targets.forget: the records deleted in the target are forgotten, per flow', async () => {
      const b = await state();
      await b.targets.recordWritten(F, [written('a', 'A', '1', 'h1', false), written('b', 'B', '2', 'h2', false)], AT);
      await b.targets.recordWritten(G, [written('a', 'A', '9', 'h9', false)], AT);
      await b.targets.forget(F, ['a', 'x']);
      await b.targets.forget(F, []);
      expect([...(await b.targets.load(F, ['a', 'b'])).keys()]).toEqual(['b']);
      expect((await b.targets.load(G, ['a'])).get('a')?.targetId).toBe('9');
    });

    it('children marked deleted leave their parent', async () => {
      const b = await state();
      const link = { ...F, rel: 'invoices' };
      await b.links.set(link, [
        { child: 'i1', parent: 'a' },
        { child: 'i2', parent: 'a' },
      ]);
      await b.mirror.put(INVOICES, [
        { key: 'i1', version: '1', data: '{"n":1}' },
        { key: 'i2', version: '1', data: '{"n":2}' },
      ]);
      const evidence = { kind: 'status' as const, detail: 'x', runId: 'r', at: AT };
      await b.deletions.mark(INVOICES, [{ key: 'i1', evidence }]);
      expect((await b.mirror.loadChildren(link, INVOICES, ['a'])).get('a')).toEqual(['{"n":2}']);
      await b.deletions.clear(INVOICES, ['i1']);
      expect((await b.mirror.loadChildren(link, INVOICES, ['a'])).get('a')).toEqual(['{"n":1}', '{"n":2}']);
    });

    it('provisioned fields, fingerprints, kept payloads and meta round-trip', async () => {
      const b = await state();
      expect(await b.provisioned.get(F, 'crm')).toBeUndefined();
      await b.provisioned.set(F, 'crm', 'spec1', { credit: 'custom_1' });
      expect(await b.provisioned.get(F, 'crm')).toEqual({ specHash: 'spec1', keys: { credit: 'custom_1' } });
      expect(await b.fingerprints.get(F)).toBeUndefined();
      await b.fingerprints.set(F, 'fp1', AT);
      await b.fingerprints.set(F, 'fp2', AT);
      expect(await b.fingerprints.get(F)).toBe('fp2');
      expect(await b.fingerprints.get(G)).toBeUndefined();
      await b.writtenPayloads.keep(F, [
        { key: 'a', hash: 'h', payload: { name: 'A' } },
        { key: 'b', hash: 'h', payload: { name: 'B' } },
      ]);
      await b.writtenPayloads.keep(F, [{ key: 'a', hash: 'h2', payload: { name: 'A2' } }]);
      const kept = sorted(await b.writtenPayloads.load(F, ['a', 'b', 'c']));
      expect(kept).toEqual([
        ['a', { name: 'A2' }],
        ['b', { name: 'B' }],
      ]);
      expect((await b.writtenPayloads.load(G, ['a'])).size).toBe(0);
      await b.writtenPayloads.forget(F, ['a']);
      expect([...(await b.writtenPayloads.load(F, ['a', 'b'])).keys()]).toEqual(['b']);
      // Kept payloads are not source records: the mirror does not see them.
      expect(await b.mirror.isEmpty({ connection: 'm', stream: 'customers' })).toBe(true);
      expect(await b.meta.get('k')).toBeUndefined();
      await b.meta.set('k', 'v');
      expect(await b.meta.get('k')).toBe('v');
    });

    it('write intents: in-doubt batches are confirmed (target row and audit) or forgotten, then settled', async () => {
      const b = await state();
      expect(await b.writeIntents.inDoubt(F)).toEqual([]);
      const item = { key: 'a', match: 'A', hash: 'h1', cd: true };
      await b.writeIntents.confirm({ ...F, runId: 'r2', item, action: 'created', targetId: 't1', at: AT });
      expect((await b.targets.load(F, ['a'])).get('a')).toEqual({ matchValue: 'A', targetId: 't1', hash: 'h1' });
      const audit = (await b.audit.ofRunOrKey('r2')).map((x) => [x.key, x.action, x.target_id, x.payload_hash]);
      expect(audit).toEqual([['a', 'created', 't1', 'h1']]);
      await b.writeIntents.settle(F, 'no such batch');
    });

    it('transaction: commits together; a throw rolls back only its own work', async () => {
      const b = await state();
      await b.cursors.set(S, 'before', AT);
      await expect(
        b.transaction(async (tx) => {
          await tx.cursors.set(S, 'inside', AT);
          await tx.pending.mark(F, ['k']);
          expect(await tx.cursors.get(S)).toBe('inside');
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await b.cursors.get(S)).toBe('before');
      expect(await b.pending.keys(F)).toEqual([]);
      const n = await b.transaction(async (tx) => {
        await tx.pending.mark(F, ['k']);
        await tx.meta.set('x', '1');
        return 7;
      });
      expect(n).toBe(7);
      expect(await b.pending.keys(F)).toEqual(['k']);
      expect(await b.meta.get('x')).toBe('1');
    });

    it('transaction: calls made outside while it is open are not part of it and survive its rollback', async () => {
      const b = await state();
      let inside!: () => void;
      const started = new Promise<void>((r) => (inside = r));
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const tx = b.transaction(async (t: Repositories) => {
        await t.pending.mark(F, ['tx']);
        inside();
        await held;
        throw new Error('rolled back');
      });
      await started;
      // Another flow's writer records meanwhile, outside the transaction.
      const outside = b.pending.mark(G, ['outside']).then(() => b.meta.set('outside', 'yes'));
      release();
      await expect(tx).rejects.toThrow('rolled back');
      await outside;
      expect(await b.pending.keys(F)).toEqual([]);
      expect(await b.pending.keys(G)).toEqual(['outside']);
      expect(await b.meta.get('outside')).toBe('yes');
    });

    it('transactions started together run one after the other, each seeing the last one committed', async () => {
      const b = await state();
      await b.meta.set('n', '0');
      const bump = () =>
        b.transaction(async (tx) => {
          const n = Number(await tx.meta.get('n'));
          await new Promise((r) => setTimeout(r, 5));
          await tx.meta.set('n', String(n + 1));
        });
      await Promise.all([bump(), bump(), bump()]);
      expect(await b.meta.get('n')).toBe('3');
    });

    it('a clone starts as a copy and changes nothing of the original', async () => {
      const b = await state();
      await b.cursors.set(S, 'c1', AT);
      const copy = await b.clone();
      opened.push(copy);
      expect(await copy.cursors.get(S)).toBe('c1');
      await copy.cursors.set(S, 'c2', AT);
      expect(await b.cursors.get(S)).toBe('c1');
      expect(copy.path).toBeNull();
    });

    it('tokens: per connection and kind, with expiry; durable, and never stored in the clear', async () => {
      const c = await fresh();
      const b = c.backend;
      expect(await b.tokens.get('crm', 'refresh_token')).toBeUndefined();
      await b.tokens.set('crm', 'refresh_token', 'rt-secret-rotated-1');
      await b.tokens.set('crm', 'access_token', 'at-secret-2', 1_800_000_000_000);
      const refresh = { value: 'rt-secret-rotated-1', expiresAt: undefined };
      expect(await b.tokens.get('crm', 'refresh_token')).toEqual(refresh);
      expect(await b.tokens.get('crm', 'access_token')).toEqual({ value: 'at-secret-2', expiresAt: 1_800_000_000_000 });
      expect(await b.tokens.get('erp', 'refresh_token')).toBeUndefined();
      const rest = await c.atRest();
      expect(rest).not.toContain('rt-secret-rotated');
      expect(rest).not.toContain('at-secret-2');
      await b.tokens.delete('crm', 'access_token');
      expect(await b.tokens.get('crm', 'access_token')).toBeUndefined();
      // set() is durable before it resolves: nothing else persisted it.
      await b.abandon();
      opened.splice(opened.indexOf(b), 1);
      const again = await c.reopen();
      opened.push(again);
      expect(await again.tokens.get('crm', 'refresh_token')).toEqual(refresh);
    });

    it('credentials: get at once, names and dates only in the list; a wrong key is refused', async () => {
      const c = await fresh();
      const b = c.backend;
      expect(b.credentials.get('api_key')).toBeUndefined();
      await b.credentials.set('api_key', 'cred-secret-value-1');
      await b.credentials.set('pin', 'p1');
      expect(b.credentials.get('api_key')).toBe('cred-secret-value-1');
      const list = await b.credentials.list();
      expect(list.map((r) => r.name)).toEqual(['api_key', 'pin']);
      for (const r of list) {
        expect(Object.keys(r).sort()).toEqual(['name', 'updatedAt']);
        expect(Date.parse(r.updatedAt)).not.toBeNaN();
      }
      expect(await c.atRest()).not.toContain('cred-secret-value');
      expect(await b.credentials.remove('pin')).toBe(true);
      expect(await b.credentials.remove('pin')).toBe(false);
      await b.abandon();
      opened.splice(opened.indexOf(b), 1);
      const wrong = await c.reopenWithOtherKey();
      opened.push(wrong);
      expect(() => wrong.credentials.get('api_key')).toThrow(MasterKeyError);
      await expect(wrong.credentials.list()).rejects.toThrow(MasterKeyError);
      await expect(wrong.credentials.set('other', 'x')).rejects.toThrow(MasterKeyError);
      await expect(wrong.tokens.set('crm', 'refresh_token', 'x')).rejects.toThrow(MasterKeyError);
      await wrong.abandon();
      opened.splice(opened.indexOf(wrong), 1);
      const right = await c.reopen();
      opened.push(right);
      expect(right.credentials.get('api_key')).toBe('cred-secret-value-1');
    });
  });
}
