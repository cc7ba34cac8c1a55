/**
 * Visma date handling.
 *
 * Filters accept exactly the documented formats: yyyy-MM-dd, yyyy-MM-dd HH:mm:ss,
 * yyyy-MM-dd HH:mm:ss.FFF, yyyy-MM-ddTHH:mm:ss, yyyy-MM-ddTHH:mm:ss.FFF (FFF = 1-3 digits).
 * A zone designator ("Z", "+01:00") is rejected, as the docs say filters "do not accept
 * certain characters such as W-Z".
 */

const FILTER_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?)?$/;

/**
 * Parses a filter value as wall-clock time at `offsetMinutes` from UTC
 * (the API's time zone is UNCONFIRMED; default offset 0 = UTC). Returns null when invalid.
 */
export function parseFilterDate(value: string, offsetMinutes: number): number | null {
  const m = FILTER_DATE.exec(value);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = m;
  const ms = Number(frac.padEnd(3, '0'));
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  // Reject roll-overs such as 2025-02-30 or 25:00:00.
  if (
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return null;
  }
  return t - offsetMinutes * 60_000;
}

export type TimestampZone = 'Z' | 'none';

/**
 * ISO 8601 with milliseconds. Default `Z` (UTC) because the OpenAPI declares
 * `format: date-time` (RFC 3339 needs an offset) and Visma's own swagger examples carry `Z`;
 * `none` reproduces the offset-less local timestamps some integrations report.
 * With a non-zero offset the suffix becomes `+HH:MM` so the value stays truthful.
 */
export function formatTimestamp(ms: number, zone: TimestampZone, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  if (zone === 'none') return local;
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Accepts any ISO-like date for admin patches; returns epoch ms or null. */
export function parseLooseDate(value: unknown): number | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : null;
}

export const DAY_MS = 86_400_000;

export function startOfUtcDay(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

/** Visma financial period, e.g. 202405. */
export function financialPeriod(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** SQL Server rowversion as the API shows it: 8 bytes, base64 (`format: byte` in the spec). */
export function rowVersionStamp(rowVersion: number): string {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt(rowVersion));
  return buf.toString('base64');
}
