// Shared helpers of the config-layer tests: temp projects and diagnostics with project-relative file names.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../engine/config/diagnostic.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A file's text from its lines, so line N of a fixture is element N-1 and columns can be read off each literal. */
export function lines(...ls: string[]): string {
  return `${ls.join('\n')}\n`;
}

const created: string[] = [];

/**
 * A project folder in the OS temp dir with the shipped Visma and Zendesk connectors and `files`
 * (project-relative path -> text) written over it. Removed by `removeTempProjects`.
 */
export function tempProject(files: Record<string, string>, withShipped = true): string {
  const root = mkdtempSync(join(tmpdir(), 'mlc-lint-'));
  created.push(root);
  mkdirSync(join(root, 'connectors'));
  if (withShipped) {
    for (const c of ['visma.yaml', 'zendesk.yaml'])
      copyFileSync(join(repoRoot, 'connectors', c), join(root, 'connectors', c));
  }
  for (const [rel, text] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  return root;
}

export function removeTempProjects(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Diagnostics with `file` relative to the project root and `/` separators, independent of the cwd. */
export function relativeTo(root: string, diags: readonly Diagnostic[]): Diagnostic[] {
  return diags.map((d) => ({ ...d, file: relative(root, resolve(d.file)).split(sep).join('/') }));
}
