/**
 * SSE-C on all eight APIs (PUT, POST, GET, HEAD, Copy source and target, InitiateMultipart,
 * UploadPart, UploadPartCopy) through @aws-sdk/client-s3 and esdk-obs-nodejs, plus SSE-S3 and
 * the errors clients expect. The server runs with --allow-insecure-sse (loopback); the transport
 * rule itself is tested without it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { bodyBytes } from '../helpers/bodies.js';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { loopbackLookup, obsClient, s3Client, type ObsClientInstance } from '../helpers/clients.js';
import { signedRequest } from '../helpers/raw.js';
import http from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteMetadataStore } from '../../src/metadata/sqlite/sqlite-metadata-store.js';
import type { SseRecord } from '../../src/metadata/records.js';
import { sealMetadata, sealObjectKey, unsealMetadata, unsealObjectKey, type KeyBinding } from '../../src/crypto/keys.js';

let server: TestServer;
let s3: S3Client;
let obs: ObsClientInstance;

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
const sseA = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: keyA.toString('base64'), SSECustomerKeyMD5: md5(keyA) };
const sseB = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: keyB.toString('base64'), SSECustomerKeyMD5: md5(keyB) };
const copySseA = { CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: keyA.toString('base64'), CopySourceSSECustomerKeyMD5: md5(keyA) };

async function expectError(p: Promise<unknown>, status: number, code?: string): Promise<void> {
  await assert.rejects(p, (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.$metadata?.httpStatusCode, status);
    if (code) assert.equal(e.name, code);
    return true;
  });
}

async function newBucket(): Promise<string> {
  const bucket = uniqueBucket('ssec');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

before(async () => {
  // Debug logging on: the last test searches everything the server logged for key material.
  server = await startTestServer({ args: ['--log-level', 'debug'] });
  s3 = s3Client(server);
  obs = obsClient(server);
});

after(async () => {
  s3?.destroy();
  obs?.close();
  await server.stop();
  await server.cleanup();
});

describe('SSE-C through the AWS SDK', () => {
  test('PUT, GET and HEAD with the key; no key is 400, a wrong key 403; responses echo the MD5, never the key', async () => {
    const bucket = await newBucket();
    const data = randomBytes(150_000);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'secret', Body: data, ...sseA }));
    assert.equal(put.SSECustomerAlgorithm, 'AES256');
    assert.equal(put.SSECustomerKeyMD5, md5(keyA));
    assert.notEqual(put.ETag, `"${createHash('md5').update(data).digest('hex')}"`, 'under SSE-C the ETag is not the MD5');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'secret', ...sseA }));
    assert.deepEqual(await bodyBytes(got.Body), data);
    assert.equal(got.SSECustomerKeyMD5, md5(keyA));
    assert.equal(got.ETag, put.ETag, 'the ETag is stable');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'secret', ...sseA }));
    assert.equal(head.ContentLength, data.length);
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'secret' })), 400, 'InvalidRequest');
    await expectError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'secret' })), 400);
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'secret', ...sseB })), 403, 'AccessDenied');
    await expectError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'secret', ...sseB })), 403);
    const range = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'secret', Range: 'bytes=65530-131080', ...sseA }));
    assert.deepEqual(await bodyBytes(range.Body), data.subarray(65530, 131081));
  });

  test('a wrong key is refused the same way whichever byte differs', async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...sseA }));
    for (const index of [0, 15, 31]) {
      const wrong = Buffer.from(keyA);
      wrong[index] = wrong[index]! ^ 1;
      await assert.rejects(
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', SSECustomerAlgorithm: 'AES256', SSECustomerKey: wrong.toString('base64'), SSECustomerKeyMD5: md5(wrong) })),
        (e: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 403 && e.name === 'AccessDenied',
      );
    }
  });

  test('SSE-C headers on an object that is not SSE-C are refused with 400', async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'p' }));
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'plain', ...sseA })), 400);
  });

  test('copy: encrypted→encrypted under a new key (rotation by copy-to-self), encrypted→plain, plain→encrypted', async () => {
    const bucket = await newBucket();
    const data = randomBytes(70_000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'rot', Body: data, ...sseA }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'rot', CopySource: `${bucket}/rot`, ...copySseA, ...sseB }));
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'rot', ...sseA })), 403);
    assert.deepEqual(await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'rot', ...sseB }))).Body), data);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'plain', CopySource: `${bucket}/rot`, CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: keyB.toString('base64'), CopySourceSSECustomerKeyMD5: md5(keyB) }));
    assert.deepEqual(await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'plain' }))).Body), data);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'enc-again', CopySource: `${bucket}/plain`, ...sseA }));
    assert.deepEqual(await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'enc-again', ...sseA }))).Body), data);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'to-s3', CopySource: `${bucket}/enc-again`, ...copySseA, ServerSideEncryption: 'AES256' }));
    const s3mode = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'to-s3' }));
    assert.equal(s3mode.ServerSideEncryption, 'AES256');
    assert.deepEqual(await bodyBytes(s3mode.Body), data);
    await expectError(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'x', CopySource: `${bucket}/enc-again` })), 400);
  });

  test('multipart: initiate, UploadPart and UploadPartCopy with the key; parts without it or with another are refused', async () => {
    const bucket = await newBucket();
    const src = randomBytes(6 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: src, ...sseB }));
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ...sseA }));
    assert.equal(init.SSECustomerKeyMD5, md5(keyA));
    const part1 = randomBytes(5 * 1024 * 1024);
    await expectError(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: part1 })), 400);
    await expectError(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: part1, ...sseB })), 403);
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: part1, ...sseA }));
    const p2 = await s3.send(new UploadPartCopyCommand({
      Bucket: bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 2, CopySource: `${bucket}/src`, CopySourceRange: 'bytes=1000-1999',
      ...sseA, CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: keyB.toString('base64'), CopySourceSSECustomerKeyMD5: md5(keyB),
    }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag }] } }));
    assert.match(done.ETag ?? '', /-2"$/);
    const expected = Buffer.concat([part1, src.subarray(1000, 2000)]);
    assert.deepEqual(await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', ...sseA }))).Body), expected);
    const across = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', Range: `bytes=${part1.length - 5}-${part1.length + 4}`, ...sseA }));
    assert.deepEqual(await bodyBytes(across.Body), expected.subarray(part1.length - 5, part1.length + 5));
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp' })), 400);
  });

  test('SSE-C seals as version 3 (XAES-256-GCM) on PUT, copy and multipart; an object or a multipart upload an earlier release sealed (version 1, HKDF) still reads, ranges, copies, takes parts and completes, and a wrong key is 403 on both', async () => {
    const bucket = await newBucket();
    const data = randomBytes(70_000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v3', Body: data, ...sseA }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v1', Body: data, ContentType: 'text/v1', Metadata: { era: 'v1' }, ...sseA }));
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ...sseA }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: data, ...sseA }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    // An upload in flight across the upgrade: initiated (here: sealed again below) as an earlier release sealed it.
    const inFlight = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp-v1', ...sseA }));
    const store = new SqliteMetadataStore(join(server.dataDir, 'metadata.sqlite'));
    try {
      for (const key of ['v3', 'mp']) {
        const sealed = Buffer.from((await store.getObject(bucket, key))!.sse.sealedObjectKey, 'base64');
        assert.deepEqual([sealed.length, sealed[0], sealed[1]], [106, 3, 3], `${key}: version 3, algorithm 3 (XAES-256-GCM), 24-byte nonce, object key and metadata key`);
      }
      // The earlier release's records: the same object key sealed as version 1 (its format 2 metadata opens under the version 1 seal's metadata key only, so it is sealed again).
      const asVersion1 = <R extends { sse: SseRecord; sealedMeta: string; versionId: string }>(record: R, key: string): R => {
        const binding: KeyBinding = { mode: 'sse-c', bucket, key, versionId: record.versionId };
        const keys = unsealObjectKey(keyA, Buffer.from(record.sse.sealedObjectKey, 'base64'), binding);
        const v1 = sealObjectKey(keyA, keys.objectKey, binding);
        assert.equal(v1.sealed[0], 1);
        const sealedMeta = sealMetadata(v1.metadataKey, unsealMetadata(keys, Buffer.from(record.sealedMeta, 'base64')));
        return { ...record, sse: { ...record.sse, sealedObjectKey: v1.sealed.toString('base64') }, sealedMeta: sealedMeta.toString('base64') };
      };
      await store.putObject(asVersion1((await store.getObject(bucket, 'v1'))!, 'v1'));
      const upload = asVersion1((await store.getUpload(inFlight.UploadId!))!, 'mp-v1');
      const db = new Database(join(server.dataDir, 'metadata.sqlite'));
      try {
        assert.equal(db.prepare('UPDATE uploads SET doc = ? WHERE upload_id = ?').run(JSON.stringify(upload), inFlight.UploadId).changes, 1);
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
    // The version 1 upload takes a part and a part copied from the version 1 object, and completes.
    const first = randomBytes(5 * 1024 * 1024);
    await expectError(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp-v1', UploadId: inFlight.UploadId, PartNumber: 1, Body: first, ...sseB })), 403, 'AccessDenied');
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp-v1', UploadId: inFlight.UploadId, PartNumber: 1, Body: first, ...sseA }));
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'mp-v1', UploadId: inFlight.UploadId, PartNumber: 2, CopySource: `${bucket}/v1`, ...copySseA, ...sseA }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp-v1', UploadId: inFlight.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag }] } }));
    const whole = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp-v1', ...sseA }));
    assert.deepEqual(await bodyBytes(whole.Body), Buffer.concat([first, data]));
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp-v1', ...sseB })), 403, 'AccessDenied');
    for (const key of ['v3', 'v1', 'mp']) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...sseA }));
      assert.deepEqual(await bodyBytes(got.Body), data, key);
      const ranged = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=65530-65600', ...sseA }));
      assert.deepEqual(await bodyBytes(ranged.Body), data.subarray(65530, 65601), `${key} range`);
      await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...sseB })), 403, 'AccessDenied');
      await expectError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...sseB })), 403);
      await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), 400, 'InvalidRequest');
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'v1', ...sseA }));
    assert.equal(head.ContentType, 'text/v1');
    assert.equal(head.Metadata?.['era'], 'v1');
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'v1-copy', CopySource: `${bucket}/v1`, ...copySseA, ...sseB }));
    const copy = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'v1-copy', ...sseB }));
    assert.deepEqual(await bodyBytes(copy.Body), data);
    assert.equal(copy.Metadata?.['era'], 'v1');
    const check = new SqliteMetadataStore(join(server.dataDir, 'metadata.sqlite'));
    try {
      assert.equal(Buffer.from((await check.getObject(bucket, 'v1-copy'))!.sse.sealedObjectKey, 'base64')[0], 3, 'the copy is sealed as version 3');
      assert.equal(Buffer.from((await check.getObject(bucket, 'mp-v1'))!.sse.sealedObjectKey, 'base64')[0], 1, 'a completed upload keeps the seal it was initiated with');
    } finally {
      await check.close();
    }
  });

  test('SSE-S3: AES256 accepted on PUT, Copy and Initiate, reported on PUT, GET and HEAD, ETag stays the MD5', async () => {
    const bucket = await newBucket();
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 's3', Body: 'managed', ServerSideEncryption: 'AES256' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    assert.equal(put.ETag, `"${createHash('md5').update('managed').digest('hex')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 's3' }));
    assert.equal(got.ServerSideEncryption, 'AES256');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 's3' }))).ServerSideEncryption, 'AES256');
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp3', ServerSideEncryption: 'AES256' }));
    assert.equal(init.ServerSideEncryption, 'AES256');
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/s3`, ServerSideEncryption: 'AES256' }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy' }))).ServerSideEncryption, 'AES256');
    await expectError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'both', Body: 'x', ServerSideEncryption: 'AES256', ...sseA })), 400, 'InvalidArgument');
  });
});

describe('SSE-C through esdk-obs-nodejs (OBS dialect)', () => {
  test('putObject, getObject, getObjectMetadata and copyObject with SseC/SseCKey and CopySourceSseC/CopySourceSseCKey', async () => {
    const bucket = uniqueBucket('obsssec');
    assert.ok((await obs.createBucket({ Bucket: bucket })).CommonMsg.Status < 300);
    const put = await obs.putObject({ Bucket: bucket, Key: 'c.txt', Body: 'customer keyed', SseC: 'AES256', SseCKey: keyA });
    assert.ok(put.CommonMsg.Status < 300, put.CommonMsg.Message);
    assert.equal(put.InterfaceResult.SseC, 'AES256');
    assert.equal(put.InterfaceResult.SseCKeyMd5, md5(keyA));
    const got = await obs.getObject({ Bucket: bucket, Key: 'c.txt', SseC: 'AES256', SseCKey: keyA });
    assert.equal(String(got.InterfaceResult.Content), 'customer keyed');
    const noKey = await obs.getObject({ Bucket: bucket, Key: 'c.txt' });
    assert.equal(noKey.CommonMsg.Status, 400);
    const wrong = await obs.getObject({ Bucket: bucket, Key: 'c.txt', SseC: 'AES256', SseCKey: keyB });
    assert.equal(wrong.CommonMsg.Status, 403);
    const meta = await obs.getObjectMetadata({ Bucket: bucket, Key: 'c.txt', SseC: 'AES256', SseCKey: keyA });
    assert.equal(meta.CommonMsg.Status, 200);
    assert.equal(meta.InterfaceResult.SseC, 'AES256');
    const copy = await obs.copyObject({ Bucket: bucket, Key: 'd.txt', CopySource: `${bucket}/c.txt`, CopySourceSseC: 'AES256', CopySourceSseCKey: keyA, SseC: 'AES256', SseCKey: keyB });
    assert.ok(copy.CommonMsg.Status < 300, copy.CommonMsg.Message);
    const d = await obs.getObject({ Bucket: bucket, Key: 'd.txt', SseC: 'AES256', SseCKey: keyB });
    assert.equal(String(d.InterfaceResult.Content), 'customer keyed');
  });

  test('multipart with SseC on initiate, uploadPart and copyPart', async () => {
    const bucket = uniqueBucket('obsssec');
    await obs.createBucket({ Bucket: bucket });
    await obs.putObject({ Bucket: bucket, Key: 'src', Body: 'abcdefghij', SseC: 'AES256', SseCKey: keyB });
    const init = await obs.initiateMultipartUpload({ Bucket: bucket, Key: 'mp', SseC: 'AES256', SseCKey: keyA });
    assert.ok(init.CommonMsg.Status < 300, init.CommonMsg.Message);
    const uploadId = init.InterfaceResult.UploadId;
    const part1 = randomBytes(5 * 1024 * 1024);
    const p1 = await obs.uploadPart({ Bucket: bucket, Key: 'mp', UploadId: uploadId, PartNumber: 1, Body: Readable.from([part1]), SseC: 'AES256', SseCKey: keyA });
    assert.ok(p1.CommonMsg.Status < 300, p1.CommonMsg.Message);
    const p2 = await obs.copyPart({ Bucket: bucket, Key: 'mp', UploadId: uploadId, PartNumber: 2, CopySource: `${bucket}/src`, CopySourceRange: 'bytes=2-5', SseC: 'AES256', SseCKey: keyA, CopySourceSseC: 'AES256', CopySourceSseCKey: keyB });
    assert.ok(p2.CommonMsg.Status < 300, p2.CommonMsg.Message);
    const done = await obs.completeMultipartUpload({ Bucket: bucket, Key: 'mp', UploadId: uploadId, Parts: [{ PartNumber: 1, ETag: p1.InterfaceResult.ETag }, { PartNumber: 2, ETag: p2.InterfaceResult.ETag }] });
    assert.ok(done.CommonMsg.Status < 300, done.CommonMsg.Message);
    const got = await obs.getObject({ Bucket: bucket, Key: 'mp', SseC: 'AES256', SseCKey: keyA, Range: `bytes=${part1.length - 2}-${part1.length + 3}`, SaveAsStream: true });
    assert.equal(got.CommonMsg.Status, 206);
    assert.deepEqual(await bodyBytes(got.InterfaceResult.Content), Buffer.concat([part1.subarray(-2), Buffer.from('cdef')]));
  });

  test('SSE-OBS (x-obs-server-side-encryption: AES256) is reported', async () => {
    const bucket = uniqueBucket('obsssec');
    await obs.createBucket({ Bucket: bucket });
    // In the OBS dialect esdk sends SseKms verbatim as x-obs-server-side-encryption.
    const put = await obs.putObject({ Bucket: bucket, Key: 'o', Body: 'service managed', SseKms: 'AES256' });
    assert.ok(put.CommonMsg.Status < 300, put.CommonMsg.Message);
    assert.equal(put.InterfaceResult.SseKms, 'AES256');
    const meta = await obs.getObjectMetadata({ Bucket: bucket, Key: 'o' });
    assert.equal(meta.InterfaceResult.SseKms, 'AES256');
    const got = await obs.getObject({ Bucket: bucket, Key: 'o' });
    assert.equal(String(got.InterfaceResult.Content), 'service managed');
    assert.equal(got.InterfaceResult.SseKms, 'AES256');
  });
});

describe('the documented samples', () => {
  test('an SSE-C upload through an OBS signed URL carrying the three headers', async () => {
    const bucket = uniqueBucket('obsurl');
    await obs.createBucket({ Bucket: bucket });
    const headers = {
      'x-obs-server-side-encryption-customer-algorithm': 'AES256',
      'x-obs-server-side-encryption-customer-key': keyA.toString('base64'),
      'x-obs-server-side-encryption-customer-key-MD5': md5(keyA),
    };
    const signed = obs.createSignedUrlSync({ Method: 'PUT', Bucket: bucket, Key: 'via-url.txt', Expires: 300, Headers: headers });
    const url = new URL(signed.SignedUrl);
    const put = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: `${bucket}.localhost`, port: server.httpPort, method: 'PUT', path: url.pathname + url.search, headers, lookup: loopbackLookup }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('sent through a signed URL');
    });
    assert.equal(put, 200);
    const got = await obs.getObject({ Bucket: bucket, Key: 'via-url.txt', SseC: 'AES256', SseCKey: keyA });
    assert.equal(String(got.InterfaceResult.Content), 'sent through a signed URL');
    // Omitting a signed SSE-C header breaks the signature.
    const without = await new Promise<number>((resolve, reject) => {
      const { ['x-obs-server-side-encryption-customer-key-MD5']: _dropped, ...rest } = headers;
      const req = http.request({ host: `${bucket}.localhost`, port: server.httpPort, method: 'PUT', path: url.pathname + url.search, headers: rest, lookup: loopbackLookup }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('x');
    });
    assert.equal(without, 403);
  });
});

describe('transport', () => {
  test('a trusted proxy that says https is believed; anyone else saying so is not', async () => {
    const proxied = await startTestServer({ allowInsecureSse: false, args: ['--trusted-proxy', '127.0.0.1'] });
    const untrusted = await startTestServer({ allowInsecureSse: false, args: ['--trusted-proxy', '10.9.9.9'] });
    try {
      for (const [srv, expected] of [[proxied, 200], [untrusted, 400]] as const) {
        await signedRequest(srv, { method: 'PUT', path: '/tp-bucket' });
        const body = 'behind a proxy';
        const res = await signedRequest(srv, {
          method: 'PUT',
          path: '/tp-bucket/obj',
          headers: {
            'x-forwarded-proto': 'https',
            'x-amz-server-side-encryption-customer-algorithm': 'AES256',
            'x-amz-server-side-encryption-customer-key': keyA.toString('base64'),
            'x-amz-server-side-encryption-customer-key-md5': md5(keyA),
          },
          body,
        });
        assert.equal(res.status, expected, res.body.toString());
        if (expected === 400) assert.match(res.body.toString(), /secure connection/);
      }
    } finally {
      for (const srv of [proxied, untrusted]) {
        await srv.stop();
        await srv.cleanup();
      }
    }
  });

  test('SSE-C over plain HTTP is refused unless allowed, and accepted over HTTPS', async () => {
    const strict = await startTestServer({ allowInsecureSse: false });
    try {
      const plain = s3Client(strict);
      const bucket = uniqueBucket('tls');
      await plain.send(new CreateBucketCommand({ Bucket: bucket }));
      await assert.rejects(plain.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...sseA })), (e: { $metadata?: { httpStatusCode?: number }; message?: string }) => e.$metadata?.httpStatusCode === 400 && /secure connection/.test(e.message ?? ''));
      const secure = s3Client(strict, { secure: true });
      await secure.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'over tls', ...sseA }));
      const got = await secure.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', ...sseA }));
      assert.equal((await bodyBytes(got.Body)).toString(), 'over tls');
      plain.destroy();
      secure.destroy();
    } finally {
      await strict.stop();
      await strict.cleanup();
    }
  });
});

describe('secrets never escape', () => {
  test('error bodies and the debug log hold no customer key (base64 or hex) and no secret access key', async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...sseA }));
    const headersFor = (k: Buffer, md5Of: Buffer = k): Record<string, string> => ({
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': k.toString('base64'),
      'x-amz-server-side-encryption-customer-key-md5': md5(md5Of),
    });
    const bodies: string[] = [];
    for (const req of [
      { path: `/${bucket}/k`, headers: headersFor(keyB) },
      { path: `/${bucket}/k`, headers: headersFor(keyA, keyB) },
      { path: `/${bucket}/k`, headers: { ...headersFor(keyA), 'x-amz-server-side-encryption-customer-algorithm': 'AES128' } },
      { path: `/${bucket}/k`, headers: { ...headersFor(keyA), 'x-amz-server-side-encryption-customer-key': keyA.subarray(0, 31).toString('base64') } },
      { path: `/${bucket}/k`, headers: {} },
      { method: 'PUT', path: `/${bucket}/both`, headers: { ...headersFor(keyA), 'x-amz-server-side-encryption': 'AES256' } },
    ]) {
      const res = await signedRequest(server, req);
      assert.ok(res.status >= 400, String(res.status));
      bodies.push(res.body.toString('utf8'));
    }
    const wrongSecret = await signedRequest(server, { path: `/${bucket}/k`, headers: headersFor(keyA), secretKey: 'wrong-' + server.secretKey });
    assert.equal(wrongSecret.status, 403);
    bodies.push(wrongSecret.body.toString('utf8'));
    const haystack = bodies.join('\n') + server.output();
    assert.match(server.logs(), /"level":20/, 'debug lines were logged');
    for (const k of [keyA, keyB]) {
      assert.equal(haystack.includes(k.toString('base64')), false, 'base64 customer key leaked');
      assert.equal(haystack.includes(k.toString('hex')), false, 'hex customer key leaked');
    }
    assert.equal(server.logs().includes(server.secretKey), false, 'secret access key in the log');
    assert.equal(bodies.join('').includes(server.secretKey), false, 'secret access key in an error body');
  });
});
