// A run calls the custom modules its mapping and connectors name: one that does not export what its
// kind needs stops the run before anything is read or written, with the YAML line that names it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/config/diagnostic.js';
import { setup, type E2E } from './helpers.js';
import { addFunction, copyProject, editFile } from './temp-project.js';

let e: E2E | undefined;
let root: string | undefined;
afterEach(async () => {
  await e?.stop();
  e = undefined;
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('a run with custom modules', () => {
  it('refuses a function module with no default export before reading anything', async () => {
    root = copyProject();
    addFunction(root, 'tag', 'export const notDefault = 1;\n');
    e = await setup({ size: 5, seed: 3 });
    const err = await e.sync({ root }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ConfigError);
    const d = (err as ConfigError).diagnostics[0];
    expect(d.file).toMatch(/mappings\/visma-zendesk\/mapping\.yaml$/);
    expect(d.line).toBeGreaterThan(1);
    expect(e.visma.stats().total).toBe(0);
    expect(e.zendesk.stats().total).toBe(0);
  });
  it("lets a join filter call the mapping's own functions, as the transform can", async () => {
    root = copyProject();
    addFunction(root, 'same', 'export default function same(s) { return s; }\n');
    editFile(
      join(root, 'mappings', 'visma-zendesk', 'mapping.yaml'),
      `where: "status = 'Open' and balance > 0"`,
      `where: "$same(status) = 'Open' and balance > 0"`,
    );
    e = await setup({ size: 20, seed: 3 });
    const r = await e.sync({ root });
    expect(r.status, r.error).toBe('ok');
    expect(r.flows[0]).toMatchObject({ created: 20, failed: 0 });
    expect(r.warnings ?? []).toEqual([]);
  });
});
