/**
 * Which requests are the web console's, and which of its files a path names. Pure: no I/O, no
 * file system paths. A console path resolves only to names from a fixed set (the page, its
 * config, a file directly under assets/), so no path a client sends can reach any other file.
 * Anything signed stays an S3/OBS request, even under /console/ (a bucket may be named "console").
 */
import type { IncomingHttpHeaders } from 'node:http';
import { tryDecode } from '../signing/encoding.js';

/** Where the console is mounted: `/console/` on the main ports, `/` on its own port. */
export type ConsoleMount = '/console/' | '/';

export type ConsoleTarget =
  | { kind: 'redirect'; location: string }
  | { kind: 'page' }
  | { kind: 'config' }
  | { kind: 'asset'; name: string }
  | { kind: 'not-found' };

/** Query parameters that carry a signature or credential (V2, OBS and SigV4 query authentication). */
const AUTH_QUERY_NAMES = new Set(['x-amz-signature', 'x-amz-algorithm', 'x-amz-credential', 'signature', 'awsaccesskeyid', 'accesskeyid']);

/** A file name directly under assets/: no separators, no leading dot. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The last path segment ends in an extension: a file, not a screen of the single-page app. */
const LOOKS_LIKE_FILE = /\.[A-Za-z0-9]{1,10}$/;

/**
 * True when a request may be the console's: GET or HEAD with no authentication at all (no
 * Authorization header, no signed query) and not the OBS SDKs' anonymous `?apiversion` probe.
 */
export function mayBeConsoleRequest(method: string, headers: IncomingHttpHeaders, rawQuery: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (headers['authorization'] !== undefined) return false;
  if (rawQuery === '') return true;
  return !rawQuery.split('&').some((part) => {
    const rawName = part.split('=', 1)[0]!;
    const name = (tryDecode(rawName) ?? rawName).toLowerCase();
    return AUTH_QUERY_NAMES.has(name) || name === 'apiversion';
  });
}

/** Path forms that are never served: escapes of separators, dot segments, backslashes, control characters. */
function isSuspicious(rawRest: string, decodedRest: string): boolean {
  if (/%2f|%5c/i.test(rawRest)) return true;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(decodedRest)) return true;
  return decodedRest.split('/').some((segment) => segment === '.' || segment === '..');
}

/** On its own port the console claims only its page, its config and its assets; the rest is the S3 API. */
function claimedAtRoot(rawRest: string): boolean {
  return rawRest === '' || rawRest === 'index.html' || rawRest === 'config.json' || rawRest.startsWith('assets/');
}

/**
 * The console file a request path names under `mount`, or undefined when the path is not the
 * console's (the request goes on to the S3/OBS handling).
 */
export function resolveConsolePath(rawPath: string, mount: ConsoleMount): ConsoleTarget | undefined {
  if (mount === '/console/' && rawPath === '/console') return { kind: 'redirect', location: '/console/' };
  if (!rawPath.startsWith(mount)) return undefined;
  const rawRest = rawPath.slice(mount.length);
  if (mount === '/' && !claimedAtRoot(rawRest)) return undefined;
  const rest = tryDecode(rawRest);
  if (rest === undefined || isSuspicious(rawRest, rest)) return { kind: 'not-found' };
  if (rest === '' || rest === 'index.html') return { kind: 'page' };
  if (rest === 'config.json') return { kind: 'config' };
  if (rest.startsWith('assets/')) {
    const name = rest.slice('assets/'.length);
    return ASSET_NAME.test(name) ? { kind: 'asset', name } : { kind: 'not-found' };
  }
  const lastSegment = rest.slice(rest.lastIndexOf('/') + 1);
  return LOOKS_LIKE_FILE.test(lastSegment) ? { kind: 'not-found' } : { kind: 'page' };
}
