/**
 * The web console as the real server serves it: the start-up line, the page and assets over HTTP
 * and HTTPS with their security and caching headers, config.json, traversal attempts, a bucket
 * named "console" still served to signed clients, --console-port (TLS and plain), --no-console,
 * and GET /_obscura/metrics (refused to anonymous and wrongly signed requests; its counts follow
 * PUTs in each SSE mode and failed requests).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bodyBytes } from '../helpers/bodies.js';
import { s3Client } from '../helpers/clients.js';
import { rawRequest, signedRequest, type RawResponse } from '../helpers/raw.js';
import { repoRoot, startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { presignV4, signV4, sha256Hex } from '../../src/signing/index.js';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

type Reply = RawResponse;

/** A request to `base` with the path sent exactly as written; over HTTPS when `base` is, verified against `ca`. */
function send(base: string, rawPath: string, options: { method?: string; headers?: Record<string, string>; ca?: string } = {}): Promise<Reply> {
  const url = new URL(base);
  return rawRequest({ port: Number(url.port), path: rawPath, ...(options.method ? { method: options.method } : {}), ...(options.headers ? { headers: options.headers } : {}), ...(url.protocol === 'https:' && options.ca ? { ca: options.ca } : {}) });
}

/** Authorization headers of a SigV4-signed GET (no body) to `base` + `path`. */
function signedHeaders(server: TestServer, base: string, path: string): Record<string, string> {
  const host = new URL(base).host;
  return { host, ...signV4({ method: 'GET', canonicalUri: path, query: [], headers: { host }, payloadHash: sha256Hex(''), accessKeyId: server.accessKey, secretAccessKey: server.secretKey, region: 'us-east-1', service: 's3', nowMs: Date.now() }) };
}

