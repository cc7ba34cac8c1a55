// Issue 10 item 6: a record whose transform calls a mapping function wrongly, reads an ambiguous
// date or overflows fails with the mapping, flow, key and reason; the others still map.
import { describe, expect, it } from 'vitest';
import type { Flow, Operation } from '../../engine/config/types.generated.js';
import { FlowMapper } from '../../engine/map/flow-mapper.js';
import { mapRecord } from '../../engine/map/map-record.js';

const clock = () => new Date('2026-03-15T10:00:00Z');
const op = { match_key: 'external_id' } as Operation;

function mapper(transform: string): FlowMapper {
  const flow = { from: 'customers', to: 'upsert_organizations', transform } as Flow;
  return new FlowMapper('ar', 'orgs', flow, op, '/nowhere/mappings/ar/mapping.yaml', clock);
}

const input = (key: string, invoices: unknown[]) => ({
  key,
  data: JSON.stringify({ number: key }),
  related: [['open', invoices.map((i) => JSON.stringify(i))]] as [string, string[]][],
});

describe('a wrong value fails its record, with mapping, flow, key and reason', () => {
  it('$aging($open) with a missing argument', async () => {
    const m = mapper('( $open := open; { "external_id": number, "aging": $aging($open) } )');
    expect(await mapRecord(m, { renames: [] }, input('10001', [{ due: '2026-01-01', balance: 100 }]))).toEqual({
      key: '10001',
      kind: 'error',
      message:
        'mapping ar, flow orgs, record 10001: mapping ar, flow orgs, transform: $aging takes 3 arguments ($aging(list, dueField, amountField)), got 1 (at character 58)',
    });
  });

  it('an ambiguous due date, while a record with an ISO date maps', async () => {
    const m = mapper('{ "external_id": number, "aging": $aging(open, "due", "balance") }');
    const bad = await mapRecord(m, { renames: [] }, input('10002', [{ due: '01/10/2026', balance: 5 }]));
    expect(bad).toMatchObject({ key: '10002', kind: 'error' });
    expect((bad as { message: string }).message).toContain(
      'record 10002: mapping ar, flow orgs, transform: $aging: item 0\'s due is the text "01/10/2026", not an ISO 8601 date',
    );
    const good = await mapRecord(
      m,
      { renames: [] },
      input('10003', [
        { due: '2026-01-10', balance: 5 },
        { due: null, balance: 1 },
      ]),
    );
    expect(good).toMatchObject({
      kind: 'mapped',
      payload: { external_id: '10003', aging: { current: 1, '61_90': 5 } },
    });
  });

  it('a balance of 1e308 that $round turns into NaN', async () => {
    const m = mapper('{ "external_id": number, "balance": $round($sum(open.balance), 2) }');
    const r = await mapRecord(m, { renames: [] }, input('10004', [{ balance: 1e308 }]));
    expect(r).toMatchObject({ key: '10004', kind: 'error' });
    expect((r as { message: string }).message).toContain('balance is NaN, a number out of range');
  });
});
