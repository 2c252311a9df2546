/**
 * What only a blob store over an upstream S3 bucket can get wrong, run against any upstream (an
 * Obscura server, Ceph RGW): blobs of many parts, ranges across part boundaries, multipart uploads
 * aborted when the source fails, the sweep of abandoned uploads, part-by-part copies, and keys
 * upstream that are the prefix and the locator only. Also the factory both test files give the
 * shared conformance suite. Each test uses its own random prefix in the one upstream bucket.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { generate, pattern, type BlobStoreUnderTest } from './blob-store-suite.js';
import { ObsClient } from '../../src/sdk/index.js';
import { BlobNotFoundError, type BlobLocator, type BlobStore } from '../../src/storage/blob-store.js';
import { S3BlobStore, STALE_UPLOAD_MS, type S3BlobStoreOptions } from '../../src/storage/s3/s3-blob-store.js';

const MiB = 1024 * 1024;

/** An upstream S3 service with an existing bucket the tests may fill. */
export interface S3Upstream {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
}

export function upstreamClient(upstream: S3Upstream): ObsClient {
  return new ObsClient({ server: upstream.endpoint, accessKeyId: upstream.accessKeyId, secretAccessKey: upstream.secretAccessKey, region: upstream.region, signature: 'v4', pathStyle: true });
}

export function randomPrefix(): string {
  return `t-${randomBytes(6).toString('hex')}/`;
}

export function storeOn(upstream: S3Upstream, options: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  return new S3BlobStore({ endpoint: upstream.endpoint, bucket: upstream.bucket, region: upstream.region, accessKeyId: upstream.accessKeyId, secretAccessKey: upstream.secretAccessKey, prefix: randomPrefix(), ...options });
}

/** Deletes every object and aborts every upload under `prefix` (tidying after a test). */
export async function emptyPrefix(upstream: S3Upstream, prefix: string): Promise<void> {
  const client = upstreamClient(upstream);
  try {
    const keys: string[] = [];
    for await (const item of client.listAllObjects(upstream.bucket, { prefix })) if ('key' in item) keys.push(item.key);
    for (let i = 0; i < keys.length; i += 1000) await client.deleteObjects(upstream.bucket, keys.slice(i, i + 1000), { quiet: true });
    for (const u of (await client.listMultipartUploads(upstream.bucket, { prefix })).body?.uploads ?? []) await client.abortMultipartUpload(upstream.bucket, u.key, u.uploadId);
  } finally {
    client.close();
  }
}

/** The conformance suite's factory: a store on a new prefix; `reopen` is another store on the same one. */
export function s3SuiteFactory(upstream: () => Promise<S3Upstream>, options: Partial<S3BlobStoreOptions> = {}): () => Promise<BlobStoreUnderTest> {
  return async () => {
    const up = await upstream();
    const prefix = randomPrefix();
    const stores = [storeOn(up, { ...options, prefix })];
    return {
      store: stores[0]!,
      reopen: async () => {
        const again = storeOn(up, { ...options, prefix });
        stores.push(again);
        return again;
      },
      cleanup: async () => {
        for (const s of stores) await s.close();
        await emptyPrefix(up, prefix);
      },
    };
  };
}

export async function sha256Of(source: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of source) hash.update(chunk);
  return hash.digest('hex');
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function listAll(store: BlobStore): Promise<BlobLocator[]> {
  const out: BlobLocator[] = [];
  for await (const locator of store.list()) out.push(locator);
  return out.sort();
}

async function uploadsUnder(upstream: S3Upstream, prefix: string): Promise<string[]> {
  const client = upstreamClient(upstream);
  try {
    const r = await client.listMultipartUploads(upstream.bucket, { prefix });
    assert.equal(r.status, 200, r.errorCode);
    return r.body!.uploads.map((u) => u.key).sort();
  } finally {
    client.close();
  }
}

