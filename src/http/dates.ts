/** HTTP and ISO 8601 date formats used on the wire. */

/** RFC 1123 / IMF-fixdate, e.g. `Mon, 23 Nov 2026 02:16:38 GMT`. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** ISO 8601 with milliseconds, as S3 writes LastModified in XML: `2026-11-23T02:16:38.000Z`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Parses an HTTP date (IMF-fixdate, RFC 850, asctime) or ISO 8601; undefined when not a date.
 * Conditional headers with an invalid date are ignored, as RFC 9110 §13.1.3 requires.
 */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9 ,:+\-.TZ]{8,64}$/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isFinite(ms) ? ms : undefined;
}
