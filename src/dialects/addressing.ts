/**
 * Path-style and virtual-hosted addressing. The bucket comes from `Host: <bucket>.<domain>`
 * (port optional: the OBS SDK sends none) or from the first path segment. Object names are
 * percent-decoded exactly once and never interpreted as paths.
 */
import { fail } from '../errors/index.js';

export interface Addressing {
  virtualBucket?: string;
  bucket?: string;
  key?: string;
}

/** Strips an optional `:port` (IPv6 literals in brackets keep their colons). */
export function hostWithoutPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.lastIndexOf(':');
  return colon >= 0 && /^\d*$/.test(h.slice(colon + 1)) ? h.slice(0, colon) : h;
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw fail('InvalidArgument', 'The request path is not valid percent-encoded UTF-8.', { argumentName: 'path' });
  }
}

/** The bucket named by a `Host: <bucket>.<domain>` header, or undefined for path-style requests. */
export function virtualBucketOf(host: string | undefined, domain: string): string | undefined {
  const hostname = host === undefined ? '' : hostWithoutPort(host);
  const suffix = '.' + domain.toLowerCase();
  return hostname.endsWith(suffix) && hostname.length > suffix.length ? hostname.slice(0, -suffix.length) : undefined;
}

export function resolveAddressing(rawPath: string, host: string | undefined, domain: string): Addressing {
  if (!rawPath.startsWith('/')) throw fail('InvalidArgument', 'The request path must start with /.', { argumentName: 'path' });
  const virtualBucket = virtualBucketOf(host, domain);
  if (virtualBucket !== undefined) {
    const keyPart = rawPath.slice(1);
    return keyPart === '' ? { virtualBucket, bucket: virtualBucket } : { virtualBucket, bucket: virtualBucket, key: decodeComponent(keyPart) };
  }
  const rest = rawPath.slice(1);
  if (rest === '') return {};
  const slash = rest.indexOf('/');
  const bucket = decodeComponent(slash < 0 ? rest : rest.slice(0, slash));
  const keyPart = slash < 0 ? '' : rest.slice(slash + 1);
  return keyPart === '' ? { bucket } : { bucket, key: decodeComponent(keyPart) };
}

/** Parses a raw query string; names keep their case, first value wins, `+` is a space as in forms. */
export function parseQuery(rawQuery: string): Map<string, string> {
  const map = new Map<string, string>();
  if (rawQuery === '') return map;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    if (!map.has(name)) map.set(name, value);
  }
  return map;
}
