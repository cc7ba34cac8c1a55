import type { Handler } from './types.js';

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  /** Lower sorts first: static segments beat parameters at the same position. */
  rank: string;
  handler: Handler;
}

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
  /** `METHOD /pattern`, the key used in request stats. */
  route: string;
}

export interface RouteLookup {
  match?: RouteMatch;
  /** True when the path exists under another method. */
  pathExists: boolean;
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/**
 * Method + path router. Patterns use `{name}` for parameters:
 * `router.get('/api/v2/organizations/{id}', h)`. `/organizations/show_many` wins
 * over `/organizations/{id}` regardless of registration order.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const segments = split(pattern);
    const rank = segments.map((s) => (s.startsWith('{') ? '1' : '0')).join('');
    this.routes.push({ method: method.toUpperCase(), pattern, segments, rank, handler });
    this.routes.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
    return this;
  }

  get(p: string, h: Handler): this {
    return this.add('GET', p, h);
  }
  post(p: string, h: Handler): this {
    return this.add('POST', p, h);
  }
  put(p: string, h: Handler): this {
    return this.add('PUT', p, h);
  }
  patch(p: string, h: Handler): this {
    return this.add('PATCH', p, h);
  }
  delete(p: string, h: Handler): this {
    return this.add('DELETE', p, h);
  }

  lookup(method: string, path: string): RouteLookup {
    const parts = split(path);
    let pathExists = false;
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (!params) continue;
      if (r.method !== method.toUpperCase()) {
        pathExists = true;
        continue;
      }
      return { match: { handler: r.handler, params, route: `${r.method} ${r.pattern}` }, pathExists: true };
    }
    return { pathExists };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith('{') && p.endsWith('}')) {
      let v: string;
      try {
        v = decodeURIComponent(parts[i]);
      } catch {
        return null;
      }
      params[p.slice(1, -1)] = v;
    } else if (p !== parts[i]) {
      return null;
    }
  }
  return params;
}
