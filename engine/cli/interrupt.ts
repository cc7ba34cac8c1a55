import { readFileSync, rmSync } from 'node:fs';
import type { FlowSummary, SyncEvent, SyncResult } from '../sync/events.js';
import { interruptRecorder } from '../store/run-interrupt.js';

/** Exit status of a command stopped by Ctrl-C: 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

type FlowCounts = Pick<FlowSummary, 'flow' | 'created' | 'updated' | 'unchanged' | 'failed'> & {
  done?: number;
  total?: number;
  finished: boolean;
};

/** What a run has done, as its events told it: enough to say so when it is stopped. */
class RunTally {
  runId?: string;
  readonly streams = new Map<string, { read: number; finished: boolean }>();
  readonly flows = new Map<string, FlowCounts>();

  see(e: SyncEvent): void {
    if (e.type === 'run:start') this.runId = e.runId;
    if (e.type === 'page') this.streams.set(e.stream, { read: e.read, finished: false });
    if (e.type === 'stage') this.streams.set(e.stream, { read: e.read, finished: true });
    if (e.type === 'progress')
      this.flows.set(e.flow, {
        flow: e.flow,
        created: e.created,
        updated: e.updated,
        unchanged: e.unchanged,
        failed: e.failed,
        done: e.done,
        total: e.total,
        finished: false,
      });
    if (e.type === 'flow:end') {
      const s = e.summary;
      this.flows.set(e.flow, {
        flow: e.flow,
        created: s.created,
        updated: s.updated,
        unchanged: s.unchanged,
        failed: s.failed,
        finished: true,
      });
    }
  }

  lines(): string[] {
    const out: string[] = [];
    for (const [s, r] of this.streams)
      out.push(`read ${s}: ${r.read} records${r.finished ? '' : ' (reading was not finished)'}`);
    for (const f of this.flows.values()) {
      const where = f.finished ? 'finished' : `${f.done}/${f.total} records processed`;
      out.push(
        `${f.flow}: ${where}; created ${f.created}, updated ${f.updated}, unchanged ${f.unchanged}, failed ${f.failed}`,
      );
    }
    if (!out.length) out.push('nothing was read or written yet');
    return out;
  }

  summary(): string {
    return JSON.stringify({
      flows: [...this.flows.values()].map(({ flow, created, updated, unchanged, failed }) => ({
        flow,
        created,
        updated,
        unchanged,
        failed,
      })),
      error: 'interrupted (Ctrl-C)',
    });
  }
}

/** Removes a lock file this process holds (the ones it takes are released by code that will not run now). */
function dropOwnLock(lockFile: string): void {
  try {
    if ((JSON.parse(readFileSync(lockFile, 'utf8')) as { pid?: number }).pid === process.pid)
      rmSync(lockFile, { force: true });
  } catch {
    /* not there, or not ours */
  }
}

/**
 * Runs a sync that Ctrl-C stops at once: it prints what was done so far, records the run as
 * interrupted in the state file (not left `running` until the next run finds it), runs
 * `beforeExit` (the sandbox saves its simulated data), and exits with 130. Everything in the
 * handler is synchronous, so the run cannot checkpoint in between; what it did after its last
 * checkpoint is redone by the next run, exactly as after a crash (writes in flight are in doubt
 * and recovered from the write journal).
 */
export async function interruptible(
  stateFile: string,
  render: (e: SyncEvent) => void,
  run: (onEvent: (e: SyncEvent) => void) => Promise<SyncResult>,
  o: { json?: boolean; beforeExit?: () => void } = {},
): Promise<SyncResult> {
  const record = await interruptRecorder(stateFile);
  const tally = new RunTally();
  const onSigint = () => {
    const recorded = tally.runId ? record(tally.runId, tally.summary()) : false;
    try {
      o.beforeExit?.();
    } finally {
      const lines = tally.lines();
      const said = tally.runId
        ? `run ${tally.runId} interrupted (Ctrl-C)${recorded ? ', recorded as interrupted' : ''}; the next run continues from its last checkpoint`
        : 'interrupted (Ctrl-C) before the run started';
      if (o.json)
        process.stdout.write(`${JSON.stringify({ runId: tally.runId ?? null, status: 'interrupted', done: lines })}\n`);
      else process.stdout.write(`\n${said}\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
      dropOwnLock(`${stateFile}.lock`);
      process.exit(EXIT_INTERRUPTED);
    }
  };
  process.on('SIGINT', onSigint);
  try {
    return await run((e) => {
      tally.see(e);
      render(e);
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
}
