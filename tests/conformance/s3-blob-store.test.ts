/**
 * The upstream-S3 BlobStore against the BlobStore conformance suite and the S3 cases, with another
 * real Obscura server as its upstream; then what needs control of the network: an upstream that
 * goes away and comes back, a connection cut mid-read or mid-write, one that never answers, error
 * answers (quota, 507, throttling, a missing bucket, 200 with an error inside), wrong credentials
 * (no secret in any error), and `fromUrl` with credentials from the environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { blobStoreSuite, generate, pattern } from './blob-store-suite.js';
import { prepareUpstream, collect, emptyPrefix, listAll, randomPrefix, s3BlobStoreCases, s3SuiteFactory, sha256Of, storeOn, upstreamClient, type S3Upstream } from './s3-blob-store-cases.js';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { BlobNotFoundError, BlobStoreFullError, BlobStoreUnavailableError } from '../../src/storage/blob-store.js';
import { S3BlobStore, S3UpstreamError, STALE_UPLOAD_MS } from '../../src/storage/s3/s3-blob-store.js';

const MiB = 1024 * 1024;

let server: TestServer | undefined;
const upstream: Promise<S3Upstream> = prepareUpstream(
  async () => {
    server = await startTestServer();
    return { endpoint: server.httpUrl, region: 'us-east-1', accessKeyId: server.accessKey, secretAccessKey: server.secretKey, bucket: uniqueBucket('blobs') };
  },
  async () => {
    await server?.stop();
    await server?.cleanup();
  },
);

// Parts of 5 MiB (the S3 minimum), so the suite's multi-MiB blobs go up as multipart uploads.
blobStoreSuite('S3BlobStore (Obscura upstream)', s3SuiteFactory(() => upstream, { partBytes: 5 * MiB }), { randomAccess: false });
s3BlobStoreCases('S3BlobStore (Obscura upstream)', () => upstream);

/** A TCP relay to the upstream that can be switched off (listener closed, connections cut) and on again on the same port. */
class Relay {
  port = 0;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly targetPort: number) {}

  async on(): Promise<void> {
    const server = net.createServer((client) => {
      const target = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, target]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          target.destroy();
        });
      }
      client.pipe(target).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async off(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function relayed(): Promise<{ up: S3Upstream; relay: Relay }> {
  const up = await upstream;
  const relay = new Relay(Number(new URL(up.endpoint).port));
  await relay.on();
  return { up: { ...up, endpoint: `http://127.0.0.1:${relay.port}` }, relay };
}

async function rejectsQuickly(label: string, promise: Promise<unknown>, expected: new (...args: never[]) => Error, withinMs: number): Promise<void> {
  const started = Date.now();
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof expected, `${label}: expected ${expected.name}, got ${inspect(e)}`);
    return true;
  });
  const took = Date.now() - started;
  assert.ok(took < withinMs, `${label} took ${took} ms`);
}

test('S3BlobStore: an unreachable upstream gives BlobStoreUnavailableError within seconds, and the store works again when it is back', { timeout: 60_000 }, async () => {
  const { up, relay } = await relayed();
  const store = storeOn(up, { partBytes: 5 * MiB });
  const prefix = (store.toJSON() as { prefix: string }).prefix;
  try {
    const before = await store.write(generate(501, 1000));
    await relay.off();
    await rejectsQuickly('write', store.write(generate(502, 1000)), BlobStoreUnavailableError, 5000);
    await rejectsQuickly('multipart write', store.write(generate(503, 12 * MiB)), BlobStoreUnavailableError, 5000);
    await rejectsQuickly('read', store.read(before.locator), BlobStoreUnavailableError, 5000);
    await rejectsQuickly('ranged read', store.read(before.locator, { start: 1, end: 2 }), BlobStoreUnavailableError, 5000);
    await rejectsQuickly('size', store.size(before.locator), BlobStoreUnavailableError, 5000);
    await rejectsQuickly('copy', store.copy(before.locator), BlobStoreUnavailableError, 5000);
    await rejectsQuickly('delete', store.delete(before.locator), BlobStoreUnavailableError, 5000);
    await rejectsQuickly('list', listAll(store), BlobStoreUnavailableError, 5000);
    await rejectsQuickly('cleanTemporary', store.cleanTemporary(), BlobStoreUnavailableError, 5000);
    await relay.on();
    const after = await store.write(generate(504, 6 * MiB));
    assert.deepEqual(await collect(await store.read(before.locator)), pattern(501, 0, 1000));
    assert.equal(await sha256Of(await store.read(after.locator)), await sha256Of(generate(504, 6 * MiB)));
    assert.deepEqual(await listAll(store), [before.locator, after.locator].sort());
  } finally {
    await relay.off();
    await store.close();
    await emptyPrefix(await upstream, prefix);
  }
});

