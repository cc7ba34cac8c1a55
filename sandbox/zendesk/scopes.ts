/**
 * OAuth scopes as zendesk-openapi.yaml describes them (CreateTokenForGrantType, "Scope"):
 * `read` gives GET endpoints, `write` gives POST, PUT and DELETE; `resource:read` and
 * `resource:write` give the same for one resource (`organizations:write read` = write
 * organizations, read everything). Which paths count as a scoped resource is not documented
 * beyond the list of names; here the first path segment (the second under /incremental/) is it.
 */
const SCOPED_RESOURCES = new Set([
  'tickets',
  'users',
  'auditlogs',
  'organizations',
  'hc',
  'apps',
  'triggers',
  'automations',
  'targets',
  'webhooks',
]);

function resourceOf(path: string): string | undefined {
  const parts = path.replace(/^\/api\/v2\//, '').split('/');
  const name = parts[0] === 'incremental' ? parts.at(1) : parts[0];
  return name !== undefined && SCOPED_RESOURCES.has(name) ? name : undefined;
}

export function scopeAllows(scope: string, method: string, path: string): boolean {
  const granted = new Set(scope.split(/\s+/).filter(Boolean));
  const need = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  const resource = resourceOf(path);
  return granted.has(need) || (resource !== undefined && granted.has(`${resource}:${need}`));
}
