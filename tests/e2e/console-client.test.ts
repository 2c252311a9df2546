/**
 * The console's browser client (console/src/api) driven from Node against the real server, with
 * Node's fetch and an XMLHttpRequest stand-in for uploads: login, buckets and default SSE-KMS,
 * SSE-C uploads (single and 20 MiB multipart) with progress, badges, downloads with the right,
 * missing and wrong key, ranges, listing by folder, copies that re-encrypt, presigned URLs,
 * metrics, the KMS key life cycle, and the failures a user must understand (wrong credentials,
 * non-empty bucket, disabled or deleted KMS key, SSE over plain HTTP, server unreachable, cancel).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createConsoleApi } from '../../console/src/api/console-api.js';
import type { ApiResult, ConsoleApi, CustomerKey, Progress } from '../../console/src/api/contract.js';
import { customerKeyOf, generateCustomerKey } from '../../console/src/api/customer-keys.js';
import { describeError, NetworkError } from '../../console/src/api/errors.js';
import { loadServerConfig } from '../../console/src/api/server-config.js';
import { recordingXhrFactory } from '../helpers/fetch-xhr.js';
import { s3Client } from '../helpers/clients.js';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';

const MiB = 1024 * 1024;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function bytesOf(blob: Blob): Promise<Buffer> {
  return Buffer.from(await blob.arrayBuffer());
}

/** The body of a successful result; fails the test with the error otherwise. */
function ok<T>(result: ApiResult<T>, what: string): T {
  assert.ok(result.status < 300, `${what}: ${result.status} ${result.errorCode ?? ''} ${result.errorMessage ?? ''}`);
  return result.body as T;
}

let server: TestServer;
let api: ConsoleApi;
let s3: S3Client;
const xhr = recordingXhrFactory();

before(async () => {
  server = await startTestServer();
  api = createConsoleApi({ endpoint: server.httpUrl, xhrFactory: xhr.factory });
  ok(await api.login({ accessKey: server.accessKey, secretKey: server.secretKey }), 'login');
  s3 = s3Client(server);
});

after(async () => {
  s3?.destroy();
  await server?.stop();
  await server?.cleanup();
});

describe('login', () => {
  test('a wrong secret or an unknown access key is refused with the sentence the login screen shows; calls without a session throw', async () => {
    const other = createConsoleApi({ endpoint: server.httpUrl });
    const wrongSecret = await other.login({ accessKey: server.accessKey, secretKey: server.secretKey + 'x' });
    assert.deepEqual([wrongSecret.status, wrongSecret.errorCode], [403, 'SignatureDoesNotMatch']);
    const unknown = await other.login({ accessKey: 'AKNOBODY', secretKey: 'nothing' });
    assert.deepEqual([unknown.status, unknown.errorCode], [403, 'InvalidAccessKeyId']);
    for (const r of [wrongSecret, unknown]) assert.equal(describeError(r), 'The access key or secret key is wrong.');
    await assert.rejects(other.listBuckets(), /Not logged in/);
    ok(await other.login({ accessKey: server.accessKey, secretKey: server.secretKey, region: 'us-east-1' }), 'login');
    assert.ok(Array.isArray(ok(await other.listBuckets(), 'listBuckets')));
    other.logout();
    await assert.rejects(other.listBuckets(), /Not logged in/);
  });

  test('config.json read by the client names the server region and its HTTPS console', async () => {
    const config = await loadServerConfig(`${server.httpUrl}/console/config.json`);
    assert.deepEqual([config.region, config.httpsConsoleUrl], ['us-east-1', `${server.httpsUrl}/console/`]);
  });

  test('an unreachable server is a NetworkError with a sentence, not a result', async () => {
    const dead = createConsoleApi({ endpoint: 'http://127.0.0.1:1' });
    await assert.rejects(dead.login({ accessKey: 'a', secretKey: 'b' }), (e: unknown) => {
      assert.ok(e instanceof NetworkError);
      assert.match(describeError(e), /could not be reached/);
      return true;
    });
  });
});