function assertHardened(reply: Reply, what: string): void {
  assert.equal(reply.headers['content-security-policy'], CSP, what);
  assert.equal(reply.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(reply.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(reply.headers['x-frame-options'], 'DENY', what);
}

function xmlCode(reply: Reply): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(reply.body.toString('utf8'))?.[1];
}

/** The 'listening' log entry (logs are written asynchronously: it may follow the stdout summary). */
async function listeningEntry(server: TestServer): Promise<Record<string, unknown>> {
  for (let waitedMs = 0; waitedMs < 5000; waitedMs += 50) {
    const line = server.logs().split('\n').find((l) => l.includes('"msg":"listening"'));
    if (line) return JSON.parse(line) as Record<string, unknown>;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no listening log entry within 5 s');
}

async function certificateOf(server: TestServer): Promise<string> {
  return readFile(join(server.configDir, 'tls', 'cert.pem'), 'utf8');
}

describe('the console on the main ports', () => {
  let server: TestServer;
  let ca: string;
  let s3: S3Client;

  before(async () => {
    server = await startTestServer();
    ca = await certificateOf(server);
    s3 = s3Client(server);
  });

  after(async () => {
    s3?.destroy();
    await server?.stop();
    await server?.cleanup();
  });

  test('the start-up summary prints the HTTPS console URL, and the listening log entry names it', async () => {
    const printed = /^ {2}Console: {5}(\S+)$/m.exec(server.output())?.[1];
    assert.equal(printed, `${server.httpsUrl}/console/`);
    assert.equal((await listeningEntry(server))['console'], `${server.httpsUrl}/console/`);
  });

  test('the page over HTTP and HTTPS: hardening headers, strict CSP, no-cache with an ETag, absolute asset URLs, nothing from other hosts', async () => {
    for (const base of [server.httpUrl, server.httpsUrl]) {
      const page = await send(base, '/console/', { ca });
      assert.equal(page.status, 200, base);
      assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(page.headers['cache-control'], 'no-cache');
      assertHardened(page, base);
      const html = page.body.toString('utf8');
      assert.match(html, /<html lang="en">/);
      assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
      assert.match(html, /<div id="app"><\/div>/);
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no CDN or other host');
      const script = /<script type="module" src="(\/console\/assets\/main-[A-Z0-9]{8}\.js)"><\/script>/.exec(html)?.[1];
      const stylesheet = /<link rel="stylesheet" href="(\/console\/assets\/main-[A-Z0-9]{8}\.css)">/.exec(html)?.[1];
      assert.ok(script && stylesheet, html);
      for (const [asset, type] of [[script, 'text/javascript; charset=utf-8'], [stylesheet, 'text/css; charset=utf-8']] as const) {
        const reply = await send(base, asset, { ca });
        assert.equal(reply.status, 200, asset);
        assert.equal(reply.headers['content-type'], type);
        assert.equal(reply.headers['cache-control'], 'public, max-age=31536000, immutable');
        assertHardened(reply, asset);
        const fresh = await send(base, asset, { ca, headers: { 'if-none-match': String(reply.headers['etag']) } });
        assert.equal(fresh.status, 304);
        assert.equal(fresh.body.length, 0);
      }
      const revalidated = await send(base, '/console/', { ca, headers: { 'if-none-match': String(page.headers['etag']) } });
      assert.equal(revalidated.status, 304);
      assertHardened(revalidated, '304');
      const head = await send(base, '/console/', { ca, method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(page.body.length));
      assert.equal(head.body.length, 0);
    }
  });

  test('/console redirects to /console/; screens fall back to the page; unknown files are 404', async () => {
    const redirect = await send(server.httpUrl, '/console');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers['location'], '/console/');
    assertHardened(redirect, 'redirect');
    assert.equal((await send(server.httpUrl, '/console/buckets/photos')).status, 200);
    assert.match((await send(server.httpUrl, '/console/buckets/photos')).body.toString('utf8'), /<div id="app">/);
    for (const path of ['/console/nope.js', '/console/favicon.ico', '/console/assets/main-ZZZZZZZZ.js']) {
      const reply = await send(server.httpUrl, path);
      assert.equal(reply.status, 404, path);
      assertHardened(reply, path);
    }
  });

  test('config.json names the region, both endpoints, the HTTPS console and the version; never cached', async () => {
    const reply = await send(server.httpUrl, '/console/config.json');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(reply.headers['cache-control'], 'no-store');
    const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.deepEqual(JSON.parse(reply.body.toString('utf8')), {
      region: 'us-east-1',
      version,
      httpUrl: server.httpUrl,
      httpsUrl: server.httpsUrl,
      consoleUrl: `${server.httpsUrl}/console/`,
      httpsConsoleUrl: `${server.httpsUrl}/console/`,
    });
  });

  test('traversal attempts answer 404, and nothing outside dist/console (nor its compiled sources) is readable', async () => {
    const attempts = [
      '/console/../data',
      '/console/../package.json',
      '/console/assets/../../package.json',
      '/console/assets/../../../package.json',
      '/console/%2e%2e/package.json',
      '/console/%2e%2e/%2e%2e/package.json',
      '/console/.%2E/.%2E/package.json',
      '/console/..%2fpackage.json',
      '/console/assets/..%2f..%2f..%2fpackage.json',
      '/console/assets%2f..%2f..%2fpackage.json',
      '/console/assets/..%5c..%5c..%5cpackage.json',
      '/console/assets\\..\\..\\..\\package.json',
      '/console/assets/..\\index.html',
      '/console/assets/main.js%00.css',
      '/console/%00',
      '/console/assets/%2e%2e/index.html',
      '/console/src/api/signer.js',
      '/console/assets/../src/api/signer.js',
      '/console/assets/../../src/server/start.js',
    ];
    for (const path of attempts) {
      const reply = await send(server.httpUrl, path);
      assert.equal(reply.status, 404, path);
      const body = reply.body.toString('utf8');
      assert.doesNotMatch(body, /"name": "obscura"|SQLite format|uriEncode|startServer/, path);
      assertHardened(reply, path);
    }
  });

  test('a bucket named "console" is an ordinary bucket to signed clients (headers or presigned); only unsigned GETs get the page', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'console' }));
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'console', Key: 'index.html', Body: 'an object, not the page' }));
      await s3.send(new PutObjectCommand({ Bucket: 'console', Key: 'assets/app.js', Body: 'object-js' }));
      assert.equal((await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: 'console', Key: 'index.html' }))).Body)).toString(), 'an object, not the page');
      assert.equal((await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: 'console', Key: 'assets/app.js' }))).Body)).toString(), 'object-js');
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'console', Key: 'index.html' }))).ContentLength, 23);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'console' }));
      assert.deepEqual(listed.Contents?.map((c) => c.Key), ['assets/app.js', 'index.html']);
      const presigned = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'console', Key: 'index.html' }), { expiresIn: 60 });
      const viaUrl = await fetch(presigned);
      assert.equal(await viaUrl.text(), 'an object, not the page');
      const signed = await send(server.httpUrl, '/console/index.html', { headers: signedHeaders(server, server.httpUrl, '/console/index.html') });
      assert.equal(signed.body.toString(), 'an object, not the page');
      const unsigned = await send(server.httpUrl, '/console/index.html');
      assert.match(unsigned.body.toString(), /<div id="app">/);
      // The OBS SDKs' anonymous probe of a bucket named console is still answered by the API.
      const probe = await send(server.httpUrl, '/console?apiversion', { method: 'HEAD' });
      assert.deepEqual([probe.status, probe.headers['x-obs-api']], [200, '3.0']);
      // Writes are never the console's, signed or not.
      const anonymousPut = await send(server.httpUrl, '/console/x', { method: 'PUT' });
      assert.deepEqual([anonymousPut.status, xmlCode(anonymousPut)], [403, 'AccessDenied']);
    } finally {
      await s3.send(new DeleteObjectCommand({ Bucket: 'console', Key: 'index.html' }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'console', Key: 'assets/app.js' }));
      await s3.send(new DeleteBucketCommand({ Bucket: 'console' }));
    }
  });

  test('GET /_obscura/metrics: anonymous → 403 AccessDenied XML, wrong secret → 403 SignatureDoesNotMatch', async () => {
    const anonymous = await send(server.httpUrl, '/_obscura/metrics');
    assert.equal(anonymous.status, 403);
    assert.equal(anonymous.headers['content-type'], 'application/xml');
    assert.equal(xmlCode(anonymous), 'AccessDenied');
    const wrong = await signedRequest(server, { path: '/_obscura/metrics', secretKey: server.secretKey + 'x' });
    assert.deepEqual([wrong.status, xmlCode(wrong)], [403, 'SignatureDoesNotMatch']);
    const other = await send(server.httpUrl, '/_obscura/metrics', { method: 'HEAD' });
    assert.equal(other.status, 403);
  });

  test('GET /_obscura/metrics, signed or presigned: the ServerMetrics JSON, whose counts follow PUTs in each SSE mode and failed requests', async () => {
    const metrics = async (): Promise<{ uptimeSeconds: number; requests: { total: number; errors4xx: number; errors5xx: number }; rates: { requestsPerSecond: number; errorsPerSecond: number }; history: Array<{ at: string; requests: number; errors: number }>; objectsByMode: Array<{ mode: string; objects: number; bytes: number }> }> => {
      const reply = await signedRequest(server, { path: '/_obscura/metrics' });
      assert.equal(reply.status, 200, reply.body.toString());
      assert.equal(reply.headers['content-type'], 'application/json');
      assert.equal(reply.headers['cache-control'], 'no-store');
      return JSON.parse(reply.body.toString('utf8'));
    };
    const before = await metrics();
    assert.deepEqual(Object.keys(before).sort(), ['history', 'objectsByMode', 'rates', 'requests', 'uptimeSeconds']);
    assert.ok(before.uptimeSeconds >= 0 && before.uptimeSeconds < 600);
    assert.equal(before.history.length, 60);
    const times = before.history.map((p) => Date.parse(p.at));
    assert.ok(times.every((t, i) => i === 0 || t - times[i - 1]! === 10_000), 'one point per 10 s, oldest first');
    assert.ok(Math.abs(times.at(-1)! - Date.now()) < 20_000);
    assert.deepEqual(before.objectsByMode.map((m) => m.mode), ['none', 'sse-s3', 'sse-kms', 'sse-c']);

    const bucket = uniqueBucket('metrics');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const customerKey = randomBytes(32);
    const sse = {
      none: {},
      'sse-s3': { ServerSideEncryption: 'AES256' as const },
      'sse-kms': { ServerSideEncryption: 'aws:kms' as const },
      'sse-c': { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64') },
    };
    const sizes = { none: 11, 'sse-s3': 22, 'sse-kms': 33, 'sse-c': 44 };
    for (const mode of ['none', 'sse-s3', 'sse-kms', 'sse-c'] as const) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${mode}.bin`, Body: randomBytes(sizes[mode]), ...sse[mode] }));
    }
    const missing = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' })).catch((e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode);
    assert.equal(missing, 404);
    const afterPuts = await metrics();
    for (const mode of ['none', 'sse-s3', 'sse-kms', 'sse-c'] as const) {
      const was = before.objectsByMode.find((m) => m.mode === mode)!;
      const now = afterPuts.objectsByMode.find((m) => m.mode === mode)!;
      assert.deepEqual([now.objects - was.objects, now.bytes - was.bytes], [1, sizes[mode]], mode);
    }
    assert.ok(afterPuts.requests.total >= before.requests.total + 7, 'create, four PUTs, a failed GET and the metrics call');
    assert.ok(afterPuts.requests.errors4xx >= before.requests.errors4xx + 1, 'the failed GET counts as a 4xx');
    assert.ok(afterPuts.history.reduce((n, p) => n + p.errors, 0) >= 1);
    assert.ok(afterPuts.rates.requestsPerSecond > 0);

    // The same answer through a presigned URL (query authentication).
    const query = presignV4({ method: 'GET', canonicalUri: '/_obscura/metrics', query: [], headers: { host: `127.0.0.1:${server.httpPort}` }, accessKeyId: server.accessKey, secretAccessKey: server.secretKey, region: 'us-east-1', service: 's3', nowMs: Date.now(), expiresSeconds: 60 });
    const presigned = await fetch(`${server.httpUrl}/_obscura/metrics?${new URLSearchParams(query).toString()}`);
    assert.equal(presigned.status, 200);
    assert.equal(((await presigned.json()) as { history: unknown[] }).history.length, 60);

    for (const mode of ['none', 'sse-s3', 'sse-kms', 'sse-c'] as const) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${mode}.bin` }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  });
});

