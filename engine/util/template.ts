import { plainText } from './text.js';

/**
 * `{name}` templates in connector strings (paths, query values, headers, auth fields). Names may be
 * dotted (`{page.size}`). `{{` and `}}` stand for literal braces.
 */
const PLACEHOLDER = /\{\{|\}\}|\{([A-Za-z_][\w.]*)\}/g;

export type TemplateVars = Readonly<Record<string, unknown>>;

export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    readonly template: string,
  ) {
    super(`template "${template}" needs {${variable}}, which is not set`);
  }
}

export function variablesIn(template: string): { name: string; index: number }[] {
  const out: { name: string; index: number }[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) if (m[1]) out.push({ name: m[1], index: m.index });
  return out;
}

/**
 * Opening braces that start a placeholder name and never close it (`{client_id`, `{id/x}`): render
 * would send them literally (to a token endpoint, in a URL), so lint reports them.
 */
export function unclosedPlaceholders(template: string): { name: string; index: number }[] {
  const out: { name: string; index: number }[] = [];
  for (const m of template.matchAll(/\{\{|\}\}|\{([A-Za-z_][\w.]*)(\}?)/g))
    if (m[1] && !m[2]) out.push({ name: m[1], index: m.index });
  return out;
}

function lookup(vars: TemplateVars, name: string): unknown {
  if (Object.hasOwn(vars, name)) return vars[name];
  let cur: unknown = vars;
  for (const part of name.split('.'))
    cur =
      cur && typeof cur === 'object' && Object.hasOwn(cur, part) ? (cur as Record<string, unknown>)[part] : undefined;
  return cur;
}

/** Renders a template; throws MissingVariableError when a placeholder has no value. */
export function render(template: string, vars: TemplateVars, encode: (s: string) => string = (s) => s): string {
  return template.replace(PLACEHOLDER, (m, name: string | undefined) => {
    if (!name) return m[0];
    const v = lookup(vars, name);
    if (v === undefined || v === null) throw new MissingVariableError(name, template);
    return encode(plainText(v));
  });
}

/**
 * Renders, or returns undefined when a placeholder has no value or an empty one (optional headers
 * and params: an unset company id sends no header rather than an empty one).
 */
export function renderOptional(
  template: string,
  vars: TemplateVars,
  encode?: (s: string) => string,
): string | undefined {
  if (variablesIn(template).some(({ name }) => lookup(vars, name) === '')) return undefined;
  try {
    return render(template, vars, encode);
  } catch (e) {
    if (e instanceof MissingVariableError) return undefined;
    throw e;
  }
}

export function renderMap(
  map: Readonly<Record<string, string>> | undefined,
  vars: TemplateVars,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, t] of Object.entries(map ?? {})) {
    const v = renderOptional(t, vars);
    if (v !== undefined) out[k] = v;
  }
  return out;
}
