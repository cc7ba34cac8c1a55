import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, vismaOf, zendeskOf, type Sandbox } from '../../sandbox/index.js';
import { StateStore } from '../../engine/store/state.js';
import { runSync } from '../../engine/sync/run.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let sb: Sandbox | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sb = dir = undefined;
});

async function mirrorCounts(statePath: string): Promise<{ withData: number; withoutData: number }> {
  const st = await StateStore.open(statePath, { lock: false });
  try {
    const row = st.get<{ a: number; b: number }>(
      "SELECT sum(data IS NOT NULL OR pos IS NOT NULL) AS a, sum(data IS NULL AND pos IS NULL) AS b FROM mirror WHERE stream = 'customer_invoices'",
    );
    return { withData: row?.a ?? 0, withoutData: row?.b ?? 0 };
  } finally {
    st.abandon();
  }
}

describe('source mirror of join-only streams', () => {
  it('keeps the data of the records its filter lets through, and reads again when the filter changes', async () => {
    sb = await startSandbox({ systems: ['visma', 'zendesk'], size: 40, seed: 5 });
    dir = mkdtempSync(join(tmpdir(), 'mlc-mirror-'));
    cpSync(join(repo, 'connectors'), join(dir, 'connectors'), { recursive: true });
    cpSync(join(repo, 'mappings', 'visma-zendesk'), join(dir, 'mappings', 'visma-zendesk'), { recursive: true });
    const statePath = join(dir, 'state.db');
    const open = vismaOf(sb)
      .invoices()
      .filter((i) => i.status === 'Open' && Number(i.balance) > 0).length;
    const all = vismaOf(sb).invoices().length;
    // The mapping's source_query asks Visma for open invoices only on this first load.
    const statusOpen = vismaOf(sb)
      .invoices()
      .filter((i) => i.status === 'Open').length;
    expect(open).toBeGreaterThan(0);
    expect(all).toBeGreaterThan(open);

    const first = await runSync({ root: dir, mapping: 'visma-zendesk', connections: sb.connections, statePath });
    expect(first.status).toBe('ok');
    expect(await mirrorCounts(statePath)).toEqual({ withData: open, withoutData: statusOpen - open });

    // Widen the filter (and the source query) to every invoice: the stream is read again in full, nothing is left out.
    const file = join(dir, 'mappings', 'visma-zendesk', 'mapping.yaml');
    const widened = readFileSync(file, 'utf8')
      .replace(`where: "status = 'Open' and balance > 0"`, 'where: "balance >= 0"')
      .replace('source_query: { status: Open }', '');
    expect(widened).not.toContain('source_query');
    writeFileSync(file, widened);
    const second = await runSync({ root: dir, mapping: 'visma-zendesk', connections: sb.connections, statePath });
    expect(second.status).toBe('ok');
    expect(await mirrorCounts(statePath)).toEqual({ withData: all, withoutData: 0 });
    expect(zendeskOf(sb).organizationCount()).toBe(40);
  });
});
