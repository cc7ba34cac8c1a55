import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/** Where a value lives in the log: byte offset and length. */
export interface ValueRef {
  pos: number;
  len: number;
}

/**
 * Logs that start with this carry a CRC-32 in the 4 bytes before each value. Logs without it
 * (written before checksums) are still read, unchecked, and rewritten into a checked log by the
 * next compaction.
 */
const MAGIC = Buffer.from('mlc-values-2\n');
const CRC_BYTES = 4;
/** The verifying scan reads the log in windows of this size (one read per window, not per record). */
const SCAN_WINDOW = 4 * 1024 * 1024;

/**
 * The checksum is seeded with the value's offset, so a state that points at the wrong place, or
 * records moved within the file, fail it as well as changed bytes do.
 */
function checksum(value: Buffer, pos: number): number {
  return crc32(value, pos % 0x1_0000_0000);
}

/** A stored value that cannot be trusted: cut off by a truncated log, or failing its checksum. */
export class ValueDamagedError extends Error {
  constructor(
    readonly path: string,
    readonly ref: ValueRef,
    readonly reason: string,
  ) {
    super(`value log ${path}: the record at byte ${ref.pos} (${ref.len} bytes) ${reason}`);
    this.name = 'ValueDamagedError';
  }
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
    /** Values carry checksums (the log starts with MAGIC) */
    readonly checked: boolean,
  ) {}

  /** Opens a log; a new (empty) one opened for writing starts checked. Files are created 0600. */
  static open(path: string, writable: boolean): ValueLog {
    const fd = openSync(path, writable ? 'a+' : 'r', 0o600);
    let size = fstatSync(fd).size;
    if (size === 0 && writable) {
      writeAll(fd, MAGIC, 0);
      size = MAGIC.length;
    }
    const head = Buffer.alloc(MAGIC.length);
    const got = size >= MAGIC.length ? readSync(fd, head, 0, MAGIC.length, 0) : 0;
    return new ValueLog(path, fd, size, writable, got === MAGIC.length && head.equals(MAGIC));
  }

  get size(): number {
    return this.end;
  }

  /** Appends values with one write and returns where each one went. */
  append(values: string[]): ValueRef[] {
    if (!this.writable) throw new Error(`value log ${this.path} is open read-only`);
    const frame = this.checked ? CRC_BYTES : 0;
    const bufs = values.map((v) => Buffer.from(v, 'utf8'));
    const all = Buffer.allocUnsafe(bufs.reduce((n, b) => n + b.length + frame, 0));
    const refs: ValueRef[] = [];
    let off = 0;
    for (const b of bufs) {
      const pos = this.end + off + frame;
      if (frame) all.writeUInt32BE(checksum(b, pos), off);
      b.copy(all, off + frame);
      refs.push({ pos, len: b.length });
      off += frame + b.length;
    }
    writeAll(this.fd, all, this.end);
    this.end += all.length;
    this.unsynced = true;
    return refs;
  }

  /** Reads a value; a damaged one throws ValueDamagedError (never returns bytes that fail their check). */
  read(ref: ValueRef): string {
    const frame = this.checked ? CRC_BYTES : 0;
    if (ref.pos - frame < 0 || ref.pos + ref.len > this.end)
      throw new ValueDamagedError(
        this.path,
        ref,
        `lies beyond the end of the log (${this.end} bytes): the log was truncated`,
      );
    const buf = Buffer.allocUnsafe(ref.len + frame);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fd, buf, got, buf.length - got, ref.pos - frame + got);
      if (n === 0)
        throw new ValueDamagedError(
          this.path,
          ref,
          `lies beyond the end of the log (${ref.pos - frame + got} bytes): the log was truncated`,
        );
      got += n;
    }
    const value = buf.subarray(frame);
    if (frame && buf.readUInt32BE(0) !== checksum(value, ref.pos))
      throw new ValueDamagedError(this.path, ref, 'does not match its checksum: the log was changed on disk');
    return value.toString('utf8');
  }

  /**
   * Checks the given values (sorted by position) with one read per window of the file and returns
   * the damaged ones with the reason. A log without checksums is checked for truncation only.
   */
  verify(refs: ValueRef[]): { index: number; reason: string }[] {
    const frame = this.checked ? CRC_BYTES : 0;
    const bad: { index: number; reason: string }[] = [];
    let window = Buffer.alloc(0);
    let windowStart = 0;
    refs.forEach((ref, index) => {
      const start = ref.pos - frame;
      const stop = ref.pos + ref.len;
      if (start < 0 || stop > this.end)
        return bad.push({ index, reason: `lies beyond the end of the log (${this.end} bytes): the log was truncated` });
      if (!frame) return;
      if (start < windowStart || stop > windowStart + window.length) {
        window = Buffer.allocUnsafe(Math.min(Math.max(SCAN_WINDOW, stop - start), this.end - start));
        let got = 0;
        while (got < window.length) {
          const n = readSync(this.fd, window, got, window.length - got, start + got);
          if (n === 0) break;
          got += n;
        }
        window = window.subarray(0, got);
        windowStart = start;
        if (stop > windowStart + window.length) return bad.push({ index, reason: 'could not be read in full' });
      }
      const at = start - windowStart;
      const value = window.subarray(at + frame, at + frame + ref.len);
      if (window.readUInt32BE(at) !== checksum(value, ref.pos))
        bad.push({ index, reason: 'does not match its checksum: the log was changed on disk' });
    });
    return bad;
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

function writeAll(fd: number, data: Buffer, at: number): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written, at + written);
}
