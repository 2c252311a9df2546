/** HTTP and ISO 8601 date formats used on the wire. */

/** RFC 1123 / IMF-fixdate, e.g. `Mon, 23 Nov 2026 02:16:38 GMT`. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** ISO 8601 with milliseconds, as S3 writes LastModified in XML: `2026-11-23T02:16:38.000Z`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), also with RFC 5322's numeric zone or no day name. */
const IMF_FIXDATE = /^(?:[a-z]{3},\s*)?(\d{1,2})\s+([a-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})(?:\s*(gmt|utc|ut|z|[+-]\d{4}))?$/i;
/** RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`), also with a four-digit year. */
const RFC_850 = /^[a-z]{3,9},\s*(\d{1,2})-([a-z]{3})-(\d{2}|\d{4})\s+(\d{2}):(\d{2}):(\d{2})(?:\s*gmt)?$/i;
/** asctime (`Sun Nov  6 08:49:37 1994`): no zone, UTC by definition. */
const ASCTIME = /^[a-z]{3}\s+([a-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/i;
/** ISO 8601 as S3 writes it (`2026-11-23T02:16:38.000Z`); no zone means UTC here. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:t(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(z|[+-]\d{2}:?\d{2})?$/i;

/** The instant of UTC calendar fields, or undefined when a field is out of range (31 Feb, 25:00). */
function instant(year: number, month: string | number, day: number, hour: number, minute: number, second: number, ms = 0, zone = ''): number | undefined {
  const monthIndex = typeof month === 'number' ? month - 1 : MONTHS.indexOf(month.toLowerCase());
  if (monthIndex < 0 || monthIndex > 11 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  date.setUTCHours(hour, minute, second, ms);
  if (date.getUTCDate() !== day) return undefined;
  const offset = /^[+-]\d{2}:?\d{2}$/.test(zone) ? (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2))) : 0;
  return date.getTime() - offset * 60_000;
}

/** RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century. */
function fullYear(twoDigits: number, nowMs: number): number {
  const current = new Date(nowMs).getUTCFullYear();
  const year = Math.floor(current / 100) * 100 + twoDigits;
  return year > current + 50 ? year - 100 : year;
}

/**
 * Parses an HTTP date (IMF-fixdate, RFC 850, asctime) or ISO 8601; undefined when not a date.
 * Conditional headers with an invalid date are ignored, as RFC 9110 §13.1.3 requires. Written out
 * rather than left to Date.parse, which reads zone-less forms (asctime) in the server's local time
 * and accepts almost anything else.
 */
export function parseHttpDate(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.length > 64) return undefined;
  let m = IMF_FIXDATE.exec(trimmed);
  if (m) return instant(Number(m[3]), m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), 0, m[7] ?? '');
  m = RFC_850.exec(trimmed);
  if (m) return instant(m[3]!.length === 2 ? fullYear(Number(m[3]), nowMs) : Number(m[3]), m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = ASCTIME.exec(trimmed);
  if (m) return instant(Number(m[6]), m[1]!, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  m = ISO_8601.exec(trimmed);
  if (m) return instant(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)), m[8] ?? '');
  return undefined;
}
