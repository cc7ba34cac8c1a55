import { render, renderMap, type TemplateVars } from '../util/template.js';
import type { RequestOptions } from './client.js';

/** The parts of a connector's request declaration (a stream, a write, a lookup, a job poll). */
export interface RequestSpec {
  method?: string;
  /** Path template, joined onto the base URL unless it renders to an absolute URL */
  path: string;
  /** Query templates */
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

/** Joins a rendered path onto a base URL, unless the path is already an absolute URL. */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export interface SpecRequestOptions {
  /** The body, sent as JSON */
  json?: unknown;
  /**
   * Every query parameter is sent, a placeholder without a value is an error (a stream's query:
   * an empty cursor fragment is part of the value). Otherwise a parameter whose placeholder has no
   * value, or an empty one, is left out (optional parameters of writes and lookups).
   */
  strictQuery?: boolean;
}

/**
 * The request a declaration describes: its path rendered with `vars` (each value URL-encoded) onto
 * `baseUrl`, its query rendered with `vars`, its headers as declared, and the body.
 */
export function specRequest(
  baseUrl: string,
  spec: RequestSpec,
  vars: TemplateVars,
  o: SpecRequestOptions = {},
): RequestOptions {
  const query = o.strictQuery
    ? Object.fromEntries(Object.entries(spec.query ?? {}).map(([k, t]) => [k, render(t, vars)]))
    : renderMap(spec.query, vars);
  return {
    method: spec.method ?? 'GET',
    url: joinUrl(baseUrl, render(spec.path, vars, encodeURIComponent)),
    query,
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(o.json !== undefined ? { json: o.json } : {}),
  };
}
