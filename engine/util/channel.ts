/**
 * A one-producer, one-consumer queue of batches with backpressure: `push` resolves once the
 * consumer has taken enough that at most `highWater` items wait, so a fast producer (mapping)
 * never holds more than that in memory ahead of a slow consumer (the writer).
 */
export class Channel<T> implements AsyncIterable<T[]> {
  private readonly queue: T[][] = [];
  private queued = 0;
  private closed = false;
  private wakeConsumer?: () => void;
  private readonly waitingProducers: (() => void)[] = [];

  constructor(private readonly highWater = Infinity) {}

  /** Adds a batch; a closed channel (its consumer gave up) takes nothing more. */
  async push(batch: T[]): Promise<void> {
    if (this.closed || !batch.length) return;
    this.queue.push(batch);
    this.queued += batch.length;
    this.wake();
    // close() may run while this producer waits: TypeScript keeps `closed` narrowed to false across the await.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
    while (this.queued > this.highWater && !this.closed) await new Promise<void>((r) => this.waitingProducers.push(r));
  }

  close(): void {
    this.closed = true;
    this.wake();
    for (const r of this.waitingProducers.splice(0)) r();
  }

  /** The next batch, or undefined once the channel is closed and drained. */
  async take(): Promise<T[] | undefined> {
    let batch = this.queue.shift();
    while (!batch) {
      if (this.closed) return undefined;
      await new Promise<void>((r) => (this.wakeConsumer = r));
      batch = this.queue.shift();
    }
    this.queued -= batch.length;
    if (this.queued <= this.highWater) for (const r of this.waitingProducers.splice(0)) r();
    return batch;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T[]> {
    for (let b = await this.take(); b; b = await this.take()) yield b;
  }

  /** The channel itself, or a closed one holding these items (callers that have them all at once). */
  static from<T>(items: T[] | Channel<T>): Channel<T> {
    if (!Array.isArray(items)) return items;
    const c = new Channel<T>();
    if (items.length) {
      c.queue.push(items);
      c.queued = items.length;
    }
    c.close();
    return c;
  }

  private wake(): void {
    const w = this.wakeConsumer;
    this.wakeConsumer = undefined;
    w?.();
  }
}
