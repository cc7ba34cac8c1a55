import type { Lookup } from '../config/types.generated.js';
import { lookupIds, normalizeKey, scanTarget, shouldScan, type LookupContext } from '../write/lookup.js';
import type { FlowRun, Mapped } from './flow-run.js';

/**
 * Target ids for match keys this state has never written (an initial load into a target that
 * already has the records, a create that met an existing record): from one listing of the
 * target when that is cheaper, otherwise looked up in batches.
 */
export class TargetIds {
  private constructor(
    private readonly lookup: Lookup,
    private readonly ctx: LookupContext,
    /** Every target record's id by match key, when the target was listed */
    private readonly scanned?: Map<string, string>,
  ) {}

  /** For a flow whose operation looks ids up (an upsert needs none); lists the target when that pays off. */
  static async prepare(r: FlowRun): Promise<TargetIds | undefined> {
    const lookup = r.op.upsert ? undefined : r.op.lookup;
    if (!lookup) return undefined;
    const { client, baseUrl, vars, connector } = r.target;
    const ctx: LookupContext = { client, baseUrl, vars, connector, label: `operation ${r.flow.to}` };
    const unknown = await r.store.pending.countWithoutTargetId(r.ref);
    const scanned = shouldScan(unknown, lookup, connector) ? await scanTarget(lookup, ctx) : undefined;
    return new TargetIds(lookup, ctx, scanned);
  }

  /** Gives records without a known target id the id of the record their match key finds (an update). */
  async resolve(records: Mapped[]): Promise<void> {
    const unknown = records.filter((m) => !m.item.targetId);
    if (!unknown.length) return;
    const ids =
      this.scanned ?? (await lookupIds([...new Set(unknown.map((m) => m.item.matchValue))], this.lookup, this.ctx));
    for (const m of unknown) {
      const id = this.idOf(ids, m.item.matchValue);
      if (id) {
        m.item.targetId = id;
        m.action = 'update';
      }
    }
  }

  /** Ids of records a create found existing (created since the lookup, or by an interrupted run), asked afresh. */
  async ofExisting(records: Mapped[]): Promise<Map<string, string>> {
    const lookup = { ...this.lookup, batch_size: this.lookup.batch_size ?? 1 };
    const ids = await lookupIds(
      records.map((m) => m.item.matchValue),
      lookup,
      this.ctx,
    );
    const out = new Map<string, string>();
    for (const m of records) {
      const id = this.idOf(ids, m.item.matchValue);
      if (id) out.set(m.item.key, id);
    }
    return out;
  }

  private idOf(ids: Map<string, string>, matchValue: string): string | undefined {
    return ids.get(normalizeKey(matchValue, this.lookup.case_insensitive));
  }
}
