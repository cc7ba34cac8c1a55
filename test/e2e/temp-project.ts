/** A copy of the project's connectors and one mapping in a temp folder, for tests that edit a mapping. */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers.js';

export function copyProject(mapping = 'visma-zendesk'): string {
  const root = tempDir('mlc-project-');
  cpSync(join(ROOT, 'connectors'), join(root, 'connectors'), { recursive: true });
  cpSync(join(ROOT, 'mappings', mapping), join(root, 'mappings', mapping), { recursive: true });
  return root;
}

/** Replaces one exact piece of a project file (the test fails loudly when it is not there). */
export function editFile(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

/** The "add a field" edit of visma-zendesk: the VAT registration id, in the transform and custom_fields. */
export function addVatField(root: string): void {
  const dir = join(root, 'mappings', 'visma-zendesk');
  editFile(
    join(dir, 'organization.jsonata'),
    '"erp_customer_number": number,',
    '"erp_customer_number": number,\n      "vat_registration_id": vatRegistrationId ? vatRegistrationId : null,',
  );
  editFile(
    join(dir, 'mapping.yaml'),
    '      - { key: erp_customer_number, title: ERP customer number, type: text }\n',
    '      - { key: erp_customer_number, title: ERP customer number, type: text }\n      - { key: vat_registration_id, title: VAT registration id, type: text }\n',
  );
}

/**
 * Gives visma-zendesk a custom mapping function `name(s)` from `functions/<name>.js` with this
 * source; returns the module's path, so a test can change it.
 */
export function addFunction(root: string, name: string, source: string): string {
  const dir = join(root, 'mappings', 'visma-zendesk');
  mkdirSync(join(dir, 'functions'), { recursive: true });
  const file = join(dir, 'functions', `${name}.js`);
  writeFileSync(file, source);
  const declared = `functions:\n  ${name}: { module: ./functions/${name}.js, params: [s] }\nflows:\n`;
  editFile(join(dir, 'mapping.yaml'), 'flows:\n', declared);
  return file;
}
