import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Flow, Operation } from '../config/types.generated.js';
import type { MapInput, MapOutput, PayloadShape } from './map-record.js';

export interface MapWorkerInit {
  mappingName: string;
  flowName: string;
  flow: Flow;
  op: Operation;
  mappingFile: string;
  shape: PayloadShape;
}

/** Flows with fewer records to map stay on the main thread (a worker costs ~100 ms and ~30 MB to start). */
export const MAP_WORKER_MIN_RECORDS = 2000;

export interface MapWorkerStart {
  /** Records the flow has to map */
  records: number;
  /** Whether the transform runs on the JSONata interpreter; a compiled one maps faster than a worker starts. */
  interpreted: boolean;
}

/** Whether a flow maps on a worker thread too (see MapWorker.start). */
export function wantsMapWorker(o: MapWorkerStart, env: NodeJS.ProcessEnv = process.env): boolean {
  const mode = env.MLC_MAP_WORKER;
  const set = Number(env.MLC_MAP_WORKER_MIN_RECORDS);
  const min = env.MLC_MAP_WORKER_MIN_RECORDS && Number.isFinite(set) ? set : MAP_WORKER_MIN_RECORDS;
  return mode !== 'off' && (o.interpreted || mode === 'on') && o.records >= min;
}

/**
 * Mapping on a worker thread, so that a transform on the JSONata interpreter (then most of a large
 * sync's CPU) runs beside the main thread's reads, state writes and bulk-job polling instead of
 * between them.
 */
export class MapWorker {
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (o: MapOutput[]) => void; reject: (e: Error) => void }>();
  private failed?: Error;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; outputs: MapOutput[] }) => {
      this.waiting.get(m.id)?.resolve(m.outputs);
      this.waiting.delete(m.id);
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    worker.on('error', (e) => {
      fail(new Error(`the map worker failed: ${e.message}`));
    });
    worker.on('exit', (code) => {
      fail(new Error(`the map worker exited (code ${code})`));
    });
  }

  /**
   * A worker for a flow, or undefined when mapping stays on this thread: a compiled transform, too
   * few records, MLC_MAP_WORKER=off, or no compiled worker (tests running the TypeScript sources).
   * MLC_MAP_WORKER=on starts one for a compiled transform too; MLC_MAP_WORKER_MIN_RECORDS moves
   * the threshold.
   */
  static start(init: MapWorkerInit, o: MapWorkerStart, env: NodeJS.ProcessEnv = process.env): MapWorker | undefined {
    const file = new URL('./map-worker.js', import.meta.url);
    if (!wantsMapWorker(o, env) || !existsSync(fileURLToPath(file))) return undefined;
    // A small young generation: the worker's garbage is short-lived, and its heap counts in the sync's memory.
    return new MapWorker(new Worker(file, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 8 } }));
  }

  map(now: number, inputs: MapInput[]): Promise<MapOutput[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, now, inputs });
    });
  }

  async close(): Promise<void> {
    this.failed ??= new Error('the map worker is closed');
    await this.worker.terminate();
  }
}