export function s3BlobStoreCases(name: string, upstream: () => Promise<S3Upstream>): void {
  /** A test with a store of `options` on its own prefix, closed and emptied whatever the outcome. */
  const it = (title: string, options: Partial<S3BlobStoreOptions>, body: (store: S3BlobStore, up: S3Upstream, prefix: string) => Promise<void>): void => {
    test(`${name}: ${title}`, { timeout: 120_000 }, async () => {
      const up = await upstream();
      const prefix = randomPrefix();
      const store = storeOn(up, { ...options, prefix });
      try {
        await body(store, up, prefix);
      } finally {
        await store.close();
        await emptyPrefix(up, prefix);
      }
    });
  };

  it('a 40 MiB blob goes up as one multipart object of 8 MiB parts and ranged reads across part boundaries are byte-exact', { partBytes: 8 * MiB }, async (store, up, prefix) => {
    const seed = 401;
    const totalBytes = 40 * MiB + 5;
    const { locator, bytes } = await store.write(Readable.from(generate(seed, totalBytes), { objectMode: false }));
    assert.equal(bytes, totalBytes);
    assert.equal(await store.size(locator), totalBytes);
    const client = upstreamClient(up);
    try {
      const head = await client.getObjectMetadata(up.bucket, prefix + locator);
      assert.equal(head.status, 200);
      assert.match(head.body!.etag ?? '', /-6$/, 'five full parts and a 5-byte last part');
    } finally {
      client.close();
    }
    assert.equal(await sha256Of(await store.read(locator)), await sha256Of(generate(seed, totalBytes)));
    const part = 8 * MiB;
    const ranges: Array<[number, number, number | undefined]> = [
      [part - 1, part, undefined],
      [part - 100, 2 * part + 100, 65_536 + 28],
      [part, 2 * part - 1, MiB],
      [3 * part - 7, 5 * part + 2, 1_048_576 + 448],
      [5 * part - 1, totalBytes - 1, 3],
      [0, totalBytes - 1, 16 * (65_536 + 28)],
    ];
    for (const [start, end, chunkBytes] of ranges) {
      const stream = await store.read(locator, { start, end }, chunkBytes !== undefined ? { chunkBytes } : {});
      const lengths: number[] = [];
      const hash = createHash('sha256');
      for await (const chunk of stream) {
        lengths.push((chunk as Buffer).length);
        hash.update(chunk as Buffer);
      }
      const length = end - start + 1;
      assert.equal(hash.digest('hex'), createHash('sha256').update(pattern(seed, start, length)).digest('hex'), `${start}-${end}`);
      if (chunkBytes !== undefined) assert.ok(lengths.slice(0, -1).every((l) => l === chunkBytes) && lengths.at(-1)! <= chunkBytes, `${start}-${end} in chunks of ${chunkBytes}`);
      assert.equal(lengths.reduce((a, b) => a + b, 0), length);
    }
  });

  it('a source that fails midway aborts its multipart upload: the source error comes back, nothing is listed, no upload is left upstream', { partBytes: 5 * MiB, partsInFlight: 2 }, async (store, up, prefix) => {
    const kept = await store.write(generate(411, 1000));
    const failure = new Error('client went away');
    await assert.rejects(store.write(generate(412, 40 * MiB, 17 * MiB + 3, failure)), (e: unknown) => e === failure);
    const readableFailure = new Error('socket reset');
    await assert.rejects(store.write(Readable.from(generate(413, 40 * MiB, 12 * MiB, readableFailure), { objectMode: false })), (e: unknown) => e === readableFailure);
    // Exactly at a part boundary, after the multipart upload began.
    const boundary = new Error('failed at a part boundary');
    await assert.rejects(store.write(generate(414, 20 * MiB, 10 * MiB, boundary)), (e: unknown) => e === boundary);
    assert.deepEqual(await uploadsUnder(up, prefix), []);
    assert.deepEqual(await listAll(store), [kept.locator]);
    assert.equal(await store.cleanTemporary(), 0);
  });

  it('the sweep aborts only uploads under its prefix that are over an hour old and shaped like a locator', { partBytes: 5 * MiB }, async (store, up, prefix) => {
    const client = upstreamClient(up);
    const otherPrefix = randomPrefix();
    const locatorShaped = `${prefix}ab/c0/${randomBytes(16).toString('hex')}`;
    const foreign = `${prefix}not-a-blob`;
    const elsewhere = `${otherPrefix}ab/c0/${randomBytes(16).toString('hex')}`;
    try {
      for (const key of [locatorShaped, foreign, elsewhere]) assert.equal((await client.initiateMultipartUpload(up.bucket, key)).status, 200, key);
      // The sweep pages with the SDK's key and upload-id markers: one upload a page finds both.
      const paged: string[] = [];
      let markers: { keyMarker?: string; uploadIdMarker?: string } = {};
      for (let page = 0; page < 5; page++) {
        const r = await client.listMultipartUploads(up.bucket, { prefix, maxUploads: 1, ...markers });
        paged.push(...r.body!.uploads.map((u) => u.key));
        if (!r.body!.isTruncated) break;
        markers = { ...(r.body!.nextKeyMarker !== undefined ? { keyMarker: r.body!.nextKeyMarker } : {}), ...(r.body!.nextUploadIdMarker !== undefined ? { uploadIdMarker: r.body!.nextUploadIdMarker } : {}) };
      }
      assert.deepEqual(paged.sort(), [locatorShaped, foreign].sort());
      assert.equal(await store.cleanTemporary(), 0, 'a young upload may be another node at work');
      const later = storeOn(up, { prefix, now: () => Date.now() + STALE_UPLOAD_MS + 60_000 });
      try {
        assert.equal(await later.cleanTemporary(), 1);
        assert.equal(await later.cleanTemporary(), 0);
      } finally {
        await later.close();
      }
      assert.deepEqual(await uploadsUnder(up, prefix), [foreign]);
      assert.deepEqual(await uploadsUnder(up, otherPrefix), [elsewhere]);
    } finally {
      client.close();
      await emptyPrefix(up, otherPrefix);
    }
  });

  it('a blob over the single-copy limit is copied upstream part by part (UploadPartCopy) and reads back byte-exact', { partBytes: 5 * MiB, maxCopyObjectBytes: 5 * MiB, copyPartBytes: 5 * MiB }, async (store, up, prefix) => {
    const seed = 421;
    const totalBytes = 12 * MiB + 3;
    const original = await store.write(generate(seed, totalBytes));
    const copied = await store.copy(original.locator);
    assert.notEqual(copied.locator, original.locator);
    assert.equal(copied.bytes, totalBytes);
    const client = upstreamClient(up);
    try {
      assert.match((await client.getObjectMetadata(up.bucket, prefix + copied.locator)).body!.etag ?? '', /-3$/);
    } finally {
      client.close();
    }
    await store.delete(original.locator);
    assert.equal(await sha256Of(await store.read(copied.locator)), await sha256Of(generate(seed, totalBytes)));
    const small = await store.write(generate(422, 1000));
    const smallCopy = await store.copy(small.locator);
    assert.deepEqual(await collect(await store.read(smallCopy.locator)), pattern(422, 0, 1000));
    await assert.rejects(store.copy(original.locator), BlobNotFoundError);
    assert.deepEqual(await uploadsUnder(up, prefix), []);
    assert.deepEqual(await listAll(store), [copied.locator, small.locator, smallCopy.locator].sort());
  });

  it('ranges past the end read as a file does: cut at the last byte, or no bytes at all', {}, async (store) => {
    const { locator } = await store.write(generate(441, 10));
    assert.deepEqual(await collect(await store.read(locator, { start: 4, end: 99 })), pattern(441, 4, 6));
    assert.deepEqual(await collect(await store.read(locator, { start: 10, end: 20 })), Buffer.alloc(0));
    const empty = await store.write(generate(442, 0));
    assert.deepEqual(await collect(await store.read(empty.locator, { start: 0, end: 0 })), Buffer.alloc(0));
  });

  it('upstream keys are the prefix and a locator of the file store shape; hints never reach the upstream', {}, async (store, up, prefix) => {
    const a = await store.write(generate(431, 10), 'secret-object-name.txt');
    const b = await store.copy(a.locator, 'secret-object-name.txt');
    for (const { locator } of [a, b]) assert.match(locator, /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{32}$/);
    const client = upstreamClient(up);
    try {
      const keys: string[] = [];
      for await (const item of client.listAllObjects(up.bucket, { prefix })) if ('key' in item) keys.push(item.key);
      assert.deepEqual(keys.sort(), [prefix + a.locator, prefix + b.locator].sort());
      const head = await client.getObjectMetadata(up.bucket, prefix + a.locator);
      assert.deepEqual(head.body!.metadata, {});
      assert.ok(!JSON.stringify(head.header).includes('secret'));
      // An object under the prefix that is not a locator is neither listed nor reachable.
      assert.equal((await client.putContent(up.bucket, `${prefix}stray.txt`, 'x')).status, 200);
      assert.deepEqual(await listAll(store), [a.locator, b.locator].sort());
      await assert.rejects(store.read('stray.txt'), BlobNotFoundError);
    } finally {
      client.close();
    }
  });
}

/**
 * Starts an upstream with `start`, makes its bucket, and registers the before/after hooks (stop
 * runs after the file's tests). Resolves to the upstream once its bucket exists.
 */
export function prepareUpstream(start: () => Promise<S3Upstream>, stop: () => Promise<void>): Promise<S3Upstream> {
  const upstream = (async () => {
    const up = await start();
    const client = upstreamClient(up);
    try {
      const created = await client.createBucket(up.bucket);
      assert.equal(created.status, 200, created.errorCode);
    } finally {
      client.close();
    }
    return up;
  })();
  // Failing here would leave the promise unhandled until the first test awaits it.
  upstream.catch(() => undefined);
  before(async () => void (await upstream));
  after(stop);
  return upstream;
}