test('S3BlobStore: a connection cut mid-read fails the read stream with BlobStoreUnavailableError, never with fewer bytes', { timeout: 60_000 }, async () => {
  const { up, relay } = await relayed();
  const store = storeOn(up, { partBytes: 8 * MiB });
  const prefix = (store.toJSON() as { prefix: string }).prefix;
  try {
    const { locator } = await store.write(generate(511, 48 * MiB));
    const stream = await store.read(locator, undefined, { chunkBytes: 65_536 });
    let received = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) {
          received += (chunk as Buffer).length;
          if (received === 65_536) await relay.off();
        }
      })(),
      BlobStoreUnavailableError,
    );
    assert.ok(received < 48 * MiB, `received ${received}`);
  } finally {
    await relay.off();
    await store.close();
    await emptyPrefix(await upstream, prefix);
  }
});

test('S3BlobStore: an upstream lost mid-write fails the write with BlobStoreUnavailableError, and the sweep aborts the upload it left', { timeout: 60_000 }, async () => {
  const { up, relay } = await relayed();
  const store = storeOn(up, { partBytes: 5 * MiB });
  const prefix = (store.toJSON() as { prefix: string }).prefix;
  try {
    // The relay goes off once 12 MiB were handed over: two parts are up, the third cannot go.
    let sent = 0;
    const source = (async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of generate(521, 30 * MiB)) {
        yield chunk;
        sent += chunk.length;
        if (sent >= 12 * MiB && sent - chunk.length < 12 * MiB) await relay.off();
      }
    })();
    await assert.rejects(store.write(source), BlobStoreUnavailableError);
    await relay.on();
    const client = upstreamClient(up);
    try {
      assert.equal((await client.listMultipartUploads(up.bucket, { prefix })).body!.uploads.length, 1, 'the abort could not reach the upstream');
    } finally {
      client.close();
    }
    assert.equal(await store.cleanTemporary(), 0, 'too young to sweep');
    const later = storeOn(up, { prefix, now: () => Date.now() + STALE_UPLOAD_MS + 1000 });
    try {
      assert.equal(await later.cleanTemporary(), 1);
      assert.deepEqual(await listAll(later), []);
    } finally {
      await later.close();
    }
  } finally {
    await relay.off();
    await store.close();
    await emptyPrefix(await upstream, prefix);
  }
});

