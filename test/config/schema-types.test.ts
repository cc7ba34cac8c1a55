// The generated config types match the schemas, and the schemas are found from the engine source.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaPath } from '../../engine/config/schema-validator.js';
import { repoRoot } from './helpers.js';

describe('schemas and generated types', () => {
  it('engine/config/types.generated.ts is current (gen-types --check exits 0)', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/gen-types.mjs'), '--check'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('every schema is valid JSON with a title', () => {
    for (const name of ['connector', 'mapping', 'connections']) {
      const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', `${name}.schema.json`), 'utf8')) as {
        title?: string;
        type?: string;
      };
      expect(schema.type).toBe('object');
      expect(typeof schema.title).toBe('string');
    }
  });

  // Regression (was a bug): schema-validator.ts resolves the schema folder as new URL('../../../schemas/', import.meta.url):
  // right for dist/engine/config/schema-validator.js, one level above the repo for
  // engine/config/schema-validator.ts, so everything that validates (lint, loadProject) fails with
  // ENOENT when the engine runs from source (vitest, tsx).
  it('schemaPath points at the repo schemas folder when the engine runs from source', () => {
    expect(schemaPath('connector')).toBe(join(repoRoot, 'schemas', 'connector.schema.json'));
    expect(existsSync(schemaPath('mapping'))).toBe(true);
  });
});
