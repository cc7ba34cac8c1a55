// Exit codes per command, as README's table says: 0 ok, 1 finished with failed records, 2 invalid
// config or usage, 3 could not run. And what a user sees around them: a closed pipe, a missing
// connections file, a long failure queue, help texts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../engine/store/state.js';
import { ensureBuilt, MAPPING } from './helpers.js';
import { Project } from './cli-project.js';

let p: Project;
beforeAll(async () => {
  await ensureBuilt();
  p = new Project();
}, 240_000);
afterAll(() => {
  // Unassigned when beforeAll failed.
  (p as Project | undefined)?.remove();
});

const state = (name: string) => join(p.dir, name, 'state.db');
const CLOSED_PORT_CONNECTIONS = `connections:
  visma:
    connector: visma
    base_url: http://127.0.0.1:9
    token_url: http://127.0.0.1:9/token
    values: { client_id: a, client_secret: b, tenant_id: c, company_id: d }
  zendesk:
    connector: zendesk
    base_url: http://127.0.0.1:9/api/v2
    token_url: http://127.0.0.1:9/oauth/tokens
    values: { subdomain: x, client_id: a, client_secret: b, refresh_token: c }
`;

describe('exit codes per command', () => {
  it('sync: 0 ok, 2 for a flow that does not exist or a bad --size, 3 when the systems cannot be reached', async () => {
    expect((await p.run(['sync', MAPPING, '--sandbox', '--size', '5', '--state', state('sync')])).code).toBe(0);
    expect((await p.run(['sync', MAPPING, '--sandbox', '--flow', 'nosuch', '--state', state('sync')])).code).toBe(2);
    expect((await p.run(['sync', MAPPING, '--sandbox', '--size', 'many', '--state', state('sync')])).code).toBe(2);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(p.dir, 'closed.yaml'), CLOSED_PORT_CONNECTIONS);
    const down = await p.run(['sync', MAPPING, '--connections', join(p.dir, 'closed.yaml'), '--state', state('down')]);
    expect(down.code, down.stdout + down.stderr).toBe(3);
  }, 120_000);

  it('replay: 2 without a selector, 0 with one', async () => {
    const none = await p.run(['replay', MAPPING, '--sandbox', '--state', state('sync')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--all-failed');
    expect((await p.run(['replay', MAPPING, '--sandbox', '--all-failed', '--state', state('sync')])).code).toBe(0);
  }, 120_000);

  it('runs: 0, with or without runs', async () => {
    expect((await p.run(['runs', '--state', state('sync')])).code).toBe(0);
    expect((await p.run(['runs', '--state', state('empty')])).code).toBe(0);
  }, 60_000);

  it('audit: 0 with rows, 0 with a "nothing" message for an unknown id (1 is for failed records)', async () => {
    const unknown = await p.run(['audit', 'no-such-run', '--state', state('sync')]);
    expect(unknown.code).toBe(0);
    expect(unknown.stdout).toContain('nothing in the audit log for no-such-run');
    expect((await p.run(['audit', '10001', '--state', state('sync')])).code).toBe(0);
  }, 60_000);

  it('ping: 0 ok, 2 without a connections file (saying so), 3 when the connection does not answer', async () => {
    expect((await p.run(['ping', 'visma', '--sandbox'])).code).toBe(0);
    const missing = await p.run(['ping', 'visma', '--state', state('ping')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no connections file');
    expect(missing.stderr).toContain('--sandbox');
    expect(missing.stderr).not.toMatch(/:1:1/);
    const down = await p.run(['ping', 'visma', '--connections', join(p.dir, 'closed.yaml'), '--state', state('ping')]);
    expect(down.code).toBe(3);
  }, 60_000);

  it('credentials: 0 for set, list and delete; 2 to delete a name that is not stored', async () => {
    const env = { MLC_MASTER_KEY: 'a'.repeat(64) };
    expect(
      (await p.run(['credentials', 'set', 'tok', '--value', 's3cret', '--state', state('cred')], { env })).code,
    ).toBe(0);
    const list = await p.run(['credentials', 'list', '--state', state('cred')], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain('s3cret');
    expect((await p.run(['credentials', 'delete', 'tok', '--state', state('cred')], { env })).code).toBe(0);
    expect((await p.run(['credentials', 'delete', 'tok', '--state', state('cred')], { env })).code).toBe(2);
  }, 60_000);

  it('sandbox start: 2 for an unknown system or a bad number', async () => {
    expect((await p.run(['sandbox', 'start', '--systems', 'acumatica'], { timeoutMs: 15_000 })).code).toBe(2);
    expect((await p.run(['sandbox', 'start', '--seed', '-1'], { timeoutMs: 15_000 })).code).toBe(2);
  }, 60_000);

  it('state check: 0 on a sound state', async () => {
    expect((await p.run(['state', 'check', '--state', state('sync')])).code).toBe(0);
  }, 60_000);
});

describe('what the user sees', () => {
  it('a closed stdout (mlc runs | head) ends quietly, without an EPIPE stack trace', async () => {
    for (const args of [
      ['runs', '--state', state('sync')],
      ['test', MAPPING],
    ]) {
      const r = await new Promise<{ code: number | null; stderr: string }>((res) => {
        const proc = p.spawn(args);
        // The reader goes away before mlc writes, as head does after its lines.
        proc.stdout!.destroy();
        let stderr = '';
        proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        proc.on('close', (code) => {
          res({ code, stderr });
        });
      });
      expect(r.stderr, args.join(' ')).not.toMatch(/EPIPE|at .*\.js:\d+/);
      expect(r.code, args.join(' ')).toBe(0);
    }
  }, 60_000);

  it('mlc runs lists 50 failures and says how many more there are', async () => {
    const file = state('many');
    mkdirSync(join(p.dir, 'many'), { recursive: true });
    const s = await StateStore.open(file);
    try {
      for (let i = 0; i < 57; i++) {
        s.run(
          'INSERT INTO failures (mapping, flow, key, run_id, stage, reason, attempts, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [MAPPING, 'organizations', `k${i}`, 'r1', 'write', 'HTTP 422', 1, '2026-01-01', '2026-01-01'],
        );
      }
      s.checkpoint();
    } finally {
      s.close();
    }
    const r = await p.run(['runs', '--state', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('57 record(s) in the failure queue');
    expect(r.stdout.split('\n').filter((l) => l.includes('HTTP 422'))).toHaveLength(50);
    expect(r.stdout).toContain('and 7 more');
  }, 60_000);

  it('credentials set, list, delete and sandbox start have descriptions in --help', async () => {
    const creds = await p.run(['credentials', '--help']);
    for (const c of ['set', 'list', 'delete']) expect(creds.stdout).toMatch(new RegExp(`^ {2}${c} .*\\S {2,}\\S`, 'm'));
    const sandbox = await p.run(['sandbox', '--help']);
    expect(sandbox.stdout).toMatch(/^ {2}start .*\S {2,}\S/m);
  }, 60_000);
});
