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

parentPort!.on('message', async (msg: { id: number; now: number; inputs: MapInput[] }) => {
  now = msg.now;
  const outputs = [];
  for (const input of msg.inputs) outputs.push(await mapRecord(mapper, init.shape, input));
  parentPort!.postMessage({ id: msg.id, outputs });
});
