import { loadSchema, type SchemaName } from './schema-validator.js';

type SchemaNode = {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  discriminator?: { propertyName: string };
  definitions?: Record<string, SchemaNode>;
  const?: unknown;
};

export type Leaf = { path: (string | number)[]; value: string; def: string | undefined };

/**
 * Visits every string in `data` with the name of the schema definition it was declared with
 * (e.g. "Jsonata", "Duration"), so checks can tell an embedded expression from a template
 * without keeping a second list of which keys hold what.
 */
export function stringLeaves(schemaName: SchemaName, data: unknown): Leaf[] {
  const root = loadSchema(schemaName) as SchemaNode;
  const defs = root.definitions ?? {};
  const out: Leaf[] = [];
  const resolve = (node: SchemaNode | undefined, value: unknown): { node: SchemaNode | undefined; def?: string } => {
    let def: string | undefined;
    for (let i = 0; node && i < 10; i++) {
      if (node.$ref) {
        def = node.$ref.split('/').pop();
        node = defs[def ?? ''];
        continue;
      }
      if (node.oneOf && node.discriminator && value && typeof value === 'object') {
        const key = node.discriminator.propertyName;
        const tag = (value as Record<string, unknown>)[key];
        node = node.oneOf.find((b) => (resolve(b, undefined).node?.properties?.[key]?.const ?? null) === tag);
        continue;
      }
      break;
    }
    return { node, def };
  };
  const visit = (node: SchemaNode | undefined, value: unknown, path: (string | number)[]) => {
    const r = resolve(node, value);
    if (typeof value === 'string') {
      out.push({ path, value, def: r.def });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        visit(r.node?.items, v, [...path, i]);
      });
      return;
    }
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const child =
          r.node?.properties?.[k] ??
          (typeof r.node?.additionalProperties === 'object' ? r.node.additionalProperties : undefined);
        visit(child, v, [...path, k]);
      }
    }
  };
  visit(root, data, []);
  return out;
}
