import { readFileSync, statSync } from 'node:fs';

/**
 * Config files are small; a file far larger than any real one is a mistake (a log or a dump
 * saved under a config name) and parsing it would only stall the linter.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export type TextOrProblem = { text: string } | { problem: string; line: number; col: number };

/** Why a path cannot be read as a file, in a user's words; undefined when it is a readable regular file. */
export function unreadableReason(abs: string): string | undefined {
  let st;
  try {
    st = statSync(abs);
  } catch (e) {
    return fsErrorReason(e);
  }
  if (st.isDirectory()) return 'is a folder where a file is expected';
  // Reading a FIFO or a device blocks or never ends, so only regular files are opened.
  if (!st.isFile()) return 'is not a regular file (a pipe, socket or device); expected a YAML file';
  if (st.size > MAX_CONFIG_BYTES) return `is ${st.size} bytes; a config file may be at most ${MAX_CONFIG_BYTES} bytes`;
  return undefined;
}

export function fsErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null | undefined)?.code;
  switch (code) {
    case 'ELOOP':
      return 'is a symbolic link loop (the link points back at itself), so it cannot be read';
    case 'ENOENT':
      return 'does not exist (or is a symbolic link to a file that does not exist)';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read: permission denied';
    case 'EISDIR':
      return 'is a folder where a file is expected';
    case 'ENAMETOOLONG':
      return 'has a path too long to open';
    default:
      return `cannot be read (${code ?? (e instanceof Error ? e.message : String(e))})`;
  }
}

/**
 * A config file's text, or why it cannot be used. The bytes must be UTF-8: anything else is
 * refused with the offset of the first invalid byte, because decoding with replacement characters
 * would send the mojibake on to the target system as if it were data.
 */
export function readConfigText(abs: string, read: (p: string) => Buffer = readFileSync): TextOrProblem {
  const reason = unreadableReason(abs);
  if (reason) return { problem: reason, line: 1, col: 1 };
  let bytes: Buffer;
  try {
    bytes = read(abs);
  } catch (e) {
    return { problem: fsErrorReason(e), line: 1, col: 1 };
  }
  return decodeUtf8(bytes);
}

export function decodeUtf8(bytes: Uint8Array): TextOrProblem {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
    const lineStart = before.lastIndexOf('\n') + 1;
    return {
      problem: `is not UTF-8: the byte 0x${bytes[at].toString(16).padStart(2, '0').toUpperCase()} at byte offset ${at} is not part of a valid UTF-8 character; save the file as UTF-8`,
      line: before.split('\n').length,
      col: before.length - lineStart + 1,
    };
  }
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629), or bytes.length. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b < 0x80) n = 0;
    else if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // past U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes.at(i + k);
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return bytes.length;
}
