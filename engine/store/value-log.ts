import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

/** Where a value lives in the log: byte offset and length. */
export interface ValueRef {
  pos: number;
  len: number;
}

/**
 * An append-only file of values (the source records the mirror keeps), so the state database
 * holds only their offsets. sql.js keeps the whole database in memory and every checkpoint
 * exports all of it; kept there, the records were most of the state's size, memory and
 * checkpoint time. Values are never changed in place: a new version is appended, and the space
 * of old ones is reclaimed by compaction into a new file (see StateStore).
 */
export class ValueLog {
  private unsynced = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private end: number,
    readonly writable: boolean,
  ) {}

  static open(path: string, writable: boolean): ValueLog {
    const fd = openSync(path, writable ? 'a+' : 'r');
    return new ValueLog(path, fd, fstatSync(fd).size, writable);
  }

  get size(): number {
    return this.end;
  }

  /** Appends values with one write and returns where each one went. */
  append(values: string[]): ValueRef[] {
    if (!this.writable) throw new Error(`value log ${this.path} is open read-only`);
    const bufs = values.map((v) => Buffer.from(v, 'utf8'));
    const all = Buffer.concat(bufs);
    let written = 0;
    while (written < all.length) written += writeSync(this.fd, all, written, all.length - written, this.end + written);
    const refs: ValueRef[] = [];
    let pos = this.end;
    for (const b of bufs) {
      refs.push({ pos, len: b.length });
      pos += b.length;
    }
    this.end = pos;
    this.unsynced = true;
    return refs;
  }

  read(ref: ValueRef): string {
    const buf = Buffer.allocUnsafe(ref.len);
    let got = 0;
    while (got < ref.len) {
      const n = readSync(this.fd, buf, got, ref.len - got, ref.pos + got);
      if (n === 0) throw new Error(`value log ${this.path} ends at ${ref.pos + got}, before the value at ${ref.pos} (+${ref.len}) the state refers to`);
      got += n;
    }
    return buf.toString('utf8');
  }

  /** Makes what was appended durable; a checkpoint that refers to it must come after. */
  sync(): void {
    if (!this.unsynced) return;
    fsyncSync(this.fd);
    this.unsynced = false;
  }

  close(): void {
    closeSync(this.fd);
  }
}
