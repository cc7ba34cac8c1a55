import { realpathSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { fsErrorReason } from './read-text.js';

/**
 * Whether `file`, after every symbolic link is followed, lies inside `folder` (also resolved). A
 * mapping may only read its own transforms and fixtures: a path or link leading elsewhere would
 * let a mapping load any file on the machine.
 */
export function containedIn(
  file: string,
  folder: string,
  outside = "the mapping's folder; keep transforms and fixtures inside mappings/<name>/",
): { inside: true } | { inside: false; problem: string } {
  let real: string;
  let realFolder: string;
  try {
    realFolder = realpathSync(folder);
    real = realpathSync(file);
  } catch (e) {
    return { inside: false, problem: fsErrorReason(e) };
  }
  const rel = relative(realFolder, real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    return { inside: false, problem: `resolves (after symbolic links) to a file outside ${outside}` };
  return { inside: true };
}