describe('the console on its own port, and switched off', () => {
  test('--console-port: the console at / over TLS with the same certificate; signed API calls on that port; the main ports no longer serve it', async () => {
    const server = await startTestServer({ args: ['--console-port', '0'], allowInsecureSse: false });
    try {
      const consoleUrl = /^ {2}Console: {5}(https:\/\/127\.0\.0\.1:\d+\/)$/m.exec(server.output())?.[1];
      assert.ok(consoleUrl, server.output());
      assert.notEqual(new URL(consoleUrl).port, String(server.httpsPort));
      assert.equal((await listeningEntry(server))['console'], consoleUrl);
      const ca = await certificateOf(server);
      const page = await send(consoleUrl, '/', { ca });
      assert.equal(page.status, 200);
      assertHardened(page, 'console port page');
      const script = /src="(\/assets\/main-[A-Z0-9]{8}\.js)"/.exec(page.body.toString('utf8'))?.[1];
      assert.ok(script, page.body.toString('utf8'));
      assert.equal((await send(consoleUrl, script, { ca })).status, 200);
      assert.equal((await send(consoleUrl, '/index.html', { ca })).status, 200);
      const config = JSON.parse((await send(consoleUrl, '/config.json', { ca })).body.toString('utf8')) as Record<string, string>;
      assert.equal(config['consoleUrl'], consoleUrl);
      assert.equal(config['httpsConsoleUrl'], consoleUrl);
      // The same port is the S3 API for signed requests (the browser talks to its own origin).
      const list = await send(consoleUrl, '/', { ca, headers: signedHeaders(server, consoleUrl, '/') });
      assert.equal(list.status, 200);
      assert.match(list.body.toString('utf8'), /<ListAllMyBucketsResult/);
      const metrics = await send(consoleUrl, '/_obscura/metrics', { ca, headers: signedHeaders(server, consoleUrl, '/_obscura/metrics') });
      assert.equal(metrics.status, 200);
      assert.equal(metrics.headers['content-type'], 'application/json');
      const anonymousBucket = await send(consoleUrl, '/photos', { ca });
      assert.deepEqual([anonymousBucket.status, xmlCode(anonymousBucket)], [403, 'AccessDenied']);
      const mainPort = await send(server.httpUrl, '/console/');
      assert.deepEqual([mainPort.status, xmlCode(mainPort)], [403, 'AccessDenied']);
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });

  test('--console-port without HTTPS: the console port is plain HTTP, and config.json names no HTTPS console', async () => {
    const server = await startTestServer({ args: ['--console-port', '0', '--https-port', '-1'] });
    try {
      const consoleUrl = /^ {2}Console: {5}(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(server.output())?.[1];
      assert.ok(consoleUrl, server.output());
      assert.equal((await send(consoleUrl, '/')).status, 200);
      const config = JSON.parse((await send(consoleUrl, '/config.json')).body.toString('utf8')) as Record<string, string>;
      assert.deepEqual([config['consoleUrl'], config['httpsUrl'], config['httpsConsoleUrl']], [consoleUrl, undefined, undefined]);
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });

  test('--no-console: no console line, and /console/ is an ordinary (anonymous, refused) S3 request', async () => {
    const server = await startTestServer({ args: ['--no-console'] });
    try {
      assert.doesNotMatch(server.output(), /Console:/);
      assert.equal((await listeningEntry(server))['console'], undefined);
      for (const path of ['/console/', '/console/config.json', '/console']) {
        const reply = await send(server.httpUrl, path);
        assert.deepEqual([reply.status, xmlCode(reply)], [403, 'AccessDenied'], path);
      }
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });
});
