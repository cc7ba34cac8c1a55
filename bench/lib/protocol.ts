/** What the bench parent hands a child process and what the child writes back (JSON files). */
import type { Profile } from '../baseline.js';

export interface ChildConfig {
  mode: 'engine' | 'baseline' | 'mapper';
  /** Project root (mappings/, connectors/) */
  root: string;
  connections: Record<string, Profile>;
  /** Engine: state database; baseline: its JSON state file */
  statePath: string;
  resultPath: string;
  /** Engine: time mapping, SQL, HTTP and checkpoints by wrapping engine methods */
  instrument?: boolean;
  /** Start runSync at this epoch ms (aligns a rate-limited run to a window boundary) */
  startAtEpochMs?: number;
  /** Engine: run the key-set reconcile now (mlc sync --reconcile) */
  reconcile?: boolean;
  /** Mapper: passes over the inputs */
  passes?: number;
}

export interface MemoryReport {
  /** process.resourceUsage().maxRSS, in MB */
  maxRssMB: number;
  /** VmHWM from /proc/self/status, in MB (null off Linux) */
  vmHwmMB: number | null;
  /** Peaks of process.memoryUsage() sampled every 100 ms, in MB */
  sampledPeakMB: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
}

export interface Timer {
  calls: number;
  ms: number;
}

export interface TimedEvent {
  t: number;
  type: string;
  [k: string]: unknown;
}

export interface ChildResult {
  mode: ChildConfig['mode'];
  ok: boolean;
  error?: string;
  /** Wall time of the measured call (runSync / runBaseline), ms */
  wallMs: number;
  startEpochMs: number;
  endEpochMs: number;
  /** From process start to the measured call (node boot, imports) */
  bootMs: number;
  cpu: { userMs: number; systemMs: number };
  memory: MemoryReport;
  stateBytes?: number;
  /** Bytes of the state's value log (the mirrored records, beside the database) */
  valueLogBytes?: number;
  /** runSync's SyncResult or the baseline's result or the mapper report */
  result?: unknown;
  events?: TimedEvent[];
  timers?: Record<string, Timer>;
  /** Instrumented runs: time per SQL statement, with SQLite's plan for SELECTs */
  sql?: { sql: string; calls: number; ms: number; plan?: string[] }[];
  /** Engine runs: fetch calls and failures, and each HttpClient's own counts */
  network?: {
    fetches: number;
    fetchErrors: Record<string, number>;
    examples: string[];
    clients: { connection: string; requests: number; retries: number; byMethod: Record<string, number> }[];
  };
}
