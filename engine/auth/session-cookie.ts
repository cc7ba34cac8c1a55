import type { Request, SessionCookieAuth } from '../config/types.generated.js';
import { HttpError } from '../http/client.js';
import { joinUrl } from '../http/request.js';
import { render, renderMap } from '../util/template.js';
import type { AuthContext, AuthProvider } from './context.js';

function renderBody(body: unknown, vars: Record<string, string>): unknown {
  if (typeof body === 'string') return render(body, vars);
  if (Array.isArray(body)) return body.map((b) => renderBody(b, vars));
  if (body && typeof body === 'object') {
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, renderBody(v, vars)]));
  }
  return body;
}

/**
 * Sign in once (single flight), send the cookies the server set on every call, sign in again when
 * the session is rejected, and sign out at the end (Acumatica counts open sessions per API user).
 */
export class SessionCookieLogin implements AuthProvider {
  private cookie?: string;
  private inflight?: Promise<string>;

  constructor(
    private readonly spec: SessionCookieAuth,
    private readonly ctx: AuthContext,
  ) {}

  private async call(r: Request): Promise<{ status: number; headers: Headers }> {
    const v = this.ctx.vars;
    return this.ctx.http.request({
      method: r.method ?? 'POST',
      url: joinUrl(this.ctx.baseUrl, render(r.path, v)),
      headers: { ...renderMap(r.headers, v), ...(this.cookie ? { cookie: this.cookie } : {}) },
      query: renderMap(r.query, v),
      json: r.body === undefined ? undefined : renderBody(r.body, v),
    });
  }

  private async login(): Promise<string> {
    let res;
    try {
      res = await this.call(this.spec.login);
    } catch (e) {
      throw new HttpError(`connection ${this.ctx.connection}: sign-in failed: ${(e as Error).message}`, 'run');
    }
    const accepted = this.spec.success_status ?? [200, 204];
    const who = `connection ${this.ctx.connection}`;
    if (!accepted.includes(res.status)) {
      const expected = accepted.join(' or ');
      throw new HttpError(`${who}: sign-in answered HTTP ${res.status}, expected ${expected}`, 'run', res.status);
    }
    const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]);
    if (cookies.length === 0) {
      throw new HttpError(`${who}: sign-in returned no session cookie (HTTP ${res.status})`, 'run');
    }
    const cookie = cookies.join('; ');
    for (const c of cookies) this.ctx.http.redactor.add(c.split('=').slice(1).join('='));
    this.cookie = cookie;
    return cookie;
  }

  async apply(req: { headers: Record<string, string> }): Promise<void> {
    const cookie = this.cookie ?? (await (this.inflight ??= this.login().finally(() => (this.inflight = undefined))));
    req.headers.cookie = cookie;
  }

  invalidate(): void {
    this.cookie = undefined;
  }

  async close(): Promise<void> {
    if (this.cookie && this.spec.logout) await this.call(this.spec.logout).catch(() => undefined);
    this.cookie = undefined;
  }
}
