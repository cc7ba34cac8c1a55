import type { Channel } from '../util/channel.js';
import type { Write } from '../config/types.generated.js';
import type { HttpClient } from '../http/client.js';
import type { JobSlots } from './job-slots.js';

export interface WriteItem {
  /** Source record key */
  key: string;
  /** Value of the operation's match key in the payload */
  matchValue: string;
  payload: Record<string, unknown>;
  /** Known target id (updates) */
  targetId?: string;
}

export interface WriteOutcome {
  key: string;
  ok: boolean;
  action?: 'created' | 'updated';
  targetId?: string;
  error?: string;
  /** A create failed because the record exists: look it up and update it instead. */
  conflict?: boolean;
  /**
   * A failure whose effect on the target is unknown (a job that timed out, failed or was lost; a
   * server error after the request may have been applied): the write must be confirmed later.
   */
  unknown?: boolean;
}

export interface WriteContext {
  client: HttpClient;
  baseUrl: string;
  vars: Record<string, string>;
  spec: Write;
  kind: 'create' | 'update' | 'upsert';
  label: string;
  /**
   * Receives every outcome, once, as it arrives (the one way outcomes leave a writer). A writer
   * waits for it before it goes on, so a caller that stores outcomes slows the writes down to
   * its pace, and a long write is checkpointed as it goes.
   */
  onOutcomes: (outcomes: WriteOutcome[]) => void | Promise<void>;
  /** Bulk job slots of the flow, shared by its writers (the account limits queued jobs) */
  jobSlots?: JobSlots;
  /**
   * Makes batches about to be sent durable (the write-intent journal) and resolves with a token
   * per batch; writers call it before sending anything.
   */
  intend?: (batches: WriteItem[][]) => Promise<string[]>;
  /** Makes a bulk job's id durable with its batch's token, before the writer relies on the job. */
  jobStarted?: (token: string, jobId: string) => Promise<void>;
}

/**
 * Writes items given at once, or as they arrive on a channel (mapping still going on), and hands
 * every outcome to `ctx.onOutcomes`. Rejects only for what stops the run (auth, network).
 */
export type Writer = (items: WriteItem[] | Channel<WriteItem>, ctx: WriteContext) => Promise<void>;

/** Whether a failed request may still have been applied (no answer that rules it out). */
export const outcomeUnknown = (status: number | undefined) => status === undefined || status >= 500;

/** Runs a writer and returns every outcome at the end (callers that need them all at once). */
export async function writeAll(
  writer: Writer,
  items: WriteItem[] | Channel<WriteItem>,
  ctx: Omit<WriteContext, 'onOutcomes'>,
): Promise<WriteOutcome[]> {
  const out: WriteOutcome[] = [];
  await writer(items, { ...ctx, onOutcomes: (o) => void out.push(...o) });
  return out;
}
