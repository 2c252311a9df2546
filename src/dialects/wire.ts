/**
 * The request as it came off the wire, plus the addressing decided from Host and path. Header
 * lookups through a dialect go through `header()` so the prefix is never spelled by callers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dialect } from './dialect.js';

export interface WireRequest {
  method: string;
  /** As received, percent-encoded, without the query. */
  rawPath: string;
  /** As received, without '?'. */
  rawQuery: string;
  /** Decoded query parameters; names as sent (case kept). First value wins. */
  query: Map<string, string>;
  headers: IncomingHttpHeaders;
  /** Bucket from the Host header (virtual-hosted style). */
  virtualBucket?: string;
  /** Bucket addressed (virtual host or first path segment). */
  bucket?: string;
  /** Object name, decoded, exactly as the client meant it (may contain '../', '%', spaces). */
  key?: string;
  /** The connection is TLS, or a trusted proxy said it was. */
  isSecure: boolean;
  remoteAddress: string;
}

/** A single header value (first when repeated), or undefined. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[0] : v;
}

/** A dialect-prefixed header: `header(req, d, 'copy-source')` reads x-obs-copy-source (or x-amz-). */
export function prefixed(req: WireRequest, dialect: Dialect, suffix: string): string | undefined {
  const own = headerValue(req.headers, dialect.prefix + suffix);
  if (own !== undefined || !dialect.acceptsOtherPrefix) return own;
  return headerValue(req.headers, (dialect.prefix === 'x-obs-' ? 'x-amz-' : 'x-obs-') + suffix);
}

/** Query parameter lookup, case-insensitive on the name (OBS clients vary the case). */
export function queryValue(req: WireRequest, name: string): string | undefined {
  const exact = req.query.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of req.query) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function hasQuery(req: WireRequest, name: string): boolean {
  return queryValue(req, name) !== undefined;
}
