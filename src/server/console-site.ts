/**
 * Serves the web console: unauthenticated GET/HEAD requests under its mount (`/console/` on the
 * main ports, `/` on --console-port) get the page, its assets and config.json, with a strict CSP
 * and the usual hardening headers. Everything else (any signed request, any other method, a
 * virtual-hosted bucket) is left to the S3/OBS handling: `handle` returns undefined for it.
 * Must not read files per request (console-assets.ts loads them once) nor reveal secrets:
 * config.json holds only what any visitor may know.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { hostWithoutPort, virtualBucketOf } from '../dialects/addressing.js';
import { headerValue } from '../dialects/wire.js';
import { renderPage, type ConsoleBuild, type ConsoleFile } from './console-assets.js';
import { mayBeConsoleRequest, resolveConsolePath, type ConsoleMount } from './console-paths.js';

/** Where the server can be reached, as printed at start (host 127.0.0.1 or the configured one). */
export interface ConsoleEndpoints {
  httpUrl: string;
  httpsUrl?: string;
  /** The console's own URL, preferring HTTPS. */
  consoleUrl: string;
  /** The console over HTTPS, when HTTPS is on. */
  httpsConsoleUrl?: string;
}

/** config.json: what the page needs to sign requests and to point users at HTTPS. Never secret. */
export interface ConsoleConfig extends ConsoleEndpoints {
  region: string;
  version: string;
}

export interface ConsoleSiteOptions {
  mount: ConsoleMount;
  /** undefined: dist/console was not built; every console path answers 404 with a hint. */
  build: ConsoleBuild | undefined;
  /** Virtual-host domain: requests to `<bucket>.<domain>` are never the console's. */
  domain: string;
  region: string;
  version: string;
  /** Read per request: the ports are known only once the listeners are up. */
  endpoints: () => ConsoleEndpoints;
}

export interface ConsoleSite {
  /** Answers a console request (resolving to the status sent), or returns undefined when it is not one. */
  handle(req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string): Promise<number> | undefined;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Sent with every console answer, errors and redirects included. */
const HARDENING_HEADERS: OutgoingHttpHeaders = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT_MESSAGE = 'The web console is not built: run `npm run build` and restart the server.\n';

/** A Host header value usable in a URL: a DNS name or an IP literal, nothing else. */
const PLAIN_HOSTNAME = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/i;

/** `url` with its host name replaced by the one the browser used (so a remote browser gets reachable links). */
function asSeenBy(url: string, hostname: string | undefined): string {
  if (hostname === undefined) return url;
  const u = new URL(url);
  u.hostname = hostname;
  return url.endsWith('/') ? u.href : u.href.replace(/\/$/, '');
}

export function consoleConfigFor(options: Pick<ConsoleSiteOptions, 'region' | 'version' | 'endpoints'>, hostHeader: string | undefined): ConsoleConfig {
  const candidate = hostHeader === undefined ? undefined : hostWithoutPort(hostHeader);
  const hostname = candidate !== undefined && PLAIN_HOSTNAME.test(candidate) ? candidate : undefined;
  const e = options.endpoints();
  return {
    region: options.region,
    version: options.version,
    httpUrl: asSeenBy(e.httpUrl, hostname),
    ...(e.httpsUrl !== undefined ? { httpsUrl: asSeenBy(e.httpsUrl, hostname) } : {}),
    consoleUrl: asSeenBy(e.consoleUrl, hostname),
    ...(e.httpsConsoleUrl !== undefined ? { httpsConsoleUrl: asSeenBy(e.httpsConsoleUrl, hostname) } : {}),
  };
}

/** True when one of the If-None-Match entity tags is this file's (or `*`). */
function isFresh(req: IncomingMessage, etag: string): boolean {
  const header = headerValue(req.headers, 'if-none-match');
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer): number {
  res.writeHead(status, { ...HARDENING_HEADERS, ...headers, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
  return status;
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: ConsoleFile): number {
  const headers: OutgoingHttpHeaders = { etag: file.etag, 'cache-control': file.isImmutable ? IMMUTABLE : 'no-cache' };
  if (isFresh(req, file.etag)) {
    res.writeHead(304, { ...HARDENING_HEADERS, ...headers });
    res.end();
    return 304;
  }
  return send(req, res, 200, { ...headers, 'content-type': file.contentType }, file.body);
}

function sendNotFound(req: IncomingMessage, res: ServerResponse, message: string): number {
  return send(req, res, 404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, Buffer.from(message, 'utf8'));
}

export function createConsoleSite(options: ConsoleSiteOptions): ConsoleSite {
  const page = options.build ? renderPage(options.build, options.mount) : undefined;

  function answer(req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string): number | undefined {
    if (!mayBeConsoleRequest(req.method ?? '', req.headers, rawQuery)) return undefined;
    if (virtualBucketOf(headerValue(req.headers, 'host'), options.domain) !== undefined) return undefined;
    const target = resolveConsolePath(rawPath, options.mount);
    if (target === undefined) return undefined;
    if (target.kind === 'redirect') {
      return send(req, res, 301, { location: target.location, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }, Buffer.from(`Moved to ${target.location}\n`, 'utf8'));
    }
    if (target.kind === 'not-found') return sendNotFound(req, res, 'Not found.\n');
    if (target.kind === 'config') {
      const config = consoleConfigFor(options, headerValue(req.headers, 'host'));
      return send(req, res, 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, Buffer.from(JSON.stringify(config), 'utf8'));
    }
    if (!options.build || !page) return sendNotFound(req, res, NOT_BUILT_MESSAGE);
    if (target.kind === 'page') return sendFile(req, res, page);
    const asset = options.build.assets.get(target.name);
    return asset ? sendFile(req, res, asset) : sendNotFound(req, res, 'Not found.\n');
  }

  return {
    handle(req, res, rawPath, rawQuery) {
      const status = answer(req, res, rawPath, rawQuery);
      return status === undefined ? undefined : Promise.resolve(status);
    },
  };
}

