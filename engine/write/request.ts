import type { Write } from '../config/types.generated.js';
import type { RequestOptions } from '../http/client.js';
import { specRequest } from '../http/request.js';
import type { TemplateVars } from '../util/template.js';
import type { WriteContext } from './types.js';

/** The request that sends `body` to the write endpoint, with `vars` for its templates. */
export function writeRequest(ctx: WriteContext, vars: TemplateVars, body: unknown): RequestOptions {
  const { spec } = ctx;
  if (!spec.path || !spec.method) throw new Error(`${ctx.label}: the write has no method and path to send to`);
  const { method, path, query, headers } = spec;
  return specRequest(ctx.baseUrl, { method, path, query, headers }, vars, { json: body });
}

/** Records per request (or per job) of a write that sends many. */
export function batchSizeOf(spec: Write): number {
  return ('batch_size' in spec ? spec.batch_size : undefined) ?? 100;
}
