import { createServer, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { compareAll, customerNumbers, ensureBuilt, MAPPING, runCli, setup, type E2E } from './helpers.js';

/**
 * Recovery after a SIGKILL between the moment Zendesk applied a write and the moment mlc recorded
 * it (issue 10 item 1, issue 11 section 2): the CLI as a child process, the simulators in this one.
 */
let e: E2E | undefined;
let proxy: { url: string; close(): Promise<void> } | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await e?.stop();
  e = undefined;
});

/**
 * Forwards to `upstream`, and holds the answers `slow` picks for `holdMs` after upstream handled
 * the request: the target has applied it, the client does not know yet (the window a kill hits).
 */
async function startHoldingProxy(upstream: string, slow: (method: string, path: string) => boolean, holdMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const method = req.method ?? 'GET';
        const url = new URL(req.url ?? '/', upstream);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
        try {
          const up = await fetch(url, { method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
          const text = await up.text();
          if (slow(method, url.pathname)) await delay(holdMs);
          const out: Record<string, string> = {};
          up.headers.forEach((v, k) => {
            if (!['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'content-encoding'].includes(k)) out[k] = v;
          });
          res.writeHead(up.status, out);
          res.end(text);
        } catch (err) {
          if (!res.headersSent) res.writeHead(502);
          res.end(String(err));
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function connectionsVia(env: E2E, zendeskUrl: string): string {
  const zd = env.sb.connections.zendesk;
  const file = join(env.dir, 'connections-proxy.yaml');
  writeFileSync(file, stringify({ connections: { ...env.sb.connections, zendesk: { ...zd, base_url: `${zendeskUrl}/api/v2`, token_url: `${zendeskUrl}/oauth/tokens` } } }));
  return file;
}

describe('a write applied by the target but not recorded before a kill', () => {
  it('is confirmed by the next run: a source that went back to the recorded value is written again', async () => {
    await ensureBuilt();
    e = await setup({ size: 12, seed: 71, knobs: { zendesk: { rateLimitEnabled: false } } });
    const args = ['sync', MAPPING, '--state', e.statePath];
    const first = await runCli([...args, '--connections', e.connectionsFile()]);
    expect(first.code, first.stderr).toBe(0);

    const number = customerNumbers(e.visma)[3];
    const before = String(e.visma.customer(number)!.name);
    e.visma.patchCustomer(number, { name: 'Interim Name AS' });
    // Job status answers are held back, so the kill lands after Zendesk applied the update and
    // before mlc heard of it.
    proxy = await startHoldingProxy(e.zendesk.url, (m, p) => m === 'GET' && p.includes('/job_statuses'), 3000);
    const killed = await runCli([...args, '--connections', connectionsVia(e, proxy.url)], {
      killWhen: () => e!.zendesk.findOrganization(number)?.name === 'Interim Name AS',
      killAfterMs: 50,
    });
    expect(killed.killed, killed.stderr).toBe(true);
    expect(e.zendesk.findOrganization(number)?.name).toBe('Interim Name AS');

    // The source goes back to the value the state last recorded.
    e.visma.patchCustomer(number, { name: before });
    const last = await runCli([...args, '--connections', e.connectionsFile()]);
    expect(last.code, last.stderr).toBe(0);
    expect(e.zendesk.findOrganization(number)?.name).toBe(before);
    const c = compareAll(e.visma, e.zendesk, new Date());
    expect(c.problems).toEqual([]);
    expect(c.duplicates).toEqual([]);
  }, 120_000);
});