test('S3BlobStore: an upstream that accepts connections and never answers gives BlobStoreUnavailableError after the timeout', { timeout: 30_000 }, async () => {
  const silent = new Set<net.Socket>();
  const blackHole = net.createServer((s) => {
    silent.add(s);
    s.on('error', () => undefined);
    s.resume();
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', () => resolve()));
  const up = { ...(await upstream), endpoint: `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}` };
  const store = storeOn(up, { timeoutMs: 300, maxRetries: 1 });
  try {
    await rejectsQuickly('size', store.size('ab/c0/' + '0'.repeat(32)), BlobStoreUnavailableError, 3000);
    await rejectsQuickly('write', store.write(generate(531, 100)), BlobStoreUnavailableError, 3000);
    await rejectsQuickly('read', store.read('ab/c0/' + '0'.repeat(32)), BlobStoreUnavailableError, 3000);
  } finally {
    await store.close();
    for (const s of silent) s.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  }
});

/** A fake upstream answering every request with what `answer` says for its method. */
async function fakeUpstream(answer: (req: http.IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string; cut?: boolean }): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer(req);
      res.writeHead(a.status, { 'content-type': 'application/xml', ...(a.headers ?? {}) });
      if (a.cut) {
        res.write(a.body ?? '', () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      res.end(req.method === 'HEAD' ? undefined : (a.body ?? ''));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function errorBody(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} happened</Message><RequestId>req-1</RequestId></Error>`;
}

test('S3BlobStore: upstream error answers become the BlobStore errors they mean', { timeout: 30_000 }, async () => {
  let answer: Parameters<typeof fakeUpstream>[0] = () => ({ status: 500 });
  const fake = await fakeUpstream((req) => answer(req));
  const store = new S3BlobStore({ endpoint: fake.endpoint, bucket: 'b', accessKeyId: 'AK', secretAccessKey: 'fake-upstream-secret', maxRetries: 1 });
  const locator = 'ab/c0/' + '1'.repeat(32);
  try {
    answer = () => ({ status: 507, body: errorBody('InsufficientStorage') });
    await assert.rejects(store.write(generate(541, 100)), BlobStoreFullError, '507');
    answer = () => ({ status: 403, body: errorBody('QuotaExceeded') });
    await assert.rejects(store.write(generate(542, 100)), BlobStoreFullError, 'quota (Ceph RGW)');
    answer = () => ({ status: 507, body: errorBody('XMinioStorageFull') });
    await assert.rejects(store.write(Readable.from(generate(543, 100), { objectMode: false })), BlobStoreFullError, 'MinIO full');
    answer = () => ({ status: 503, body: errorBody('SlowDown') });
    await assert.rejects(store.write(generate(544, 100)), BlobStoreUnavailableError, '503 after retries');
    answer = () => ({ status: 403, body: errorBody('SignatureDoesNotMatch') });
    await assert.rejects(store.size(locator), BlobStoreUnavailableError, 'refused credentials');
    answer = () => ({ status: 404, body: errorBody('NoSuchBucket') });
    await assert.rejects(store.read(locator), BlobStoreUnavailableError, 'a missing bucket is not a missing blob');
    await assert.rejects(store.delete(locator), BlobStoreUnavailableError, 'delete in a missing bucket');
    answer = () => ({ status: 404, body: errorBody('NoSuchKey') });
    await assert.rejects(store.read(locator), BlobNotFoundError);
    await store.delete(locator);
    answer = () => ({ status: 400, body: errorBody('InvalidArgument') });
    await assert.rejects(store.write(generate(545, 100)), (e: unknown) => e instanceof S3UpstreamError && e.status === 400 && e.code === 'InvalidArgument');
    // CopyObject answering 200 with an error inside.
    answer = (req) => (req.method === 'HEAD' ? { status: 200, headers: { 'content-length': '10' } } : { status: 200, body: errorBody('InternalError') });
    await assert.rejects(store.copy(locator), BlobStoreUnavailableError, 'copy: 200 with an error body');
    // A ranged GET answered with another range, or with the whole blob, is refused, not passed on.
    answer = () => ({ status: 206, headers: { 'content-range': 'bytes 0-3/10', 'content-length': '4' }, body: 'abcd' });
    await assert.rejects(store.read(locator, { start: 2, end: 5 }), S3UpstreamError);
    answer = () => ({ status: 200, headers: { 'content-length': '10' }, body: '0123456789' });
    await assert.rejects(store.read(locator, { start: 2, end: 5 }), S3UpstreamError);
    assert.deepEqual(await collect(await store.read(locator, { start: 0, end: 20 })), Buffer.from('0123456789'), 'a 200 covering the range is the blob');
    // A body cut short fails the stream.
    answer = () => ({ status: 200, headers: { 'content-length': '10' }, body: '01234', cut: true });
    await assert.rejects(collect(await store.read(locator)), BlobStoreUnavailableError);
  } finally {
    await store.close();
    await fake.close();
  }
});

test('S3BlobStore: wrong upstream credentials give BlobStoreUnavailableError, and no error or rendering of the store holds a secret', { timeout: 30_000 }, async () => {
  const up = await upstream;
  const wrongSecret = 'wrong-secret-' + 'Zq9'.repeat(10);
  const store = storeOn({ ...up, secretAccessKey: wrongSecret });
  try {
    for (const attempt of [() => store.write(generate(551, 100)), () => store.size('ab/c0/' + '2'.repeat(32)), () => listAll(store)]) {
      const error = await attempt().then(
        () => assert.fail('refused credentials must fail'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof BlobStoreUnavailableError, inspect(error));
      const rendered = inspect(error, { depth: Infinity }) + JSON.stringify(error) + String(error);
      assert.ok(!rendered.includes(wrongSecret) && !rendered.includes(up.secretAccessKey), 'an error holds a secret');
    }
    const shown = inspect(store, { depth: Infinity }) + JSON.stringify(store) + String(store);
    assert.ok(!shown.includes(wrongSecret), shown);
    assert.match(shown, /bucket/);
  } finally {
    await store.close();
  }
});

test('S3BlobStore.fromUrl: bucket, endpoint, region and prefix from the URL; credentials from OBSCURA_BLOBS_*, else AWS_*; errors never echo a secret', { timeout: 30_000 }, async () => {
  const up = await upstream;
  const prefix = randomPrefix();
  const url = `s3://${up.bucket}?endpoint=${up.endpoint}&region=us-east-1&prefix=${prefix}`;
  const stores: S3BlobStore[] = [];
  try {
    const preferred = S3BlobStore.fromUrl(url, { OBSCURA_BLOBS_ACCESS_KEY: up.accessKeyId, OBSCURA_BLOBS_SECRET_KEY: up.secretAccessKey, AWS_ACCESS_KEY_ID: 'AKWRONG', AWS_SECRET_ACCESS_KEY: 'wrong-aws-secret' });
    stores.push(preferred);
    const { locator } = await preferred.write(generate(561, 100));
    const fallback = S3BlobStore.fromUrl(url, { AWS_ACCESS_KEY_ID: up.accessKeyId, AWS_SECRET_ACCESS_KEY: up.secretAccessKey });
    stores.push(fallback);
    assert.deepEqual(await collect(await fallback.read(locator)), pattern(561, 0, 100));
    const client = upstreamClient(up);
    try {
      assert.equal((await client.getObjectMetadata(up.bucket, prefix + locator)).status, 200, 'the prefix comes from the URL');
    } finally {
      client.close();
    }
    assert.deepEqual(fallback.toJSON(), { type: 's3', endpoint: up.endpoint, bucket: up.bucket, prefix });

    const secret = 'url-secret-value-7x7x7x';
    const refusals: Array<[string, () => unknown, RegExp]> = [
      ['no credentials', () => S3BlobStore.fromUrl(url, {}), /OBSCURA_BLOBS_ACCESS_KEY/],
      ['half of the Obscura pair does not borrow the AWS secret', () => S3BlobStore.fromUrl(url, { OBSCURA_BLOBS_ACCESS_KEY: 'AK', AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: secret }), /OBSCURA_BLOBS_SECRET_KEY/],
      ['credentials in the URL', () => S3BlobStore.fromUrl(`s3://AKIDX:${secret}@${up.bucket}?endpoint=${up.endpoint}`, { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'x' }), /must not hold credentials/],
      ['credentials in the endpoint', () => S3BlobStore.fromUrl(`s3://${up.bucket}?endpoint=http://AKIDX:${secret}@127.0.0.1:1`, { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'x' }), /endpoint/],
      ['a misspelt parameter', () => S3BlobStore.fromUrl(`s3://${up.bucket}?endpont=${up.endpoint}`, { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'x' }), /endpont/],
      ['a prefix as a path', () => S3BlobStore.fromUrl(`s3://${up.bucket}/obscura/?endpoint=${up.endpoint}`, { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'x' }), /prefix/],
      ['parts under 5 MiB', () => S3BlobStore.fromUrl(`${url}&partBytes=1000`, { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'x' }), /partBytes/],
      ['another scheme', () => S3BlobStore.fromUrl(`http://${up.bucket}`, { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'x' }), /s3:\/\//],
    ];
    for (const [label, make, message] of refusals) {
      assert.throws(make, (e: unknown) => {
        assert.ok(e instanceof Error, label);
        assert.match(e.message, message, label);
        assert.ok(!inspect(e).includes(secret), `${label}: the error holds the secret`);
        return true;
      }, label);
    }
    const tuned = S3BlobStore.fromUrl(`${url}&partBytes=${6 * MiB}&pathStyle=true`, { AWS_ACCESS_KEY_ID: up.accessKeyId, AWS_SECRET_ACCESS_KEY: up.secretAccessKey });
    stores.push(tuned);
    const big = await tuned.write(generate(562, 13 * MiB));
    assert.equal(await tuned.size(big.locator), 13 * MiB);
  } finally {
    for (const s of stores) await s.close();
    await emptyPrefix(up, prefix);
  }
});
