/**
 * The web console's serving rules without a full server (src/server/console-paths.ts,
 * console-assets.ts, console-site.ts): which requests are the console's, how paths resolve to
 * the fixed set of files, traversal forms refused, the page rewritten for its mount, caching,
 * 304s and hardening headers, and a console that was never built answering 404 with a hint.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConsoleBuild } from '../../../src/server/console-assets.js';
import { mayBeConsoleRequest, resolveConsolePath } from '../../../src/server/console-paths.js';
import { CONTENT_SECURITY_POLICY, createConsoleSite, type ConsoleSite } from '../../../src/server/console-site.js';
import { rawRequest, type RawResponse } from '../../helpers/raw.js';

// ---- pure rules ----

test('only unauthenticated GET and HEAD may be console requests (and not the OBS apiversion probe)', () => {
  assert.equal(mayBeConsoleRequest('GET', {}, ''), true);
  assert.equal(mayBeConsoleRequest('HEAD', {}, 'x=1'), true);
  assert.equal(mayBeConsoleRequest('POST', {}, ''), false);
  assert.equal(mayBeConsoleRequest('PUT', {}, ''), false);
  assert.equal(mayBeConsoleRequest('GET', { authorization: 'AWS4-HMAC-SHA256 Credential=…' }, ''), false);
  assert.equal(mayBeConsoleRequest('GET', { authorization: '' }, ''), false);
  for (const query of ['X-Amz-Signature=abc', 'x-amz-algorithm=AWS4-HMAC-SHA256', 'X-Amz-Credential=a', 'Signature=abc&Expires=1', 'AWSAccessKeyId=AK', 'AccessKeyId=AK', 'a=1&%53ignature=x', 'apiversion']) {
    assert.equal(mayBeConsoleRequest('GET', {}, query), false, query);
  }
});

const consolePaths: Array<[string, ReturnType<typeof resolveConsolePath>]> = [
  ['/console', { kind: 'redirect', location: '/console/' }],
  ['/console/', { kind: 'page' }],
  ['/console/index.html', { kind: 'page' }],
  ['/console/config.json', { kind: 'config' }],
  ['/console/assets/main-ABCDEFGH.js', { kind: 'asset', name: 'main-ABCDEFGH.js' }],
  ['/console/buckets/photos', { kind: 'page' }],
  ['/console/buckets/photos/', { kind: 'page' }],
  ['/console/favicon.ico', { kind: 'not-found' }],
  ['/console/missing.js', { kind: 'not-found' }],
  ['/console/assets/', { kind: 'not-found' }],
  ['/console/assets/sub/x.js', { kind: 'not-found' }],
  ['/console/assets/.hidden', { kind: 'not-found' }],
  ['/console/../data', { kind: 'not-found' }],
  ['/console/assets/../../package.json', { kind: 'not-found' }],
  ['/console/%2e%2e/%2e%2e/package.json', { kind: 'not-found' }],
  ['/console/.%2E/x', { kind: 'not-found' }],
  ['/console/assets/..%2f..%2fpackage.json', { kind: 'not-found' }],
  ['/console/assets%2fmain.js', { kind: 'not-found' }],
  ['/console/assets/..\\..\\package.json', { kind: 'not-found' }],
  ['/console/assets/%5c..%5cpackage.json', { kind: 'not-found' }],
  ['/console/assets/main.js%00.png', { kind: 'not-found' }],
  ['/console/x%00', { kind: 'not-found' }],
  ['/console/%zz', { kind: 'not-found' }],
  ['/console/./index.html', { kind: 'not-found' }],
  ['/consolex', undefined],
  ['/photos/console/', undefined],
  ['/', undefined],
];

for (const [path, expected] of consolePaths) {
  test(`under /console/, ${JSON.stringify(path)} resolves to ${expected ? expected.kind : 'the S3 API'}`, () => {
    assert.deepEqual(resolveConsolePath(path, '/console/'), expected);
  });
}

test('on its own port the console claims /, /index.html, /config.json and /assets/* only', () => {
  assert.deepEqual(resolveConsolePath('/', '/'), { kind: 'page' });
  assert.deepEqual(resolveConsolePath('/index.html', '/'), { kind: 'page' });
  assert.deepEqual(resolveConsolePath('/config.json', '/'), { kind: 'config' });
  assert.deepEqual(resolveConsolePath('/assets/a.css', '/'), { kind: 'asset', name: 'a.css' });
  assert.deepEqual(resolveConsolePath('/assets/../../etc/passwd', '/'), { kind: 'not-found' });
  for (const path of ['/photos', '/photos/cat.jpg', '/console/', '/assets', '/_obscura/metrics', '/../etc/passwd']) assert.equal(resolveConsolePath(path, '/'), undefined, path);
});

// ---- serving from a built directory ----

let dir: string;
let server: Server;
let base: string;
let unbuiltServer: Server;
let unbuiltBase: string;

async function serve(site: ConsoleSite): Promise<{ server: Server; base: string }> {
  const s = createServer((req, res) => {
    const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?');
    const answered = site.handle(req, res, rawPath!, rawQuery);
    if (!answered) {
      res.writeHead(418, { 'x-handled-by': 's3' });
      res.end();
    }
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

/** A request with the path as written (traversal forms reach the server unchanged). */
async function get(baseUrl: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Omit<RawResponse, 'body'> & { body: string }> {
  const reply = await rawRequest({ port: Number(new URL(baseUrl).port), path, headers, method });
  return { ...reply, body: reply.body.toString('utf8') };
}

const endpoints = () => ({ httpUrl: 'http://127.0.0.1:9000', httpsUrl: 'https://127.0.0.1:9443', consoleUrl: 'https://127.0.0.1:9443/console/', httpsConsoleUrl: 'https://127.0.0.1:9443/console/' });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'obscura-console-'));
  const built = join(dir, 'dist-console');
  await mkdir(join(built, 'assets'), { recursive: true });
  await writeFile(join(built, 'index.html'), '<!doctype html><link rel="stylesheet" href="./assets/main-AAAAAAAA.css"><script type="module" src="./assets/main-BBBBBBBB.js"></script><div id="app"></div>');
  await writeFile(join(built, 'assets', 'main-AAAAAAAA.css'), 'body{}');
  await writeFile(join(built, 'assets', 'main-BBBBBBBB.js'), 'console.log(1)');
  await writeFile(join(built, 'assets', 'plain.svg'), '<svg/>');
  // Files beside and above the build that no path may reach.
  await writeFile(join(dir, 'secret.txt'), 'TOP-SECRET-OUTSIDE');
  await writeFile(join(built, 'secret.txt'), 'TOP-SECRET-BESIDE');
  const build = await loadConsoleBuild(built);
  assert.ok(build);
  ({ server, base } = await serve(createConsoleSite({ mount: '/console/', build, domain: 'localhost', region: 'eu-west-3', version: '9.9.9', endpoints })));
  ({ server: unbuiltServer, base: unbuiltBase } = await serve(createConsoleSite({ mount: '/console/', build: await loadConsoleBuild(join(dir, 'nothing-here')), domain: 'localhost', region: 'eu-west-3', version: '9.9.9', endpoints })));
});

