import { Channel } from '../util/channel.js';
import type { WriteItem } from '../write/types.js';
import type { WriteKind } from './flow-run.js';

/**
 * One writer per kind, running for the whole flow and fed as chunks are mapped: the next records
 * are mapped while earlier ones are written (bulk jobs spend most of their time waiting), and
 * jobs from several chunks share each poll. A writer is started when its kind first has records.
 */
export class WriterFeed {
  private readonly channels = new Map<WriteKind, Channel<WriteItem>>();
  private readonly running: Promise<void>[] = [];
  private stoppedBy?: { error: unknown };

  constructor(
    private readonly startWriter: (kind: WriteKind, items: Channel<WriteItem>) => Promise<unknown>,
    /** Items mapped ahead of a writer, at most */
    private readonly highWater: number,
  ) {}

  /** A writer failed in a way that stops the run (auth, network): feeding more is pointless. */
  get stopped(): boolean {
    return this.stoppedBy !== undefined;
  }

  /** Hands items to the kind's writer; resolves once it has room for more. */
  async push(kind: WriteKind, items: WriteItem[]): Promise<void> {
    if (items.length) await this.channelFor(kind).push(items);
  }

  /** Closes every channel and waits for the writers; throws the error that stopped one. */
  async finish(): Promise<void> {
    for (const ch of this.channels.values()) ch.close();
    await Promise.all(this.running);
    if (this.stoppedBy) throw this.stoppedBy.error;
  }

  private channelFor(kind: WriteKind): Channel<WriteItem> {
    const existing = this.channels.get(kind);
    if (existing) return existing;
    const ch = new Channel<WriteItem>(this.highWater);
    this.channels.set(kind, ch);
    const run = this.startWriter(kind, ch).then(
      () => undefined,
      (error: unknown) => {
        // A run-stopping error: stop feeding every writer.
        this.stoppedBy ??= { error };
        for (const x of this.channels.values()) x.close();
      },
    );
    this.running.push(run);
    return ch;
  }
}
