import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export class LockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: string,
  ) {
    super(
      `another mlc process (${holder}) is using this state file; wait for it to finish, or delete ${lockFile} if that process is gone`,
    );
    this.name = 'LockedError';
  }
}

/** Whether a process with this id runs on this machine (EPERM: it does, under another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a stale lock aside. Two processes may both find it stale; rename lets only one move it,
 * and a process that moved a lock which had meanwhile become live (another process took over
 * first) puts it back.
 */
function takeOverStale(lockFile: string, stalePid: number | undefined): void {
  const aside = `${lockFile}.stale-${process.pid}`;
  try {
    renameSync(lockFile, aside);
  } catch {
    return;
  }
  let moved: { pid?: number } = {};
  try {
    moved = JSON.parse(readFileSync(aside, 'utf8')) as typeof moved;
  } catch {
    /* torn: stale */
  }
  if (moved.pid !== stalePid && moved.pid && alive(moved.pid)) {
    try {
      linkSync(aside, lockFile);
    } catch {
      /* someone holds it again: they win */
    }
  }
  unlinkSync(aside);
}

/** Locks this process holds for a whole command, which the state it opens inside shares. */
const heldForCommand = new Set<string>();

/**
 * An exclusive lock file beside the state file. A lock left by a killed process on this host is
 * taken over (its pid is gone); a live holder is refused with a clear message.
 *
 * `forCommand`: a command that must hold the lock before it touches any file of the state's
 * (sync --sandbox resets the state and rewrites the simulated data) takes it this way; opening
 * the state inside that command then shares it instead of refusing itself.
 */
export function acquireLock(lockFile: string, o: { forCommand?: boolean } = {}): () => void {
  const key = resolve(lockFile);
  if (heldForCommand.has(key)) return () => {};
  const release = takeLock(lockFile);
  if (!o.forCommand) return release;
  heldForCommand.add(key);
  return () => {
    heldForCommand.delete(key);
    release();
  };
}

function takeLock(lockFile: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(lockFile);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: { pid?: number; host?: string } = {};
      try {
        holder = JSON.parse(readFileSync(lockFile, 'utf8')) as typeof holder;
      } catch {
        /* a torn lock file is stale */
      }
      const sameHost = !holder.host || holder.host === hostname();
      if (sameHost && (!holder.pid || !alive(holder.pid))) {
        takeOverStale(lockFile, holder.pid);
        continue;
      }
      throw new LockedError(lockFile, `pid ${holder.pid} on ${holder.host}`);
    }
  }
  throw new LockedError(lockFile, 'unknown');
}
