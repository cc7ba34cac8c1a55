/** Simulator helpers for the bench parent: fresh Zendesk instances, request counts by kind, org digests. */
import { canonicalJson } from '../../engine/map/canonical.js';
import { startSandbox, zendeskOf, type Sandbox } from '../../sandbox/index.js';

export interface RequestCounts {
  total: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  /** The simulator's request log (dropped before the report is saved) */
  log?: LogEntry[];
}

export interface LogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
  timestamp: string;
}

export const ZENDESK_KINDS = [
  'bulk writes',
  'job polls',
  'lookups/listings',
  'field provisioning',
  'auth (token)',
  'other',
] as const;

export function zendeskKind(route: string): (typeof ZENDESK_KINDS)[number] {
  if (route.includes('/oauth/')) return 'auth (token)';
  if (route.includes('/organization_fields')) return 'field provisioning';
  if (
    /create_many|update_many|create_or_update|destroy_many|^POST \/api\/v2\/organizations$|^PUT \/api\/v2\/organizations\/\{id\}$/.test(
      route,
    )
  )
    return 'bulk writes';
  if (route.includes('/job_statuses')) return 'job polls';
  if (route.includes('/organizations')) return 'lookups/listings';
  return 'other';
}

export function counts(sb: Sandbox, system: 'visma' | 'zendesk'): RequestCounts {
  // The simulators' stats carry status counts and timestamps beyond the Sandbox interface's view.
  const s = sb.simulators[system]!.stats() as unknown as {
    total: number;
    byRoute: Record<string, number>;
    byStatus?: Record<string, number>;
    log: LogEntry[];
  };
  const byKind: Record<string, number> = {};
  if (system === 'zendesk') {
    for (const k of ZENDESK_KINDS) byKind[k] = 0;
    for (const [route, n] of Object.entries(s.byRoute)) byKind[zendeskKind(route)] += n;
  }
  return { total: s.total, byRoute: s.byRoute, byStatus: s.byStatus ?? {}, byKind, log: s.log };
}

export async function freshZendesk(knobs: Record<string, unknown>, seed: number): Promise<Sandbox> {
  return startSandbox({ systems: ['zendesk'], seed, knobs: { zendesk: knobs } });
}

/** external_id -> canonical JSON of what the sync wrote (name, details, notes, custom fields). */
export function orgDigest(sb: Sandbox): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of zendeskOf(sb).organizations()) {
    out.set(
      String(o.external_id),
      canonicalJson({ name: o.name, details: o.details, notes: o.notes, organization_fields: o.organization_fields }),
    );
  }
  return out;
}

export function compareDigests(
  a: Map<string, string>,
  b: Map<string, string>,
): { onlyA: number; onlyB: number; differ: number; example?: { key: string; a?: string; b?: string } } {
  let onlyA = 0;
  let differ = 0;
  let example: { key: string; a?: string; b?: string } | undefined;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined) {
      onlyA++;
      example ??= { key: k, a: v };
    } else if (w !== v) {
      differ++;
      example ??= { key: k, a: v, b: w };
    }
  }
  let onlyB = 0;
  for (const k of b.keys()) if (!a.has(k)) onlyB++;
  return { onlyA, onlyB, differ, example };
}

export interface RateAnalysis {
  limitPerMinute: number;
  /** API requests (under /api/v2) that were served, i.e. not 429 */
  served: number;
  limited429: number;
  /** Requests per fixed window (minute since epoch, relative to the run's first window) */
  windows: { window: number; served: number; limited: number }[];
  /** Run start offset within its minute window, seconds */
  phaseSec: number;
  /** ceil(served / limit) */
  windowsNeeded: number;
  /** (windowsNeeded - 1) * 60 - phase, seconds; 0 when everything fits in the first window */
  preciseBoundSec: number;
  /** ceil(served / limit) minutes */
  simpleBoundSec: number;
}

export function rateAnalysis(
  log: { path: string; status: number; timestamp: string }[],
  startEpochMs: number,
  limit: number,
): RateAnalysis {
  const api = log.filter((e) => e.path.startsWith('/api/v2/'));
  const served = api.filter((e) => e.status !== 429).length;
  const first = Math.floor(startEpochMs / 60_000);
  const w = new Map<number, { window: number; served: number; limited: number }>();
  for (const e of api) {
    const i = Math.floor(Date.parse(e.timestamp) / 60_000) - first;
    const x = w.get(i) ?? { window: i, served: 0, limited: 0 };
    if (e.status === 429) x.limited++;
    else x.served++;
    w.set(i, x);
  }
  const k = Math.ceil(served / limit);
  const phaseSec = (startEpochMs % 60_000) / 1000;
  return {
    limitPerMinute: limit,
    served,
    limited429: api.length - served,
    windows: [...w.values()].sort((a, b) => a.window - b.window),
    phaseSec,
    windowsNeeded: k,
    preciseBoundSec: k <= 1 ? 0 : (k - 1) * 60 - phaseSec,
    simpleBoundSec: k * 60,
  };
}
