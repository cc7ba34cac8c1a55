/**
 * The map worker's thread: builds the flow's FlowMapper from what the sync sends and maps batches
 * of records with mapRecord. The run clock comes with each batch, and the mapping's custom functions
 * are imported here by path (a function cannot cross threads).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadMappingFunctions } from '../config/custom-functions.js';
import { FlowMapper } from './flow-mapper.js';
import { mapRecord, type MapInput } from './map-record.js';
import type { MapWorkerInit } from './map-pool.js';

if (!parentPort) throw new Error('the map worker runs only as a worker thread');
const port = parentPort;
const init = workerData as MapWorkerInit;
// The mapping's custom functions are modules: this thread imports its own copies by path.
await loadMappingFunctions(init.mappingFile);
let now = Date.now();
const mapper = new FlowMapper(
  init.mappingName,
  init.flowName,
  init.flow,
  init.op,
  init.mappingFile,
  () => new Date(now),
);

async function mapBatch(msg: { id: number; now: number; inputs: MapInput[] }): Promise<void> {
  now = msg.now;
  const outputs = [];
  for (const input of msg.inputs) outputs.push(await mapRecord(mapper, init.shape, input));
  port.postMessage({ id: msg.id, outputs });
}

// mapRecord answers every failure of a record; anything else rejects unhandled and ends the worker, as before.
port.on('message', (msg: { id: number; now: number; inputs: MapInput[] }) => void mapBatch(msg));
