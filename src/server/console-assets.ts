/**
 * The built web console (dist/console, written by console/build.mjs), loaded into memory once at
 * start: the page (index.html) and the files directly under assets/. Requests are answered from
 * this map, so no request path is ever joined to a file system path. Not built: undefined, and
 * the caller answers 404 with a hint instead of failing to start.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleMount } from './console-paths.js';

/** dist/console, seen from dist/src/server/. */
export const defaultConsoleDir = fileURLToPath(new URL('../../console/', import.meta.url));

export interface ConsoleFile {
  body: Buffer;
  contentType: string;
  /** Strong ETag, quoted. */
  etag: string;
  /** The name carries a content hash (`main-ABCD1234.js`): it never changes, caches may keep it forever. */
  isImmutable: boolean;
}

export interface ConsoleBuild {
  /** index.html as built: asset references are relative (`./assets/…`). */
  pageTemplate: string;
  /** By file name under assets/. */
  assets: Map<string, ConsoleFile>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** esbuild's `[name]-[hash]` file names: an 8-character upper-case content hash before the extension. */
const HASHED_NAME = /-[A-Z0-9]{8}\.[a-z0-9.]+$/;

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

export function consoleFile(name: string, body: Buffer): ConsoleFile {
  return {
    body,
    contentType: contentTypeOf(name),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    isImmutable: HASHED_NAME.test(name),
  };
}

/** The page for a mount: its relative references (`./assets/…`) made absolute, so deep links load it too. */
export function renderPage(build: ConsoleBuild, mount: ConsoleMount): ConsoleFile {
  const html = build.pageTemplate.replace(/(\s(?:src|href)=")\.\//g, `$1${mount}`);
  return { ...consoleFile('index.html', Buffer.from(html, 'utf8')), isImmutable: false };
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Loads dist/console; undefined when it has not been built. */
export async function loadConsoleBuild(dir: string = defaultConsoleDir): Promise<ConsoleBuild | undefined> {
  let pageTemplate: string;
  try {
    pageTemplate = await readFile(join(dir, 'index.html'), 'utf8');
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
  const assets = new Map<string, ConsoleFile>();
  const entries = await readdir(join(dir, 'assets'), { withFileTypes: true }).catch((e: unknown) => {
    if (isMissing(e)) return [];
    throw e;
  });
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    assets.set(entry.name, consoleFile(entry.name, await readFile(join(dir, 'assets', entry.name))));
  }
  return { pageTemplate, assets };
}
