/** Summarises a V8 .cpuprofile (node --cpu-prof): self time by area and the hottest functions. */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Self time by area, ms (idle excluded from shares) */
  byArea: { area: string; ms: number; share: number }[];
  /** Hottest functions by self time */
  top: { fn: string; where: string; area: string; ms: number; share: number }[];
  /** Time under (inclusive) selected engine functions */
  inclusive: { fn: string; ms: number; share: number }[];
}

function areaOf(f: CallFrame): string {
  const u = f.url;
  if (f.functionName === '(garbage collector)') return 'GC';
  if (f.functionName === '(idle)') return 'idle';
  if (f.functionName === '(program)') return 'V8/native (program)';
  if (u.startsWith('wasm://') || u.includes('sql.js')) return 'sql.js (SQLite in WASM)';
  if (u.includes('node_modules/jsonata')) return 'jsonata';
  if (u.includes('node_modules/undici') || u.includes('node:internal/deps/undici')) return 'undici (HTTP client)';
  if (u.includes('node_modules/ajv')) return 'ajv';
  if (u.includes('/engine/store/')) return 'engine/store';
  if (u.includes('/engine/map/')) return 'engine/map';
  if (u.includes('/engine/sync/')) return 'engine/sync';
  if (u.includes('/engine/')) return 'engine (other)';
  if (u.includes('node_modules/')) return `npm: ${u.split('node_modules/')[1].split('/')[0]}`;
  if (u.startsWith('node:')) return 'node internals';
  if (!u) return f.functionName.startsWith('(') ? f.functionName : 'native/builtin';
  return 'other';
}

function short(url: string): string {
  const i = url.lastIndexOf('/dist/');
  if (i >= 0) return url.slice(i + 6);
  const j = url.lastIndexOf('node_modules/');
  if (j >= 0) return url.slice(j + 13);
  return url.replace(/^file:\/\//, '');
}

/**
 * `inclusiveOf`: functions whose total (self + callees) time is reported, as `name` or
 * `name@path-part` (e.g. `all@store/state.js`) where a bare name would be ambiguous.
 */
export function summarizeProfile(file: string, inclusiveOf: string[] = [], topN = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);

  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; area: string; ms: number }>();
  const incl = new Map<string, number>(inclusiveOf.map((f) => [f, 0]));
  const specs = inclusiveOf.map((f) => {
    const [name, file] = f.split('@');
    return { key: f, name, file };
  });
  const matchesOf = (cf: CallFrame) =>
    specs.filter((x) => x.name === cf.functionName && (!x.file || cf.url.includes(x.file))).map((x) => x.key);
  let total = 0;
  let idle = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const area = areaOf(n.callFrame);
    total += ms;
    if (area === 'idle') idle += ms;
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const where = n.callFrame.url ? `${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${n.callFrame.functionName}|${where}`;
    const e = fns.get(key) ?? { fn: n.callFrame.functionName || '(anonymous)', where, area, ms: 0 };
    e.ms += ms;
    fns.set(key, e);
    // Inclusive: credit each distinct listed ancestor once.
    if (incl.size) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        for (const key of matchesOf(byId.get(cur)!.callFrame)) {
          if (seen.has(key)) continue;
          seen.add(key);
          incl.set(key, incl.get(key)! + ms);
        }
      }
    }
  }
  const busy = Math.max(1, total - idle);
  return {
    file,
    totalMs: total,
    byArea: [...areas]
      .map(([area, ms]) => ({ area, ms, share: area === 'idle' ? NaN : ms / busy }))
      .sort((a, b) => b.ms - a.ms),
    top: [...fns.values()]
      .filter((f) => f.area !== 'idle')
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topN)
      .map((f) => ({ ...f, share: f.ms / busy })),
    inclusive: [...incl].map(([fn, ms]) => ({ fn, ms, share: ms / busy })).sort((a, b) => b.ms - a.ms),
  };
}
