import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../engine/store/state.js';
import { doubtfulBatches, journalPath, WriteJournal } from '../../engine/store/write-journal.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const target = (s: StateStore, key: string, hash: string) => {
  s.run(
    "INSERT OR REPLACE INTO targets (mapping, flow, key, match_value, target_id, hash, mapped_at, clock_dependent) VALUES ('m', 'f', ?, ?, ?, ?, '2026-01-01', 0)",
    [key, key, `id-${key}`, hash],
  );
};
const hashOf = (s: StateStore, key: string) =>
  s.get<{ hash: string | null }>("SELECT hash FROM targets WHERE mapping = 'm' AND flow = 'f' AND key = ?", [key])
    ?.hash;

describe('write-intent journal', () => {
  it('concurrent appends all reach the file, as whole lines, with their job ids', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlc-journal-'));
    const j = new WriteJournal(join(dir, 'state.db.journal'));
    const batch = (k: string) => ({
      mapping: 'm',
      flow: 'f',
      kind: 'create' as const,
      items: [{ key: k, match: k, hash: `h-${k}` }],
    });
    const ids = (await Promise.all([j.intend([batch('a'), batch('b')]), j.intend([batch('c')])])).flat();
    await Promise.all(ids.map((id, i) => j.jobStarted(id, `J${i}`)));
    await j.close();
    const lines = readFileSync(join(dir, 'state.db.journal'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: string; b: string; job?: string });
    expect(lines.filter((l) => l.t === 'w').map((l) => l.b)).toEqual(ids);
    expect(
      lines
        .filter((l) => l.t === 'j')
        .map((l) => l.job)
        .sort(),
    ).toEqual(['J0', 'J1', 'J2']);
    expect(new Set(ids).size).toBe(3);
  });

  it('at open, keys still pending become in doubt (hash cleared, job kept); recorded ones and a torn last line are left alone', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlc-journal-'));
    const statePath = join(dir, 'state.db');
    const s = await StateStore.open(statePath);
    // a and b were sent; the killed run recorded b (its pending mark went with its outcome), not a.
    target(s, 'a', 'old-a');
    target(s, 'b', 'new-b');
    s.run("INSERT INTO pending (mapping, flow, key) VALUES ('m', 'f', 'a'), ('m', 'f', 'c')");
    s.close();
    const j = new WriteJournal(journalPath(statePath));
    const [sent] = await j.intend([
      {
        mapping: 'm',
        flow: 'f',
        kind: 'update',
        items: [
          { key: 'a', match: 'a', target: 'id-a', hash: 'new-a' },
          { key: 'b', match: 'b', target: 'id-b', hash: 'new-b' },
        ],
      },
    ]);
    await j.jobStarted(sent, 'JOB-1');
    await j.close();
    // A kill in the middle of the next append: that batch was never sent.
    appendFileSync(
      journalPath(statePath),
      '{"t":"w","b":"torn","mapping":"m","flow":"f","kind":"create","items":[{"key":"c"',
    );

    const again = await StateStore.open(statePath);
    try {
      expect(hashOf(again, 'a')).toBeNull();
      expect(hashOf(again, 'b')).toBe('new-b');
      const doubts = doubtfulBatches(again, 'm', 'f');
      expect(doubts).toHaveLength(1);
      expect(doubts[0]).toMatchObject({ batch: sent, kind: 'update', job: 'JOB-1', doubtful: ['a'] });
      expect(doubts[0].items.map((i) => i.key)).toEqual(['a', 'b']);
      // Absorbed into the checkpointed state: the journal is gone.
      expect(existsSync(journalPath(statePath))).toBe(false);
    } finally {
      again.close();
    }
    // And it survives the next open (the doubt stays until its flow settles it).
    const third = await StateStore.open(statePath, { lock: false });
    try {
      expect(doubtfulBatches(third, 'm', 'f')).toHaveLength(1);
    } finally {
      third.abandon();
    }
  });

  it('a state opened without its lock (history views) leaves the journal alone', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlc-journal-'));
    const statePath = join(dir, 'state.db');
    const s = await StateStore.open(statePath);
    s.run("INSERT INTO pending (mapping, flow, key) VALUES ('m', 'f', 'a')");
    s.close();
    const j = new WriteJournal(journalPath(statePath));
    await j.intend([{ mapping: 'm', flow: 'f', kind: 'create', items: [{ key: 'a', match: 'a', hash: 'h' }] }]);
    await j.close();
    const view = await StateStore.open(statePath, { lock: false });
    view.abandon();
    expect(existsSync(journalPath(statePath))).toBe(true);
  });
});