after(async () => {
  server?.close();
  unbuiltServer?.close();
  await rm(dir, { recursive: true, force: true });
});

function assertHardened(headers: Record<string, string | string[] | undefined>): void {
  assert.equal(headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  assert.equal(headers['x-frame-options'], 'DENY');
}

test('the page is served with its asset references made absolute for the mount, no-cache and an ETag', async () => {
  for (const path of ['/console/', '/console/index.html', '/console/buckets/photos']) {
    const r = await get(base, path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers['etag']), /^"[A-Za-z0-9_-]{22}"$/);
    assert.match(r.body, /href="\/console\/assets\/main-AAAAAAAA\.css"/);
    assert.match(r.body, /src="\/console\/assets\/main-BBBBBBBB\.js"/);
    assertHardened(r.headers);
  }
});

test('hashed assets are immutable; an unhashed one is revalidated; both answer 304 to their ETag', async () => {
  const js = await get(base, '/console/assets/main-BBBBBBBB.js');
  assert.equal(js.status, 200);
  assert.equal(js.body, 'console.log(1)');
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  const svg = await get(base, '/console/assets/plain.svg');
  assert.equal(svg.headers['content-type'], 'image/svg+xml');
  assert.equal(svg.headers['cache-control'], 'no-cache');
  for (const r of [js, svg]) {
    const path = r === js ? '/console/assets/main-BBBBBBBB.js' : '/console/assets/plain.svg';
    const again = await get(base, path, { 'if-none-match': String(r.headers['etag']) });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assertHardened(again.headers);
    assert.equal((await get(base, path, { 'if-none-match': '"other"' })).status, 200);
  }
});

