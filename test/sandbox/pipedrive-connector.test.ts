// connectors/pipedrive.yaml against the simulator: the connection profile it prints is what the
// connector needs, with the API token (x-api-token) and with OAuth (base URL from the token's api_domain).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connections } from '../../engine/config/types.generated.js';
import { ping } from '../../engine/runtime/ping.js';
import type { PipedriveSimulator } from '../../sandbox/pipedrive/index.js';
import { startPipedrive } from './helpers/pipedrive-client.js';

const ROOT = join(import.meta.dirname, '..', '..');
let sim: PipedriveSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function pingAs(connection: Connections['connections'][string]) {
  return ping({ root: ROOT, connection: 'pd', connections: { pd: connection }, statePath: null });
}

describe('connectors/pipedrive.yaml against the simulator', () => {
  it('pings with the API token in x-api-token', async () => {
    sim = await startPipedrive({ knobs: { rateLimitEnabled: true } });
    const c = sim.connection;
    const r = await pingAs({ connector: 'pipedrive', base_url: c.base_url, values: c.values });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(sim.stats().log.map((l) => `${l.method} ${l.path}`)).toEqual(['GET /api/v2/organizations']);
  });

  it('pings with OAuth: a refresh at the token URL, then the API at api_domain', async () => {
    sim = await startPipedrive({ knobs: { rateLimitEnabled: true } });
    const c = sim.connection;
    const conn = {
      connector: 'pipedrive',
      auth: 'oauth',
      base_url: c.base_url,
      token_url: c.token_url,
      values: c.values,
    };
    const r = await pingAs(conn);
    expect(r).toMatchObject({ ok: true, status: 200 });
    const log = sim.stats().log.map((l) => `${l.method} ${l.path} ${l.status}`);
    expect(log).toEqual(['POST /oauth/token 200', 'GET /api/v2/organizations 200']);
  });
});
