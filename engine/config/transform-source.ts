import { dirname, join } from 'node:path';
import { containedIn } from './contained.js';
import { entryExists } from './project.js';
import { readConfigText } from './read-text.js';

/**
 * The JSONata of a flow's transform: inline, or from a .jsonata file beside mapping.yaml. A file
 * that is missing, unreadable, not UTF-8 or (after symbolic links) outside the mapping's folder is
 * never read; `problem` says why.
 */
export function transformSource(
  mappingFile: string,
  transform: string,
): { file?: string; expr: string; problem?: string } {
  if (/^[\w./-]+\.jsonata$/.test(transform.trim())) {
    const folder = dirname(mappingFile);
    const file = join(folder, transform.trim());
    if (!entryExists(file))
      return { file, expr: '', problem: `transform file "${transform.trim()}" not found beside mapping.yaml` };
    const where = containedIn(file, folder);
    if (!where.inside) return { file, expr: '', problem: `transform file "${transform.trim()}" ${where.problem}` };
    const r = readConfigText(file);
    if ('problem' in r)
      return {
        file,
        expr: '',
        problem: `transform file "${transform.trim()}" ${r.problem}${r.line > 1 ? ` (line ${r.line}, column ${r.col})` : ''}`,
      };
    return { file, expr: r.text };
  }
  return { expr: transform };
}