test('HEAD gets the headers and length of GET without a body', async () => {
  const r = await get(base, '/console/assets/main-AAAAAAAA.css', {}, 'HEAD');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], '6');
  assert.equal(r.body, '');
});

test('config.json carries region, endpoints as the browser reached the server, and version: never cached', async () => {
  const r = await get(base, '/console/config.json', { host: 'storage.example.org:9000' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.deepEqual(JSON.parse(r.body), {
    region: 'eu-west-3',
    version: '9.9.9',
    httpUrl: 'http://storage.example.org:9000',
    httpsUrl: 'https://storage.example.org:9443',
    consoleUrl: 'https://storage.example.org:9443/console/',
    httpsConsoleUrl: 'https://storage.example.org:9443/console/',
  });
  const odd = JSON.parse((await get(base, '/console/config.json', { host: 'evil"host/<x>' })).body) as { httpUrl: string };
  assert.equal(odd.httpUrl, 'http://127.0.0.1:9000', 'a Host that is not a plain name is not reflected');
});

test('/console redirects to /console/ (301), hardened', async () => {
  const r = await get(base, '/console');
  assert.equal(r.status, 301);
  assert.equal(r.headers['location'], '/console/');
  assertHardened(r.headers);
});

test('traversal forms, unknown assets and files beside the build answer 404 and reveal nothing', async () => {
  const attempts = [
    '/console/../secret.txt',
    '/console/secret.txt',
    '/console/assets/../secret.txt',
    '/console/assets/../../secret.txt',
    '/console/%2e%2e/secret.txt',
    '/console/assets/%2e%2e%2fsecret.txt',
    '/console/assets/..%5csecret.txt',
    '/console/assets\\..\\secret.txt',
    '/console/assets/secret.txt%00.js',
    '/console/assets/missing-CCCCCCCC.js',
    '/console/assets/',
  ];
  for (const path of attempts) {
    const r = await get(base, path);
    assert.equal(r.status, 404, path);
    assert.doesNotMatch(r.body, /TOP-SECRET/, path);
    assertHardened(r.headers);
  }
});

test('signed requests, other methods and virtual-hosted requests are left to the S3 API', async () => {
  assert.equal((await get(base, '/console/', { authorization: 'AWS4-HMAC-SHA256 Credential=x' })).headers['x-handled-by'], 's3');
  assert.equal((await get(base, '/console/?X-Amz-Signature=abc')).headers['x-handled-by'], 's3');
  assert.equal((await get(base, '/console/', {}, 'DELETE')).headers['x-handled-by'], 's3');
  assert.equal((await get(base, '/console/', { host: 'photos.localhost:9000' })).headers['x-handled-by'], 's3');
  assert.equal((await get(base, '/photos/')).headers['x-handled-by'], 's3');
});

test('a console that was never built answers 404 with a hint, and config.json still works', async () => {
  const page = await get(unbuiltBase, '/console/');
  assert.equal(page.status, 404);
  assert.match(page.body, /not built: run `npm run build`/);
  assertHardened(page.headers);
  assert.equal((await get(unbuiltBase, '/console/config.json')).status, 200);
});
