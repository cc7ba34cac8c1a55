import type { DeletionEvidence } from '../store/backend.js';

/** What a run reports as it goes; the engine never prints, the CLI renders these. */
export type SyncEvent =
  | { type: 'run:start'; runId: string; mapping: string }
  | { type: 'stage'; connection: string; stream: string; read: number; changed: number }
  /** A page of a stream was read and staged: `read` records of the stream so far */
  | { type: 'page'; connection: string; stream: string; page: number; read: number; changed: number }
  | { type: 'provision'; flow: string; created: string[]; updated: string[]; existing: number }
  | { type: 'flow:start'; flow: string; affected: number }
  | {
      type: 'progress';
      flow: string;
      done: number;
      total: number;
      created: number;
      updated: number;
      unchanged: number;
      failed: number;
    }
  | { type: 'record:failed'; flow: string; key: string; reason: string }
  | ({ type: 'warning' } & RunWarning)
  | { type: 'flow:end'; flow: string; summary: FlowSummary };

export interface FlowSummary {
  flow: string;
  read: number;
  affected: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  /** Requests to the source and target APIs during this flow (target writes, lookups and polls included) */
  requests: { source: number; target: number };
  durationMs: number;
  /** Worker threads that mapped beside the main thread (0: all on the main thread) */
  mapWorkers: number;
  failures: { key: string; reason: string }[];
  /**
   * Why every record of the flow was re-mapped, not only the changed ones ("mapping changed",
   * "full run"), and how many there were
   */
  remapped?: { reason: string; records: number };
  /** Records deleted or deactivated at the source, by what the flow's on_delete did (dry runs: would do) */
  deleted?: DeletedCounts;
  /** Dry runs: what would be sent (a mark, archive or delete with the deletion's evidence) */
  planned?: {
    key: string;
    action: 'create' | 'update' | 'unchanged' | 'mark' | 'archive' | 'delete';
    payload: Record<string, unknown>;
    before?: Record<string, unknown>;
    deletion?: DeletionEvidence;
  }[];
}

export interface DeletedCounts {
  marked: number;
  archived: number;
  deleted: number;
  ignored: number;
}

/** Something a run did but the user should know (a record stamped in the future) */
export interface RunWarning {
  stream: string;
  key?: string;
  message: string;
}

export interface SyncResult {
  runId: string;
  mapping: string;
  status: 'ok' | 'failed_records' | 'error';
  error?: string;
  /**
   * What opening the state found and repaired (damaged stored records re-read from the source,
   * unfinished runs recorded)
   */
  stateNotes?: string[];
  flows: FlowSummary[];
  /** Custom fields created, and existing ones given missing options ("key (+value, ...)") */
  provisioned: { flow: string; created: string[]; updated: string[] }[];
  warnings?: RunWarning[];
  /** The key-set reconciles this run made (streams whose reconcile was due, or --reconcile) */
  reconciles?: ReconcileSummary[];
  durationMs: number;
}

/** One stream's key-set reconcile in a run. */
export interface ReconcileSummary {
  stream: string;
  /** Only a complete listing marks or clears anything */
  complete: boolean;
  /** Why the listing did not count (complete: false) */
  reason?: string;
  /** Keys listed */
  listed: number;
  /** Requests the listing made (retries included) */
  requests: number;
  /** Mirror keys the source no longer lists, newly marked deleted (dry run: would be) */
  deleted: number;
  /** Keys marked deleted by an earlier reconcile that the source lists again (cleared) */
  restored: number;
  /** A few of the deleted keys, for the run summary and dry runs */
  sample: string[];
}
