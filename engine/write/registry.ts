import type { Write } from '../config/types.generated.js';
import { asyncJobWriter } from './async-job.js';
import { batchWriter } from './batch.js';
import { singleWriter } from './single.js';
import type { Writer } from './types.js';

/** Write strategies by the name the connector YAML uses; the schema's enum lists the same names. */
export const WRITERS: Record<Write['writer'], Writer> = {
  single: singleWriter,
  batch: batchWriter,
  async_job: asyncJobWriter,
};
