import { describe, expect, it } from 'vitest';
import { MAP_WORKER_MIN_RECORDS, wantsMapWorker } from '../../engine/map/map-pool.js';

describe('when a flow maps on a worker thread', () => {
  const big = MAP_WORKER_MIN_RECORDS;
  it('only for an interpreted transform with enough records, unless told otherwise', () => {
    expect(wantsMapWorker({ records: big, interpreted: true }, {})).toBe(true);
    expect(wantsMapWorker({ records: big - 1, interpreted: true }, {})).toBe(false);
    // A compiled transform maps faster than a worker starts.
    expect(wantsMapWorker({ records: big * 10, interpreted: false }, {})).toBe(false);
    expect(wantsMapWorker({ records: big, interpreted: false }, { MLC_MAP_WORKER: 'on' })).toBe(true);
    expect(wantsMapWorker({ records: big, interpreted: true }, { MLC_MAP_WORKER: 'off' })).toBe(false);
    expect(wantsMapWorker({ records: 5, interpreted: true }, { MLC_MAP_WORKER_MIN_RECORDS: '5' })).toBe(true);
  });

  it('ignores a threshold that is not a number', () => {
    expect(wantsMapWorker({ records: 5, interpreted: true }, { MLC_MAP_WORKER_MIN_RECORDS: 'lots' })).toBe(false);
    expect(wantsMapWorker({ records: big, interpreted: true }, { MLC_MAP_WORKER_MIN_RECORDS: 'lots' })).toBe(true);
  });
});
