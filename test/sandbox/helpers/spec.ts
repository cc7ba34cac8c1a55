import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

// ajv and ajv-formats are CommonJS; under NodeNext their default export sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const SPEC_DIR = '/work/shared/api/specs';

export type Validate = (schemaName: string, data: unknown) => string[];

/**
 * Validates data against `#/components/schemas/<name>` of a vendor spec. Unknown OpenAPI
 * keywords (example, xml) are ignored; `datetime` (a typo-format in Zendesk's spec) is accepted.
 */
function validatorFor(
  id: string,
  components: unknown,
  patch?: (schemas: Record<string, Record<string, unknown>>) => void,
): Validate {
  const comps = structuredClone(components) as { schemas: Record<string, Record<string, unknown>> };
  patch?.(comps.schemas);
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  for (const f of ['datetime', 'url']) ajv.addFormat(f, true);
  ajv.addSchema({ $id: id, components: comps });
  return (name, data) => {
    const v = ajv.getSchema(`${id}#/components/schemas/${name}`);
    if (!v) throw new Error(`no schema ${name}`);
    return v(data)
      ? []
      : (v.errors ?? []).map(
          (e: { instancePath: string; message?: string; params: unknown }) =>
            `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
        );
  };
}

export function vismaValidator(): Validate {
  const spec = JSON.parse(readFileSync(`${SPEC_DIR}/visma-openapi.yaml`, 'utf8')) as { components: unknown };
  return validatorFor('visma', spec.components);
}

/**
 * Zendesk's JobStatusResultObject is a oneOf whose branches overlap (a row with id,
 * index, action, status and success matches two of them), so it can never pass for
 * rich rows; it is checked as anyOf instead. Everything else is used as published.
 */
export function zendeskValidator(): Validate {
  const spec = parse(readFileSync(`${SPEC_DIR}/zendesk-openapi.yaml`, 'utf8')) as { components: unknown };
  return validatorFor('zendesk', spec.components, (schemas) => {
    const r = schemas.JobStatusResultObject;
    r.anyOf = r.oneOf;
    delete r.oneOf;
  });
}