describe('buckets, SSE-C objects and copies', () => {
  const bucket = uniqueBucket('console');
  const customerKey = generateCustomerKey();
  const otherKey = generateCustomerKey();
  const name = 'dir/a b+c%d#e?f ü😀 &=.bin';
  const small = randomBytes(300 * 1024 + 7);
  const large = randomBytes(20 * MiB + 123);

  test('create a bucket with an SSE-KMS default (a new KMS key), read the default back', async () => {
    ok(await api.createBucket(bucket), 'createBucket');
    assert.ok(ok(await api.listBuckets(), 'listBuckets').some((b) => b.name === bucket && b.creationDate instanceof Date));
    assert.deepEqual(ok(await api.getBucketEncryption(bucket), 'no default'), { algorithm: 'none', blockSseC: false });
    const key = ok(await api.kms.createKey('console e2e default'), 'createKey');
    ok(await api.setBucketEncryption(bucket, { algorithm: 'aws:kms', kmsKeyId: key.keyId, blockSseC: false }), 'setBucketEncryption');
    const config = ok(await api.getBucketEncryption(bucket), 'getBucketEncryption');
    assert.equal(config.algorithm, 'aws:kms');
    assert.ok(config.kmsKeyId?.endsWith(key.keyId), `${config.kmsKeyId} names ${key.keyId}`);
    const upload = ok(await api.uploadObject(bucket, 'by-default.txt', new Blob(['default encryption']), { sse: { mode: 'default' } }), 'upload');
    assert.match(upload.etag, /^[0-9a-f]{32}$/);
    const head = ok(await api.headObject(bucket, 'by-default.txt'), 'head');
    assert.equal(head.encryption.mode, 'sse-kms');
    assert.ok(head.encryption.mode === 'sse-kms' && head.encryption.keyId.endsWith(key.keyId));
  });

  test('a single SSE-C upload through XMLHttpRequest reports progress; HEAD gives the SSE-C badge only with the key', async () => {
    const madeBefore = xhr.made.length;
    const progress: Progress[] = [];
    const uploaded = ok(await api.uploadObject(bucket, name, new Blob([small]), { sse: { mode: 'sse-c', key: customerKey }, contentType: 'application/x-test', onProgress: (p) => progress.push(p) }), 'upload');
    assert.ok(uploaded.etag.length > 0);
    assert.equal(xhr.made.length, madeBefore + 1, 'one PUT through XHR');
    const sent = xhr.made.at(-1)!.sentHeaders;
    assert.equal(sent['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
    assert.equal(sent['host'], undefined, 'no forbidden header is set');
    assert.equal(sent['content-length'], undefined);
    assert.deepEqual(progress.at(-1), { loadedBytes: small.length, totalBytes: small.length });
    const head = ok(await api.headObject(bucket, name, customerKey), 'head with key');
    assert.deepEqual(head.encryption, { mode: 'sse-c', keyMd5Base64: customerKey.keyMd5Base64 });
    assert.deepEqual([head.size, head.contentType, head.etag], [small.length, 'application/x-test', uploaded.etag]);
    const withoutKey = await api.headObject(bucket, name);
    assert.deepEqual([withoutKey.status, withoutKey.errorCode, withoutKey.serverErrorCode], [400, 'CustomerKeyRequired', 'InvalidRequest']);
    assert.equal(describeError(withoutKey), 'This object is encrypted with a customer key (SSE-C). Enter its key to read it.');
    const wrongKey = await api.headObject(bucket, name, otherKey);
    assert.deepEqual([wrongKey.status, wrongKey.errorCode], [403, 'CustomerKeyMismatch']);
    assert.equal(describeError(wrongKey), 'The customer key does not match the key this object was encrypted with.');
  });

  test('download with the key returns the same bytes with progress; a range returns its slice; the wrong key reads as such', async () => {
    const progress: Progress[] = [];
    const got = ok(await api.downloadObject(bucket, name, { customerKey, onProgress: (p) => progress.push(p) }), 'download');
    assert.equal(sha256(await bytesOf(got.content)), sha256(small));
    assert.deepEqual(got.head.encryption, { mode: 'sse-c', keyMd5Base64: customerKey.keyMd5Base64 });
    assert.ok(progress.length >= 1);
    assert.deepEqual(progress.at(-1), { loadedBytes: small.length, totalBytes: small.length });
    const range = ok(await api.downloadObject(bucket, name, { customerKey, range: 'bytes=70000-70099' }), 'range');
    assert.deepEqual(await bytesOf(range.content), small.subarray(70000, 70100));
    assert.equal(range.head.size, small.length, 'the size is the whole object, from Content-Range');
    const wrong = await api.downloadObject(bucket, name, { customerKey: otherKey });
    assert.deepEqual([wrong.status, wrong.errorCode], [403, 'CustomerKeyMismatch']);
    assert.equal(describeError(wrong), 'The customer key does not match the key this object was encrypted with.');
    const missing = await api.downloadObject(bucket, name, {});
    assert.equal(missing.errorCode, 'CustomerKeyRequired');
  });

  test('a 20 MiB SSE-C file goes multipart (8 MiB parts, the key on every part), with summed progress, and reads back intact', async () => {
    const madeBefore = xhr.made.length;
    const progress: Progress[] = [];
    const uploaded = ok(await api.uploadObject(bucket, 'big/large.bin', new Blob([large]), { sse: { mode: 'sse-c', key: customerKey }, onProgress: (p) => progress.push(p) }), 'multipart upload');
    assert.match(uploaded.etag, /-3$/);
    const parts = xhr.made.slice(madeBefore);
    assert.equal(parts.length, 3, 'three UploadPart requests through XHR');
    for (const part of parts) assert.equal(part.sentHeaders['x-amz-server-side-encryption-customer-key-md5'], customerKey.keyMd5Base64);
    assert.deepEqual(progress.at(-1), { loadedBytes: large.length, totalBytes: large.length });
    assert.ok(progress.every((p, i) => i === 0 || p.loadedBytes >= progress[i - 1]!.loadedBytes), 'progress never goes back');
    const got = ok(await api.downloadObject(bucket, 'big/large.bin', { customerKey }), 'download');
    assert.equal(got.content.size, large.length);
    assert.equal(sha256(await bytesOf(got.content)), sha256(large));
    // An independent client sees the same object.
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big/large.bin', SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.keyBase64, SSECustomerKeyMD5: customerKey.keyMd5Base64 }));
    assert.equal(head.ContentLength, large.length);
  });

  test('uploads also work through fetch when there is no XMLHttpRequest (progress at the end)', async () => {
    const fetchOnly = createConsoleApi({ endpoint: server.httpUrl });
    ok(await fetchOnly.login({ accessKey: server.accessKey, secretKey: server.secretKey }), 'login');
    const progress: Progress[] = [];
    ok(await fetchOnly.uploadObject(bucket, 'fetch-only.txt', new Blob(['via fetch']), { sse: { mode: 'sse-s3' }, onProgress: (p) => progress.push(p) }), 'upload');
    assert.deepEqual(progress, [{ loadedBytes: 9, totalBytes: 9 }]);
    assert.deepEqual(ok(await api.headObject(bucket, 'fetch-only.txt'), 'head').encryption, { mode: 'sse-s3' });
  });

  test('listing by folder: prefixes at the root, every object name intact below, continuation tokens page through', async () => {
    const root = ok(await api.listObjects(bucket, {}), 'root');
    assert.deepEqual(root.commonPrefixes, ['big/', 'dir/']);
    assert.deepEqual(root.objects.map((o) => o.key).sort(), ['by-default.txt', 'fetch-only.txt']);
    const dir = ok(await api.listObjects(bucket, { prefix: 'dir/' }), 'dir');
    assert.deepEqual(dir.objects.map((o) => [o.key, o.size]), [[name, small.length]]);
    assert.ok(dir.objects[0]!.lastModified instanceof Date && !Number.isNaN(dir.objects[0]!.lastModified.getTime()));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = ok(await api.listObjects(bucket, { maxKeys: 1, ...(token ? { continuationToken: token } : {}) }), 'page');
      seen.push(...page.commonPrefixes, ...page.objects.map((o) => o.key));
      token = page.isTruncated ? page.nextContinuationToken : undefined;
      if (page.isTruncated) assert.ok(token, 'a truncated page has a token');
    } while (token);
    assert.deepEqual(seen.sort(), ['big/', 'by-default.txt', 'dir/', 'fetch-only.txt']);
  });

  test('copy re-encrypts: SSE-C → SSE-KMS readable without a key, SSE-C → SSE-C under a new key', async () => {
    ok(await api.copyObject({ bucket, key: name, customerKey }, { bucket, key: 'copies/kms.bin', sse: { mode: 'sse-kms' } }), 'copy to KMS');
    const kmsCopy = ok(await api.downloadObject(bucket, 'copies/kms.bin', {}), 'download KMS copy');
    assert.equal(kmsCopy.head.encryption.mode, 'sse-kms');
    assert.equal(sha256(await bytesOf(kmsCopy.content)), sha256(small));
    ok(await api.copyObject({ bucket, key: name, customerKey }, { bucket, key: 'copies/rekeyed.bin', sse: { mode: 'sse-c', key: otherKey } }), 'copy to a new key');
    assert.equal(sha256(await bytesOf(ok(await api.downloadObject(bucket, 'copies/rekeyed.bin', { customerKey: otherKey }), 'new key').content)), sha256(small));
    assert.equal((await api.downloadObject(bucket, 'copies/rekeyed.bin', { customerKey })).errorCode, 'CustomerKeyMismatch');
    const noSourceKey = await api.copyObject({ bucket, key: name }, { bucket, key: 'copies/never.bin', sse: { mode: 'sse-s3' } });
    assert.equal(noSourceKey.errorCode, 'CustomerKeyRequired');
  });

  test('a presigned GET URL works without credentials until it expires; lifetimes outside 1 s … 7 days are refused', async () => {
    const url = await api.presignGet(bucket, 'copies/kms.bin', 60);
    assert.match(url, new RegExp(`^${server.httpUrl}/${bucket}/copies/kms\\.bin\\?`));
    assert.match(url, /X-Amz-Expires=60&/);
    assert.doesNotMatch(url, new RegExp(server.secretKey.replace(/[+/=]/g, '.')));
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(sha256(Buffer.from(await response.arrayBuffer())), sha256(small));
    const odd = await api.presignGet(bucket, 'by-default.txt', 604_800);
    assert.equal(await (await fetch(odd)).text(), 'default encryption');
    await assert.rejects(api.presignGet(bucket, 'x', 0), RangeError);
    await assert.rejects(api.presignGet(bucket, 'x', 604_801), RangeError);
  });

  test('deleting a bucket that still holds objects reads as "not empty"; emptied, it goes', async () => {
    const refused = await api.deleteBucket(bucket);
    assert.deepEqual([refused.status, refused.errorCode], [409, 'BucketNotEmpty']);
    assert.equal(describeError(refused), 'The bucket is not empty: delete its objects first.');
    for (const key of [name, 'big/large.bin', 'by-default.txt', 'fetch-only.txt', 'copies/kms.bin', 'copies/rekeyed.bin']) ok(await api.deleteObject(bucket, key), `delete ${key}`);
    ok(await api.deleteBucket(bucket), 'deleteBucket');
    const gone = await api.listObjects(bucket, {});
    assert.equal(gone.errorCode, 'NoSuchBucket');
    assert.equal(describeError(gone), 'The bucket does not exist (it may have been deleted).');
  });
});

describe('multipart failures and cancels leave no upload behind', () => {
  const bucket = uniqueBucket('abort');

  before(async () => {
    ok(await api.createBucket(bucket), 'createBucket');
  });

  async function openUploads(): Promise<number> {
    return (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.length ?? 0;
  }

  test('a cancel during a multipart upload aborts it on the server and rejects with AbortError', async () => {
    const controller = new AbortController();
    const upload = api.uploadObject(bucket, 'cancelled.bin', new Blob([randomBytes(12 * MiB)]), {
      sse: { mode: 'sse-c', key: generateCustomerKey() },
      multipartThresholdBytes: 5 * MiB,
      partBytes: 5 * MiB,
      onProgress: () => controller.abort(),
      signal: controller.signal,
    });
    await assert.rejects(upload, (e: unknown) => (e as { name?: string }).name === 'AbortError');
    assert.equal(await openUploads(), 0);
  });

  test('a part refused by the server fails the upload with its error and aborts it', async () => {
    // Part 2's customer key is changed on the way, after signing: the server refuses that part.
    const key = generateCustomerKey();
    let parts = 0;
    const flaky = createConsoleApi({
      endpoint: server.httpUrl,
      fetchImpl: (input, init) => {
        const headers = new Headers(init?.headers);
        if (String(input).includes('partNumber=2')) {
          parts++;
          const other = customerKeyOf(new Uint8Array(32).fill(7));
          headers.set('x-amz-server-side-encryption-customer-key', other.keyBase64);
          headers.set('x-amz-server-side-encryption-customer-key-md5', other.keyMd5Base64);
        }
        return fetch(input, { ...init, headers });
      },
    });
    ok(await flaky.login({ accessKey: server.accessKey, secretKey: server.secretKey }), 'login');
    const result = await flaky.uploadObject(bucket, 'refused.bin', new Blob([randomBytes(11 * MiB)]), { sse: { mode: 'sse-c', key }, multipartThresholdBytes: 5 * MiB, partBytes: 5 * MiB });
    assert.equal(parts, 1);
    assert.deepEqual([result.status, result.errorCode], [403, 'SignatureDoesNotMatch']);
    assert.equal(await openUploads(), 0);
  });

  test('part sizes below 5 MiB are refused before anything is sent', async () => {
    await assert.rejects(api.uploadObject(bucket, 'x', new Blob([randomBytes(3 * MiB)]), { sse: { mode: 'default' }, multipartThresholdBytes: 1 * MiB, partBytes: 1 * MiB }), RangeError);
  });

  after(async () => {
    await api.deleteBucket(bucket);
  });
});

describe('KMS keys from the console', () => {
  const bucket = uniqueBucket('kms');

  test('create, rotate, disable, enable, alias, schedule and cancel deletion; listKeys follows each step', async () => {
    const created = ok(await api.kms.createKey('console life cycle'), 'createKey');
    assert.deepEqual([created.keyState, created.description, created.rotationEnabled, created.aliases, created.rotations, created.lastRotation], ['Enabled', 'console life cycle', false, [], 0, undefined]);
    assert.match(created.arn, new RegExp(`key/${created.keyId}$`));
    const find = async (): Promise<NonNullable<Awaited<ReturnType<ConsoleApi['kms']['listKeys']>>['body']>[number]> => {
      const found = ok(await api.kms.listKeys(), 'listKeys').find((k) => k.keyId === created.keyId);
      assert.ok(found);
      return found;
    };
    ok(await api.kms.setRotation(created.keyId, true, 90), 'enable rotation');
    const rotating = await find();
    assert.deepEqual([rotating.rotationEnabled, rotating.rotationPeriodInDays], [true, 90]);
    assert.ok(rotating.nextRotationDate && rotating.nextRotationDate.getTime() > Date.now() + 89 * 86_400_000);
    const rotatedFrom = Date.now();
    ok(await api.kms.rotateKeyOnDemand(created.keyId), 'rotate');
    const rotated = await find();
    assert.equal(rotated.rotations, 1);
    assert.equal(rotated.lastRotation?.type, 'ON_DEMAND');
    assert.ok(Math.abs(rotated.lastRotation.date.getTime() - rotatedFrom) < 5000, 'the rotation date is when it happened');
    ok(await api.kms.setRotation(created.keyId, false), 'disable rotation');
    assert.equal((await find()).rotationEnabled, false);
    ok(await api.kms.createAlias('alias/console-e2e', created.keyId), 'createAlias');
    assert.deepEqual((await find()).aliases, ['alias/console-e2e']);
    const duplicate = await api.kms.createAlias('alias/console-e2e', created.keyId);
    assert.equal(describeError(duplicate), 'An alias with that name already exists.');

    ok(await api.createBucket(bucket), 'createBucket');
    ok(await api.kms.disableKey(created.keyId), 'disable');
    assert.equal((await find()).keyState, 'Disabled');
    const refused = await api.uploadObject(bucket, 'k.txt', new Blob(['x']), { sse: { mode: 'sse-kms', keyId: 'alias/console-e2e' } });
    assert.equal(refused.errorCode, 'KmsKeyDisabled');
    assert.equal(describeError(refused), 'The KMS key is disabled: enable it to encrypt or decrypt with it.');
    ok(await api.kms.enableKey(created.keyId), 'enable');
    ok(await api.uploadObject(bucket, 'k.txt', new Blob(['x']), { sse: { mode: 'sse-kms', keyId: 'alias/console-e2e' } }), 'upload with the alias');

    const scheduled = ok(await api.kms.scheduleKeyDeletion(created.keyId, 7), 'schedule deletion');
    assert.ok(Math.abs(scheduled.deletionDate.getTime() - (Date.now() + 7 * 86_400_000)) < 60_000);
    const pending = await find();
    assert.equal(pending.keyState, 'PendingDeletion');
    assert.equal(pending.deletionDate?.getTime(), scheduled.deletionDate.getTime());
    const blocked = await api.uploadObject(bucket, 'k2.txt', new Blob(['x']), { sse: { mode: 'sse-kms', keyId: created.keyId } });
    assert.equal(blocked.errorCode, 'KmsKeyPendingDeletion');
    assert.equal(describeError(blocked), 'The KMS key is scheduled for deletion: cancel the deletion to use it again.');
    const download = await api.downloadObject(bucket, 'k.txt', {});
    assert.equal(download.errorCode, 'KmsKeyPendingDeletion', 'reading needs the key too');
    ok(await api.kms.cancelKeyDeletion(created.keyId), 'cancel deletion');
    assert.equal((await find()).keyState, 'Disabled', 'a cancelled deletion leaves the key disabled, as in AWS');
    ok(await api.kms.deleteAlias('alias/console-e2e'), 'deleteAlias');
    assert.deepEqual((await find()).aliases, []);
    const unknown = await api.kms.enableKey('00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 400);
    ok(await api.kms.enableKey(created.keyId), 'enable');
    ok(await api.deleteObject(bucket, 'k.txt'), 'delete');
    ok(await api.deleteBucket(bucket), 'deleteBucket');
  });
});

describe('metrics from the console', () => {
  test('metrics() answers ServerMetrics with Dates; a failed request shows in the 4xx count', async () => {
    const before = ok(await api.metrics(), 'metrics');
    assert.equal((await api.headObject(uniqueBucket('nope'), 'x')).status, 404);
    const after = ok(await api.metrics(), 'metrics');
    assert.ok(after.requests.errors4xx >= before.requests.errors4xx + 1);
    assert.ok(after.requests.total >= before.requests.total + 2);
    assert.equal(after.history.length, 60);
    assert.ok(after.history.every((p) => p.at instanceof Date));
    assert.deepEqual(after.objectsByMode.map((m) => m.mode), ['none', 'sse-s3', 'sse-kms', 'sse-c']);
  });
});

describe('SSE over plain HTTP without --allow-insecure-sse', () => {
  test('an SSE-C upload over HTTP reads as "use the HTTPS console" with its URL', async () => {
    const strict = await startTestServer({ allowInsecureSse: false });
    try {
      const client = createConsoleApi({ endpoint: strict.httpUrl });
      ok(await client.login({ accessKey: strict.accessKey, secretKey: strict.secretKey }), 'login');
      const bucket = uniqueBucket('https');
      ok(await client.createBucket(bucket), 'createBucket');
      const key: CustomerKey = generateCustomerKey();
      const refused = await client.uploadObject(bucket, 'secret.bin', new Blob(['secret']), { sse: { mode: 'sse-c', key } });
      assert.deepEqual([refused.status, refused.errorCode], [400, 'HttpsRequired']);
      const config = await loadServerConfig(`${strict.httpUrl}/console/config.json`);
      assert.equal(describeError(refused, { httpsConsoleUrl: config.httpsConsoleUrl! }), `Encrypted uploads and downloads need the HTTPS console: ${strict.httpsUrl}/console/`);
      const kms = await client.uploadObject(bucket, 'kms.bin', new Blob(['secret']), { sse: { mode: 'sse-kms' } });
      assert.equal(kms.errorCode, 'HttpsRequired');
      ok(await client.uploadObject(bucket, 'plain.bin', new Blob(['fine']), { sse: { mode: 'sse-s3' } }), 'SSE-S3 is fine over HTTP');
      ok(await client.deleteObject(bucket, 'plain.bin'), 'delete');
      ok(await client.deleteBucket(bucket), 'deleteBucket');
    } finally {
      await strict.stop();
      await strict.cleanup();
    }
  });
});
