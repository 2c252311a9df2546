/**
 * Conformance suite for the `MetadataStore` interface (src/metadata/metadata-store.ts): every
 * method, as its contract states it. It runs unchanged against every backend (SQLite now,
 * PostgreSQL later), so it tests only what the interface promises — never tables, SQL or files.
 * Each implementation's test file only calls `metadataStoreSuite` with a factory.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { UploadNotFoundError, type MetadataStore } from '../../src/metadata/metadata-store.js';
import type { BucketRecord, ObjectRecord, PartRecord, SseRecord, UploadRecord } from '../../src/metadata/records.js';

export interface MetadataStoreUnderTest {
  /** A new, empty store. */
  store: MetadataStore;
  /** Closes `store` and opens the same data again, as after a restart; omitted when nothing persists. */
  reopen?(): Promise<MetadataStore>;
  /** Closes whichever instance is open and removes the data. */
  cleanup(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Records

const OWNER = 'AKIDOWNEREXAMPLE0001';
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

function id(): string {
  return randomBytes(12).toString('hex');
}

/** A valid bucket record; `over` replaces fields. */
export function bucketRecord(name: string, over: Partial<BucketRecord> = {}): BucketRecord {
  return { schema: 1, name, owner: OWNER, createdAt: T0, region: 'test-1', ...over };
}

const PLAIN_SSE: SseRecord = { mode: 'none', sealedObjectKey: 'c2VhbGVkLW9iamVjdC1rZXk=' };

/** A valid single-segment object record with a fresh version id and locator; `over` replaces fields. */
export function objectRecord(bucket: string, key: string, over: Partial<ObjectRecord> = {}): ObjectRecord {
  const versionId = over.versionId ?? id();
  return {
    schema: 1,
    bucket,
    key,
    versionId,
    size: 11,
    etag: '5eb63bbbe01eeed093cb22bb8f5acdc3',
    lastModified: T0,
    storageClass: 'STANDARD',
    sse: PLAIN_SSE,
    sealedMeta: 'c2VhbGVkLW1ldGE=',
    segments: [{ partNumber: 0, locator: `blob-${versionId}`, plainBytes: 11, cipherBytes: 75 }],
    owner: OWNER,
    ...over,
  };
}

/** A valid upload record with fresh upload and version ids; `over` replaces fields. */
export function uploadRecord(bucket: string, key: string, over: Partial<UploadRecord> = {}): UploadRecord {
  return {
    schema: 1,
    uploadId: over.uploadId ?? id(),
    bucket,
    key,
    versionId: id(),
    initiated: T0,
    owner: OWNER,
    storageClass: 'STANDARD',
    sse: PLAIN_SSE,
    sealedMeta: 'c2VhbGVkLW1ldGE=',
    ...over,
  };
}

/** A valid part record with a fresh locator and ETag; `over` replaces fields. */
export function partRecord(uploadId: string, partNumber: number, over: Partial<PartRecord> = {}): PartRecord {
  const locator = `part-${id()}`;
  return {
    schema: 1,
    uploadId,
    partNumber,
    etag: randomBytes(16).toString('hex'),
    lastModified: T0 + partNumber,
    segment: { partNumber, locator, plainBytes: 5 * 1024 * 1024, cipherBytes: 5 * 1024 * 1024 + 80 * 32, etag: 'ignored-by-store' },
    ...over,
  };
}

/** A record using every optional field, to prove nothing is lost on the way through the store. */
function richObject(bucket: string, key: string): ObjectRecord {
  return objectRecord(bucket, key, {
    size: 5 * 1024 ** 4,
    etag: '0123456789abcdef0123456789abcdef-3',
    storageClass: 'WARM',
    sse: {
      mode: 'sse-kms',
      sealedObjectKey: 'AQIDBAUGBwgJCgsMDQ4PEA==',
      kms: { keyId: 'test-1:domain:key/8c1f7e9e-1d3a-4e4b-9f43-0c5d0e6b3a11', keyVersion: 3, wrappedDataKey: 'd3JhcHBlZA==', context: '{"a":"ü"}', projectId: 'proj-1' },
    },
    segments: [1, 2, 3].map((n) => ({ partNumber: n, locator: `rich-${n}-${id()}`, plainBytes: n * 1000, cipherBytes: n * 1000 + 32, etag: `etag-${n}` })),
    tags: { 'project name': 'Ünïcode ✓', empty: '', '%': '../x' },
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** S3 lists in UTF-8 byte order, which differs from JavaScript's UTF-16 order above U+D7FF. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isUploadNotFound(uploadId: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof UploadNotFoundError, `expected UploadNotFoundError, got ${String(e)}`);
    assert.equal(e.uploadId, uploadId);
    return true;
  };
}

async function referenced(store: MetadataStore): Promise<string[]> {
  const out = new Set<string>();
  for await (const locator of store.referencedLocators()) out.add(locator);
  return [...out].sort();
}

function byPartNumber(parts: PartRecord[]): PartRecord[] {
  return [...parts].sort((a, b) => a.partNumber - b.partNumber);
}

/** 1,024 bytes of UTF-8 (S3's longest key), mostly two-byte characters. */
export const LONGEST_KEY = 'long/' + 'ü'.repeat(509) + 'z';

/** Keys whose byte order, prefixes and escaping a store can get wrong. */
export const AWKWARD_KEYS = [
  'a', 'A', 'a b', 'a ', ' a', 'a%', 'a%20b', 'a_', 'a_b', 'ab', 'a/', 'a/b', 'a/b/c', 'a/c', 'a+b', 'a\\b', "a'b", 'a"b',
  '../x', '../../etc/passwd', './x', 'dir/1', 'dir/2', 'dir/sub/3', 'dir0', 'e', 'é', 'e\u0301', 'z', '~', '\u007f',
  '\u0080x', '\u0001ctl', 'tab\there', '\uE000', '\uFFFD', '😀', '😀/a', '中文/文件.txt', 'x*y', 'x?y', 'x[y]', LONGEST_KEY,
];

const SORTED_KEYS = [...AWKWARD_KEYS].sort(byteOrder);

async function using(factory: () => Promise<MetadataStoreUnderTest>, body: (t: MetadataStoreUnderTest) => Promise<void>): Promise<void> {
  const t = await factory();
  try {
    await body(t);
  } finally {
    await t.cleanup();
  }
}

export function metadataStoreSuite(name: string, factory: () => Promise<MetadataStoreUnderTest>): void {
  const it = (title: string, body: (t: MetadataStoreUnderTest, ctx: TestContext) => Promise<void>): void => {
    test(`${name}: ${title}`, { timeout: 20_000 }, (ctx) => using(factory, (t) => body(t, ctx)));
  };

  /** A store with bucket `bucket` holding every awkward key, plus neighbouring buckets that must not leak in. */
  async function withListing(store: MetadataStore, bucket: string): Promise<Map<string, ObjectRecord>> {
    const records = new Map(AWKWARD_KEYS.map((key, i) => [key, objectRecord(bucket, key, { size: i })]));
    for (const b of [bucket, `${bucket}2`, `${bucket}_`, bucket.slice(0, -1)]) await store.createBucket(bucketRecord(b));
    await Promise.all([...records.values()].map((r) => store.putObject(r)));
    await Promise.all([`${bucket}2`, `${bucket}_`, bucket.slice(0, -1)].flatMap((b) => ['a', '0', 'dir/9', '\u{10FFFF}'].map((k) => store.putObject(objectRecord(b, k)))));
    return records;
  }

  async function keysOf(store: MetadataStore, bucket: string, query: Parameters<MetadataStore['listObjects']>[1]): Promise<string[]> {
    return (await store.listObjects(bucket, query)).map((r) => r.key);
  }

  // ----- buckets ----------------------------------------------------------------------------

  it('a new store has no buckets, objects, uploads, locators or state', async ({ store }) => {
    assert.deepEqual(await store.listBuckets(), []);
    assert.equal(await store.getBucket('b'), undefined);
    assert.equal(await store.getObject('b', 'k'), undefined);
    assert.deepEqual(await store.listObjects('b', { limit: 1000 }), []);
    assert.deepEqual(await store.countObjects('b'), []);
    assert.equal(await store.getUpload('u'), undefined);
    assert.deepEqual(await store.listUploads('b', { limit: 1000 }), []);
    assert.deepEqual(await store.listParts('u', 0, 1000), []);
    assert.deepEqual(await referenced(store), []);
    assert.equal(await store.getState('s'), undefined);
  });

  it('createBucket creates once and never replaces; getBucket returns the record exactly', async ({ store }) => {
    const record = bucketRecord('photos', { region: 'eu-west-0', createdAt: T0 + 1 });
    assert.equal(await store.createBucket(record), 'created');
    assert.equal(await store.createBucket(bucketRecord('photos', { owner: 'SOMEONEELSE', region: 'other' })), 'exists');
    assert.deepEqual(await store.getBucket('photos'), record);
    assert.equal(await store.getBucket('Photos'), undefined, 'names are case-sensitive');
    assert.equal(await store.getBucket('photo'), undefined);
    assert.equal(await store.getBucket('photos_'), undefined);
    assert.equal(await store.getBucket('photo%'), undefined);
  });

  it('concurrent createBucket of one name: exactly one is created', async ({ store }) => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.createBucket(bucketRecord('race', { owner: `OWNER${i}` }))));
    assert.deepEqual(results.filter((r) => r === 'created').length, 1);
    assert.deepEqual(results.filter((r) => r === 'exists').length, 7);
    const winner = results.indexOf('created');
    assert.equal((await store.getBucket('race'))?.owner, `OWNER${winner}`);
  });

  it('listBuckets returns every bucket sorted by name', async ({ store }) => {
    const names = ['zz', 'b-2', 'b.1', 'a', 'b', 'a0', 'a-', '0a', 'b--b'];
    await Promise.all(names.map((n) => store.createBucket(bucketRecord(n))));
    const listed = await store.listBuckets();
    assert.deepEqual(listed.map((b) => b.name), [...names].sort(byteOrder));
    assert.deepEqual(listed[0], bucketRecord('0a'));
  });

  it('updateBucket replaces an existing record and refuses a missing one', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const updated = bucketRecord('b', { region: 'r2', owner: 'NEWOWNER' });
    assert.equal(await store.updateBucket(updated), true);
    assert.deepEqual(await store.getBucket('b'), updated);
    assert.deepEqual(await store.listBuckets(), [updated]);
    assert.equal(await store.updateBucket(bucketRecord('missing')), false);
    assert.equal(await store.getBucket('missing'), undefined, 'update never creates');
    assert.deepEqual((await store.listBuckets()).map((b) => b.name), ['b']);
  });

  it('bucket default encryption is set, replaced and removed with the bucket record', async ({ store }) => {
    await store.createBucket(bucketRecord('enc'));
    const kms = bucketRecord('enc', {
      encryption: { algorithm: 'kms', kmsKeyId: 'test-1:domain:key/0b6f2c1e-0000-4000-8000-000000000001', projectId: 'p-1', kmsDataEncryption: 'SM4', bucketKeyEnabled: true, blockedEncryptionTypes: ['SSE-C'] },
    });
    assert.equal(await store.updateBucket(kms), true);
    assert.deepEqual(await store.getBucket('enc'), kms);
    const aes = bucketRecord('enc', { encryption: { algorithm: 'AES256' } });
    assert.equal(await store.updateBucket(aes), true);
    assert.deepEqual(await store.getBucket('enc'), aes, 'no field of the previous configuration survives');
    assert.equal(await store.updateBucket(bucketRecord('enc')), true);
    const removed = await store.getBucket('enc');
    assert.deepEqual(removed, bucketRecord('enc'));
    assert.equal(removed !== undefined && 'encryption' in removed, false);
  });

  it('deleteBucket: missing, refused while objects or uploads remain, then deleted', async ({ store }) => {
    assert.equal(await store.deleteBucket('nope'), 'missing');
    for (const name of ['b', 'b_', 'b%', 'bb', 'other']) await store.createBucket(bucketRecord(name));
    const object = objectRecord('b', 'k');
    await store.putObject(object);
    await store.putObject(objectRecord('bb', 'k'));
    const upload = uploadRecord('other', 'k');
    await store.createUpload(upload);

    assert.equal(await store.deleteBucket('b'), 'not-empty');
    assert.equal(await store.deleteBucket('other'), 'not-empty', 'an in-progress upload keeps the bucket');
    assert.deepEqual(await store.getBucket('b'), bucketRecord('b'));
    assert.deepEqual(await store.getObject('b', 'k'), object, 'a refused delete changes nothing');
    assert.equal(await store.deleteBucket('b_'), 'deleted', 'objects of "b" and "bb" do not count for "b_"');
    assert.equal(await store.deleteBucket('b%'), 'deleted');

    await store.deleteObject('b', 'k');
    assert.equal(await store.deleteBucket('b'), 'deleted');
    await store.abortUpload(upload.uploadId);
    assert.equal(await store.deleteBucket('other'), 'deleted');
    assert.equal(await store.getBucket('b'), undefined);
    assert.deepEqual((await store.listBuckets()).map((b) => b.name), ['bb']);
    assert.equal(await store.deleteBucket('b'), 'missing');
    assert.equal(await store.createBucket(bucketRecord('b')), 'created', 'the name is free again');
  });

  // ----- objects ----------------------------------------------------------------------------

  it('putObject returns the version it replaced; getObject returns the current one exactly', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    await store.createBucket(bucketRecord('c'));
    assert.equal(await store.getObject('b', 'k'), undefined);
    const v1 = richObject('b', 'k');
    assert.equal(await store.putObject(v1), undefined);
    assert.deepEqual(await store.getObject('b', 'k'), v1);
    const v2 = objectRecord('b', 'k', { sse: { mode: 'sse-c', sealedObjectKey: 'AAAA', customerKeyMd5: 'zZjn9ZRK6Q8/1dOt6FBpKw==' }, lastModified: T0 + 1 });
    assert.deepEqual(await store.putObject(v2), v1);
    assert.deepEqual(await store.getObject('b', 'k'), v2);
    const v3 = objectRecord('b', 'k', { versionId: v2.versionId, size: 0, segments: [] });
    assert.deepEqual(await store.putObject(v3), v2, 'a put with the same version id still replaces');
    assert.deepEqual(await store.getObject('b', 'k'), v3);
    assert.equal(await store.getObject('c', 'k'), undefined, 'objects belong to one bucket');
    const other = objectRecord('c', 'k');
    assert.equal(await store.putObject(other), undefined);
    assert.deepEqual(await store.getObject('b', 'k'), v3);
  });

  it('object keys are matched byte for byte: no case folding, normalization or trimming', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const keys = ['key', 'Key', 'KEY', 'é', 'e\u0301', 'a', 'a ', ' a', 'a/', 'a//', 'a/./b', 'a/b', LONGEST_KEY, LONGEST_KEY.slice(0, -1)];
    assert.equal(Buffer.byteLength(LONGEST_KEY), 1024);
    const records = keys.map((k) => objectRecord('b', k));
    for (const r of records) assert.equal(await store.putObject(r), undefined, JSON.stringify(r.key));
    for (const r of records) assert.deepEqual(await store.getObject('b', r.key), r, JSON.stringify(r.key));
    assert.equal(await store.getObject('b', 'kEy'), undefined);
    assert.equal(await store.getObject('b', 'k%'), undefined);
    assert.equal(await store.getObject('b', 'ke_'), undefined);
  });

  it('records are values: changing what was put or returned does not change the store', async ({ store }) => {
    const bucket = bucketRecord('b');
    await store.createBucket(bucket);
    const pristineBucket = structuredClone(bucket);
    bucket.region = 'changed';
    assert.deepEqual(await store.getBucket('b'), pristineBucket);

    const object = richObject('b', 'k');
    await store.putObject(object);
    const pristine = structuredClone(object);
    object.tags!['project name'] = 'changed';
    object.segments[0]!.locator = 'changed';
    const got = (await store.getObject('b', 'k'))!;
    assert.deepEqual(got, pristine);
    got.segments.pop();
    got.sse.kms!.keyVersion = 99;
    assert.deepEqual(await store.getObject('b', 'k'), pristine);
    const listed = await store.listObjects('b', { limit: 10 });
    listed[0]!.size = 1;
    assert.deepEqual(await store.getObject('b', 'k'), pristine);
  });

  it('updateObject rewrites the current version only', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const v1 = objectRecord('b', 'k');
    await store.putObject(v1);
    const tagged = { ...v1, tags: { team: 'storage', 'ü': '✓' } };
    assert.equal(await store.updateObject(tagged), true);
    assert.deepEqual(await store.getObject('b', 'k'), tagged);
    assert.equal(await store.updateObject(v1), true, 'tags removed again');
    const current = await store.getObject('b', 'k');
    assert.deepEqual(current, v1);
    assert.equal(current !== undefined && 'tags' in current, false);

    const v2 = objectRecord('b', 'k');
    await store.putObject(v2);
    assert.equal(await store.updateObject(tagged), false, 'the version is no longer current');
    assert.deepEqual(await store.getObject('b', 'k'), v2);
    assert.equal(await store.updateObject(objectRecord('b', 'missing')), false);
    assert.equal(await store.getObject('b', 'missing'), undefined, 'update never creates');
    assert.equal(await store.updateObject({ ...v2, bucket: 'other' }), false, 'the same key in another bucket is another object');
  });

  it('deleteObject returns the deleted version and honours ifVersionId', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const v1 = richObject('b', 'k');
    const neighbour = objectRecord('b', 'k2');
    await store.putObject(v1);
    await store.putObject(neighbour);
    assert.equal(await store.deleteObject('b', 'k', 'not-the-version'), undefined);
    assert.deepEqual(await store.getObject('b', 'k'), v1, 'a refused conditional delete changes nothing');
    assert.deepEqual(await store.deleteObject('b', 'k', v1.versionId), v1);
    assert.equal(await store.getObject('b', 'k'), undefined);
    assert.equal(await store.deleteObject('b', 'k'), undefined, 'deleting a missing object returns nothing');
    assert.equal(await store.deleteObject('b', 'k', v1.versionId), undefined);
    const v2 = objectRecord('b', 'k');
    await store.putObject(v2);
    assert.deepEqual(await store.deleteObject('b', 'k'), v2);
    assert.deepEqual(await store.getObject('b', 'k2'), neighbour);
    assert.equal(await store.deleteObject('other', 'k2'), undefined);
    assert.deepEqual(await store.getObject('b', 'k2'), neighbour);
  });

  it('concurrent puts of one key: every version is replaced exactly once and one stays current', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const versions = Array.from({ length: 12 }, (_, i) => objectRecord('b', 'hot', { size: i }));
    const replaced = await Promise.all(versions.map((v) => store.putObject(v)));
    assert.equal(replaced.filter((r) => r === undefined).length, 1, 'exactly one put found no previous version');
    const current = (await store.getObject('b', 'hot'))!;
    const seen = [...replaced.filter((r): r is ObjectRecord => r !== undefined).map((r) => r.versionId), current.versionId].sort();
    assert.deepEqual(seen, versions.map((v) => v.versionId).sort(), 'the replaced versions and the current one are all versions, once each');
    assert.deepEqual(current, versions.find((v) => v.versionId === current.versionId));
  });

  it('countObjects counts objects and plaintext bytes per SSE mode, following puts and deletes', async ({ store }) => {
    for (const b of ['b', 'c']) await store.createBucket(bucketRecord(b));
    const sse = (mode: SseRecord['mode']): SseRecord => ({ mode, sealedObjectKey: 'AA==' });
    await Promise.all([
      store.putObject(objectRecord('b', 'n1', { size: 10 })),
      store.putObject(objectRecord('b', 'n2', { size: 20 })),
      store.putObject(objectRecord('b', 'c1', { size: 5, sse: sse('sse-c') })),
      store.putObject(objectRecord('b', 'k1', { size: 5 * 1024 ** 4, sse: sse('sse-kms') })),
      store.putObject(objectRecord('b', 'k2', { size: 7, sse: sse('sse-kms') })),
      store.putObject(objectRecord('c', 'n1', { size: 1000 })),
    ]);
    const count = async (bucket: string) => [...(await store.countObjects(bucket))].sort((x, y) => byteOrder(x.mode, y.mode));
    assert.deepEqual(await count('b'), [
      { mode: 'none', objects: 2, bytes: 30 },
      { mode: 'sse-c', objects: 1, bytes: 5 },
      { mode: 'sse-kms', objects: 2, bytes: 5 * 1024 ** 4 + 7 },
    ]);
    await store.putObject(objectRecord('b', 'n2', { size: 100, sse: sse('sse-s3') }));
    await store.deleteObject('b', 'c1');
    assert.deepEqual(await count('b'), [
      { mode: 'none', objects: 1, bytes: 10 },
      { mode: 'sse-kms', objects: 2, bytes: 5 * 1024 ** 4 + 7 },
      { mode: 'sse-s3', objects: 1, bytes: 100 },
    ]);
    assert.deepEqual(await count('c'), [{ mode: 'none', objects: 1, bytes: 1000 }]);
    assert.deepEqual(await count('empty'), []);
  });

  // ----- listing ----------------------------------------------------------------------------

  it('listObjects returns whole records in UTF-8 byte order', async ({ store }) => {
    const records = await withListing(store, 'list');
    const listed = await store.listObjects('list', { limit: 1000 });
    assert.deepEqual(listed.map((r) => r.key), SORTED_KEYS);
    assert.deepEqual(listed, SORTED_KEYS.map((k) => records.get(k)));
    // The order differs from JavaScript's default (UTF-16) sort, so this checks bytes, not code units.
    assert.ok(SORTED_KEYS.indexOf('\uFFFD') < SORTED_KEYS.indexOf('😀'));
  });

  it('listObjects pages through every key exactly once with after and limit', async ({ store }) => {
    await withListing(store, 'list');
    for (const limit of [1, 2, 5, 7, 1000]) {
      for (const prefix of [undefined, 'a', 'dir/']) {
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await keysOf(store, 'list', { ...(prefix !== undefined ? { prefix } : {}), ...(after !== undefined ? { after } : {}), limit });
          assert.ok(page.length <= limit, `limit ${limit}`);
          if (page.length === 0) break;
          seen.push(...page);
          after = page[page.length - 1];
        }
        assert.deepEqual(seen, SORTED_KEYS.filter((k) => k.startsWith(prefix ?? '')), `limit ${limit}, prefix ${String(prefix)}`);
      }
    }
    assert.deepEqual(await keysOf(store, 'list', { limit: 3 }), SORTED_KEYS.slice(0, 3));
  });

  it('listObjects prefixes match bytes literally: no wildcards, case folding or normalization', async ({ store }) => {
    await withListing(store, 'list');
    const prefixes = ['', 'a', 'A', 'a%', 'a_', 'a/', 'a\\', "a'", '.', '../', '..', 'e', 'é', 'e\u0301', '😀', '\uFFFD', '\u0080', 'dir', 'dir/', 'long/üü', 'x[', 'x*', '*', '%', '_', 'no-such', '\u{10FFFF}'];
    for (const prefix of prefixes) {
      assert.deepEqual(await keysOf(store, 'list', { prefix, limit: 1000 }), SORTED_KEYS.filter((k) => k.startsWith(prefix)), JSON.stringify(prefix));
    }
    assert.deepEqual(await keysOf(store, 'list', { prefix: LONGEST_KEY, limit: 1000 }), [LONGEST_KEY]);
    assert.deepEqual(await keysOf(store, 'list', { prefix: 'a', limit: 2 }), SORTED_KEYS.filter((k) => k.startsWith('a')).slice(0, 2));
  });

  it('listObjects after is strict, may be any string, and combines with prefix', async ({ store }) => {
    await withListing(store, 'list');
    const afterOf = (after: string, prefix = ''): string[] => SORTED_KEYS.filter((k) => k.startsWith(prefix) && byteOrder(k, after) > 0);
    for (const after of [...AWKWARD_KEYS, '', 'a!', 'dir/1/', 'é\u0000', '\u{10FFFF}', LONGEST_KEY + 'x']) {
      assert.deepEqual(await keysOf(store, 'list', { after, limit: 1000 }), afterOf(after), JSON.stringify(after));
    }
    // A delimiter listing seeks past a common prefix with a long key that is never stored.
    const pastDir = 'dir/' + '\u{10FFFF}'.repeat(256);
    assert.deepEqual(await keysOf(store, 'list', { after: pastDir, limit: 2 }), afterOf(pastDir).slice(0, 2));
    assert.equal(afterOf(pastDir)[0], 'dir0');
    assert.deepEqual(await keysOf(store, 'list', { prefix: 'dir', after: pastDir, limit: 1000 }), ['dir0']);
    assert.deepEqual(await keysOf(store, 'list', { prefix: 'a/', after: 'a/' + '\u{10FFFF}'.repeat(256), limit: 1000 }), []);
    for (const [prefix, after] of [
      ['dir/', 'a'],
      ['dir/', 'dir/'],
      ['dir/', 'dir/1'],
      ['dir/', 'dir/10'],
      ['dir/', 'dir/zzz'],
      ['dir/', 'z'],
      ['a', 'a/b'],
      ['a', '\u0000'],
      ['😀', '\uFFFD'],
      ['\uFFFD', '😀'],
    ] as const) {
      assert.deepEqual(await keysOf(store, 'list', { prefix, after, limit: 1000 }), afterOf(after, prefix), `${prefix} after ${after}`);
    }
  });

  it('listObjects sees only its own bucket', async ({ store }) => {
    await withListing(store, 'list');
    assert.deepEqual(await keysOf(store, 'list2', { limit: 1000 }), ['0', 'a', 'dir/9', '\u{10FFFF}']);
    assert.deepEqual(await keysOf(store, 'lis', { prefix: 'dir/', limit: 1000 }), ['dir/9']);
    assert.deepEqual(await keysOf(store, 'missing', { limit: 1000 }), []);
    assert.equal((await keysOf(store, 'list', { limit: 1000 })).length, AWKWARD_KEYS.length);
  });

  // ----- multipart --------------------------------------------------------------------------

  it('uploads: created, read back exactly, parts stored, replaced and listed by number', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const upload = uploadRecord('b', 'big/ü file', {
      sse: { mode: 'sse-c', sealedObjectKey: 'AAEC', customerKeyMd5: 'zZjn9ZRK6Q8/1dOt6FBpKw==' },
      checksumAlgorithm: 'crc32c',
      tags: { a: 'b' },
      storageClass: 'COLD',
    });
    const other = uploadRecord('b', 'big/ü file');
    await store.createUpload(upload);
    await store.createUpload(other);
    assert.deepEqual(await store.getUpload(upload.uploadId), upload);
    assert.equal(await store.getUpload('no-such-upload'), undefined);

    const parts = [3, 1, 10000, 2].map((n) => partRecord(upload.uploadId, n, { checksums: { crc32c: `c${n}==` } }));
    for (const p of parts) assert.equal(await store.putPart(p), undefined);
    await store.putPart(partRecord(other.uploadId, 1));
    const second = partRecord(upload.uploadId, 2, { etag: 'replacement' });
    assert.deepEqual(await store.putPart(second), parts[3], 'replacing a part returns the old one');
    const expected = byPartNumber([parts[0]!, parts[1]!, parts[2]!, second]);
    assert.deepEqual(await store.listParts(upload.uploadId, 0, 1000), expected);
    assert.deepEqual(await store.listParts(upload.uploadId, 0, 2), expected.slice(0, 2));
    assert.deepEqual(await store.listParts(upload.uploadId, 2, 1000), expected.slice(2));
    assert.deepEqual(await store.listParts(upload.uploadId, 3, 1), expected.slice(3));
    assert.deepEqual(await store.listParts(upload.uploadId, 10000, 1000), []);
    assert.equal((await store.listParts(other.uploadId, 0, 1000)).length, 1);
    await assert.rejects(store.putPart(partRecord('no-such-upload', 1)), isUploadNotFound('no-such-upload'));
    assert.deepEqual(await store.listParts('no-such-upload', 0, 1000), []);
  });

  it('completeUpload in one step removes the upload and its parts and makes the object current', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const old = objectRecord('b', 'k');
    await store.putObject(old);
    const upload = uploadRecord('b', 'k');
    const bystander = uploadRecord('b', 'k');
    await store.createUpload(upload);
    await store.createUpload(bystander);
    const parts = [1, 2, 3].map((n) => partRecord(upload.uploadId, n));
    for (const p of parts) await store.putPart(p);
    const part2 = partRecord(upload.uploadId, 2);
    await store.putPart(part2);
    const bystanderPart = partRecord(bystander.uploadId, 1);
    await store.putPart(bystanderPart);

    const object = objectRecord('b', 'k', { versionId: upload.versionId, etag: 'abc-3', segments: [parts[0]!.segment, part2.segment, parts[2]!.segment] });
    const result = await store.completeUpload(upload.uploadId, object);
    assert.deepEqual(result.replaced, old);
    assert.deepEqual(byPartNumber(result.parts), [parts[0], part2, parts[2]]);
    assert.deepEqual(await store.getObject('b', 'k'), object);
    assert.equal(await store.getUpload(upload.uploadId), undefined);
    assert.deepEqual(await store.listParts(upload.uploadId, 0, 1000), []);
    assert.deepEqual((await store.listUploads('b', { limit: 1000 })).map((u) => u.uploadId), [bystander.uploadId]);
    assert.deepEqual(await store.listParts(bystander.uploadId, 0, 1000), [bystanderPart]);

    // The upload is gone: every later call fails and changes nothing.
    const late = objectRecord('b', 'k');
    await assert.rejects(store.completeUpload(upload.uploadId, late), isUploadNotFound(upload.uploadId));
    await assert.rejects(store.abortUpload(upload.uploadId), isUploadNotFound(upload.uploadId));
    await assert.rejects(store.putPart(partRecord(upload.uploadId, 4)), isUploadNotFound(upload.uploadId));
    assert.deepEqual(await store.getObject('b', 'k'), object);
    assert.deepEqual(await store.listParts(upload.uploadId, 0, 1000), []);

    const fresh = uploadRecord('b', 'new-key');
    await store.createUpload(fresh);
    const freshResult = await store.completeUpload(fresh.uploadId, objectRecord('b', 'new-key', { versionId: fresh.versionId }));
    assert.equal(freshResult.replaced, undefined, 'nothing replaced when the key was free');
    assert.deepEqual(freshResult.parts, []);
  });

  it('abortUpload returns the parts and removes the upload; it fails with UploadNotFoundError after', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const upload = uploadRecord('b', 'k');
    const bystander = uploadRecord('b', 'k');
    await store.createUpload(upload);
    await store.createUpload(bystander);
    const parts = [2, 1].map((n) => partRecord(upload.uploadId, n));
    for (const p of parts) await store.putPart(p);
    const bystanderPart = partRecord(bystander.uploadId, 1);
    await store.putPart(bystanderPart);
    assert.deepEqual(byPartNumber(await store.abortUpload(upload.uploadId)), byPartNumber(parts));
    assert.equal(await store.getUpload(upload.uploadId), undefined);
    assert.deepEqual(await store.listParts(upload.uploadId, 0, 1000), []);
    assert.equal(await store.getObject('b', 'k'), undefined);
    await assert.rejects(store.abortUpload(upload.uploadId), isUploadNotFound(upload.uploadId));
    await assert.rejects(store.completeUpload(upload.uploadId, objectRecord('b', 'k')), isUploadNotFound(upload.uploadId));
    assert.equal(await store.getObject('b', 'k'), undefined, 'a failed complete puts nothing');
    await assert.rejects(store.abortUpload('never-existed'), isUploadNotFound('never-existed'));
    assert.deepEqual(await store.listParts(bystander.uploadId, 0, 1000), [bystanderPart]);
    assert.deepEqual(await store.getUpload(bystander.uploadId), bystander);
  });

  it('a racing complete and abort of one upload: exactly one wins and the other gets UploadNotFoundError', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    for (let round = 0; round < 4; round++) {
      const key = `race-${round}`;
      const upload = uploadRecord('b', key);
      await store.createUpload(upload);
      const parts = [1, 2].map((n) => partRecord(upload.uploadId, n));
      for (const p of parts) await store.putPart(p);
      const object = objectRecord('b', key, { versionId: upload.versionId, segments: parts.map((p) => p.segment) });
      const calls = round % 2 === 0 ? [store.completeUpload(upload.uploadId, object), store.abortUpload(upload.uploadId)] : [store.abortUpload(upload.uploadId), store.completeUpload(upload.uploadId, object)];
      const settled = await Promise.allSettled(calls);
      const won = settled.filter((s) => s.status === 'fulfilled');
      const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}`);
      assert.ok(isUploadNotFound(upload.uploadId)(lost[0]!.reason));
      const value = (won[0] as PromiseFulfilledResult<PartRecord[] | { parts: PartRecord[] }>).value;
      const completed = !Array.isArray(value);
      assert.deepEqual(byPartNumber(completed ? value.parts : value), parts);
      assert.deepEqual(await store.getObject('b', key), completed ? object : undefined);
      assert.equal(await store.getUpload(upload.uploadId), undefined);
    }
  });

  it('concurrent putPart of one part number: every replaced part is returned exactly once', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const upload = uploadRecord('b', 'k');
    await store.createUpload(upload);
    const parts = Array.from({ length: 10 }, () => partRecord(upload.uploadId, 7));
    const replaced = await Promise.all(parts.map((p) => store.putPart(p)));
    assert.equal(replaced.filter((r) => r === undefined).length, 1);
    const [current] = await store.listParts(upload.uploadId, 0, 1000);
    const seen = [...replaced.filter((r): r is PartRecord => r !== undefined).map((r) => r.etag), current!.etag].sort();
    assert.deepEqual(seen, parts.map((p) => p.etag).sort());
  });

  it('listUploads: key byte order, prefix, key and upload-id markers, limit, own bucket only', async ({ store }) => {
    for (const b of ['up', 'up2']) await store.createBucket(bucketRecord(b));
    const keys = ['a', 'a/b', 'a%', 'a_', 'A', 'é', '\uFFFD', '😀', 'z', LONGEST_KEY];
    // Two uploads for 'a' whose upload ids and initiated times agree in order.
    const uploads = keys.map((key, i) => uploadRecord('up', key, { uploadId: `u${String(i).padStart(2, '0')}`, initiated: T0 + i }));
    uploads.push(uploadRecord('up', 'a', { uploadId: 'u99', initiated: T0 + 99 }));
    await Promise.all(uploads.map((u) => store.createUpload(u)));
    await store.createUpload(uploadRecord('up2', 'a'));
    const sorted = [...uploads].sort((x, y) => byteOrder(x.key, y.key) || x.initiated - y.initiated);
    const ids = (list: UploadRecord[]): string[] => list.map((u) => `${u.key}#${u.uploadId}`);

    const all = await store.listUploads('up', { limit: 1000 });
    assert.deepEqual(ids(all), ids(sorted));
    assert.deepEqual(all, sorted, 'records come back whole');
    assert.deepEqual(ids(await store.listUploads('up', { limit: 3 })), ids(sorted.slice(0, 3)));
    for (const prefix of ['a', 'a%', 'a_', '_', '%', 'A', 'é', 'long/', 'no-such']) {
      assert.deepEqual(ids(await store.listUploads('up', { prefix, limit: 1000 })), ids(sorted.filter((u) => u.key.startsWith(prefix))), prefix);
    }
    const afterPair = (key: string, uploadId: string) => sorted.filter((u) => byteOrder(u.key, key) > 0 || (u.key === key && u.uploadId > uploadId));
    assert.deepEqual(ids(await store.listUploads('up', { keyMarker: 'a', uploadIdMarker: 'u00', limit: 1000 })), ids(afterPair('a', 'u00')));
    assert.deepEqual(ids(await store.listUploads('up', { keyMarker: 'a', uploadIdMarker: 'u99', limit: 1000 })), ids(afterPair('a', 'u99')));
    // Without an upload-id marker every upload of the key marker is skipped (S3; ListMultipartUploads relies on it).
    assert.deepEqual(ids(await store.listUploads('up', { keyMarker: 'a', limit: 1000 })), ids(sorted.filter((u) => byteOrder(u.key, 'a') > 0)));
    assert.deepEqual(ids(await store.listUploads('up', { keyMarker: 'a0', limit: 1000 })), ids(sorted.filter((u) => byteOrder(u.key, 'a0') > 0)));
    assert.deepEqual(ids(await store.listUploads('up', { prefix: 'a', keyMarker: 'a', uploadIdMarker: 'u00', limit: 2 })), ids(afterPair('a', 'u00').filter((u) => u.key.startsWith('a')).slice(0, 2)));

    // Paging with the last (key, upload id) as markers visits every upload once.
    const seen: UploadRecord[] = [];
    let marker: { keyMarker: string; uploadIdMarker: string } | undefined;
    for (;;) {
      const page = await store.listUploads('up', { ...marker, limit: 2 });
      if (page.length === 0) break;
      seen.push(...page);
      const last = page[page.length - 1]!;
      marker = { keyMarker: last.key, uploadIdMarker: last.uploadId };
    }
    assert.deepEqual(ids(seen), ids(sorted));
    assert.deepEqual((await store.listUploads('up2', { limit: 1000 })).map((u) => u.key), ['a']);
  });

  it('listUploads sorts the uploads of one key by upload id (the server makes ids that begin with the initiation time)', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    const uploads = [
      uploadRecord('b', 'k', { uploadId: '0000000003e8-c', initiated: T0 + 1000 }),
      uploadRecord('b', 'k', { uploadId: '000000000064-b', initiated: T0 + 100 }),
      uploadRecord('b', 'k', { uploadId: '000000000064-a', initiated: T0 + 100 }),
      uploadRecord('b', 'j', { uploadId: '0000000003e7-z', initiated: T0 + 999 }),
    ];
    for (const u of uploads) await store.createUpload(u);
    assert.deepEqual((await store.listUploads('b', { limit: 1000 })).map((u) => u.uploadId), ['0000000003e7-z', '000000000064-a', '000000000064-b', '0000000003e8-c']);
  });

  it('listUploads with uploadIdMarker "" starts at the first upload of the key marker', async ({ store }) => {
    await store.createBucket(bucketRecord('b'));
    for (const [key, uploadId] of [['a', 'u1'], ['k', 'u2'], ['k', 'u3'], ['m', 'u4']] as const) await store.createUpload(uploadRecord('b', key, { uploadId }));
    assert.deepEqual((await store.listUploads('b', { keyMarker: 'k', uploadIdMarker: '', limit: 1000 })).map((u) => u.uploadId), ['u2', 'u3', 'u4']);
  });

  // ----- locators and state -----------------------------------------------------------------

  it('referencedLocators yields every locator of current objects and stored parts, and no other', async ({ store }) => {
    for (const b of ['b', 'c']) await store.createBucket(bucketRecord(b));
    const rich = richObject('b', 'k');
    const plain = objectRecord('c', 'k');
    const gone = objectRecord('b', 'gone');
    await Promise.all([store.putObject(rich), store.putObject(plain), store.putObject(gone)]);
    const overwritten = objectRecord('b', 'k2');
    await store.putObject(overwritten);
    const current = objectRecord('b', 'k2');
    await store.putObject(current);
    await store.deleteObject('b', 'gone');
    const upload = uploadRecord('b', 'm');
    const aborted = uploadRecord('c', 'm');
    await store.createUpload(upload);
    await store.createUpload(aborted);
    const p1 = partRecord(upload.uploadId, 1);
    const replacedPart = partRecord(upload.uploadId, 2);
    const p2 = partRecord(upload.uploadId, 2);
    for (const p of [p1, replacedPart, p2, partRecord(aborted.uploadId, 1)]) await store.putPart(p);
    await store.abortUpload(aborted.uploadId);

    const locatorsOf = (...records: ObjectRecord[]) => records.flatMap((r) => r.segments.map((s) => s.locator));
    assert.deepEqual(await referenced(store), [...locatorsOf(rich, plain, current), p1.segment.locator, p2.segment.locator].sort());

    const completed = objectRecord('b', 'm', { versionId: upload.versionId, segments: [p1.segment, p2.segment] });
    await store.completeUpload(upload.uploadId, completed);
    assert.deepEqual(await referenced(store), locatorsOf(rich, plain, current, completed).sort());
  });

  it('state: absent, unconditional put, put-if-absent and compare-and-set', async ({ store }) => {
    assert.equal(await store.getState('keystore'), undefined);
    assert.equal(await store.putState('keystore', 'v1'), true);
    assert.equal(await store.getState('keystore'), 'v1');
    assert.equal(await store.putState('keystore', 'v2'), true, 'unconditional put overwrites');
    assert.equal(await store.putState('keystore', 'x', null), false, 'put-if-absent refuses when present');
    assert.equal(await store.getState('keystore'), 'v2');
    assert.equal(await store.putState('keystore', 'x', 'v1'), false, 'compare-and-set refuses a stale value');
    assert.equal(await store.getState('keystore'), 'v2');
    assert.equal(await store.putState('keystore', 'v3', 'v2'), true);
    assert.equal(await store.getState('keystore'), 'v3');
    assert.equal(await store.putState('keystore', 'v3', 'v3'), true, 'setting the value it already has succeeds');
    assert.equal(await store.getState('keystore'), 'v3');

    assert.equal(await store.putState('absent', 'x', 'anything'), false, 'compare-and-set on an absent name refuses');
    assert.equal(await store.getState('absent'), undefined);
    assert.equal(await store.putState('users', 'u1', null), true);
    assert.equal(await store.getState('users'), 'u1');
    assert.equal(await store.getState('Users'), undefined, 'names are case-sensitive');

    assert.equal(await store.putState('empty', '', null), true);
    assert.equal(await store.getState('empty'), '', 'an empty value is present, not absent');
    assert.equal(await store.putState('empty', 'x', null), false);
    assert.equal(await store.putState('empty', 'filled', ''), true);
    assert.equal(await store.getState('empty'), 'filled');

    const large = randomBytes(384 * 1024).toString('base64');
    assert.equal(await store.putState('large', large), true);
    assert.equal(await store.getState('large'), large);
    const unicode = '{"ключ":"✓","emoji":"😀","nul":"\\u0000","quote":"\'"}';
    assert.equal(await store.putState('ünïcode name', unicode), true);
    assert.equal(await store.getState('ünïcode name'), unicode);
    assert.equal(await store.getState('keystore'), 'v3', 'names do not interfere');
  });

  it('state: concurrent compare-and-set increments lose no update', async ({ store }) => {
    assert.equal(await store.putState('counter', '0', null), true);
    const worker = async (): Promise<void> => {
      for (let done = 0; done < 4; ) {
        const current = (await store.getState('counter'))!;
        if (await store.putState('counter', String(Number(current) + 1), current)) done++;
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    assert.equal(await store.getState('counter'), '24');
  });

  // ----- durability -------------------------------------------------------------------------

  it('everything that resolved is there after reopening', async (t, ctx) => {
    if (!t.reopen) return void ctx.skip('the store does not persist');
    const { store } = t;
    const bucket = bucketRecord('b', { encryption: { algorithm: 'kms', kmsKeyId: 'k-1' } });
    await store.createBucket(bucketRecord('b'));
    await store.updateBucket(bucket);
    const object = richObject('b', LONGEST_KEY);
    await store.putObject(object);
    const upload = uploadRecord('b', 'm');
    await store.createUpload(upload);
    const part = partRecord(upload.uploadId, 1);
    await store.putPart(part);
    await store.putState('keystore', 'sealed', null);
    const before = await referenced(store);

    const again = await t.reopen();
    assert.deepEqual(await again.listBuckets(), [bucket]);
    assert.deepEqual(await again.getObject('b', LONGEST_KEY), object);
    assert.deepEqual(await again.listObjects('b', { limit: 10 }), [object]);
    assert.deepEqual(await again.getUpload(upload.uploadId), upload);
    assert.deepEqual(await again.listParts(upload.uploadId, 0, 10), [part]);
    assert.equal(await again.getState('keystore'), 'sealed');
    assert.deepEqual(await referenced(again), before);
    assert.equal(await again.putState('keystore', 'resealed', 'sealed'), true, 'the reopened store writes');
    assert.equal(await again.deleteBucket('b'), 'not-empty');
  });
}
