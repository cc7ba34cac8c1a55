/**
 * Writes an instant in a pattern of yyyy MM dd HH mm ss SSS XXX and 'quoted literals' (or
 * "iso8601"), in UTC or local time: each API wants its own (Visma rejects a Z suffix).
 */
export function formatInstant(ms: number, pattern: string | undefined, zone: 'UTC' | 'local' = 'UTC'): string {
  const d = new Date(ms);
  if (!pattern || pattern === 'iso8601') return d.toISOString();
  const utc = zone === 'UTC';
  const p2 = (n: number) => String(n).padStart(2, '0');
  const offsetMin = utc ? 0 : -d.getTimezoneOffset();
  const parts: Record<string, string> = {
    yyyy: String(utc ? d.getUTCFullYear() : d.getFullYear()),
    MM: p2((utc ? d.getUTCMonth() : d.getMonth()) + 1),
    dd: p2(utc ? d.getUTCDate() : d.getDate()),
    HH: p2(utc ? d.getUTCHours() : d.getHours()),
    mm: p2(utc ? d.getUTCMinutes() : d.getMinutes()),
    ss: p2(utc ? d.getUTCSeconds() : d.getSeconds()),
    SSS: String(utc ? d.getUTCMilliseconds() : d.getMilliseconds()).padStart(3, '0'),
    XXX: offsetMin === 0 ? 'Z' : offset(offsetMin),
  };
  return pattern.replace(/'([^']*)'|yyyy|MM|dd|HH|mm|ss|SSS|XXX/g, (m, lit: string | undefined) => lit ?? parts[m]);
}

/** A UTC offset in minutes as +hh:mm or -hh:mm. */
function offset(minutes: number): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const abs = Math.abs(minutes);
  return `${minutes > 0 ? '+' : '-'}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`;
}

/** Reads a record timestamp; one without an offset is taken in `zone`. NaN when unreadable. */
export function parseInstant(v: unknown, zone: 'UTC' | 'local' = 'UTC'): number {
  if (typeof v === 'number') return v > 1e11 ? v : v * 1000;
  if (typeof v !== 'string' || !v) return NaN;
  const s = v.trim().replace(' ', 'T');
  const hasZone = /([zZ]|[+-]\d\d:?\d\d)$/.test(s);
  if (hasZone) return Date.parse(s);
  // Date.parse reads a bare date as UTC midnight; a local one means local midnight.
  if (zone === 'local') return Date.parse(/T/.test(s) ? s : `${s}T00:00:00`);
  return Date.parse(/T/.test(s) ? `${s}Z` : `${s}T00:00:00Z`);
}
