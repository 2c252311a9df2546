/**
 * What is on disk: every mode leaves only ciphertext and sealed keys in the data dir; tampering
 * with blobs or records is detected (500, logged as an integrity failure) and never returns
 * altered bytes; copies whose content does not change copy ciphertext without decrypting.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { bodyBytes } from '../helpers/bodies.js';
import { isSmallBlob, readCiphertext, writeCiphertext } from '../helpers/ciphertext.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { s3Client } from '../helpers/clients.js';
import { SqliteMetadataStore } from '../../src/metadata/sqlite/sqlite-metadata-store.js';
import { sealObjectKey, unsealMetadata, unsealObjectKey } from '../../src/crypto/keys.js';
import { sealMetadataFormatOne } from '../helpers/metadata-format-one.js';
import { HEADER_BYTES, TAG_BYTES, DEFAULT_PACKAGE_BYTES } from '../../src/crypto/envelope.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
const customerKey = randomBytes(32);
const otherKey = randomBytes(32);
const ssec = (k: Buffer) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: k.toString('base64'), SSECustomerKeyMD5: md5(k) });
const copySsec = (k: Buffer) => ({ CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: k.toString('base64'), CopySourceSSECustomerKeyMD5: md5(k) });
/** A plaintext that is easy to find: a unique marker repeated, so any 32-byte window would show. */
const marker = Buffer.from(`PLAINTEXT-MARKER-${randomBytes(8).toString('hex')}-`);
const plaintext = Buffer.concat(Array.from({ length: 6000 }, () => marker));
const metaMarker = `meta-marker-${randomBytes(6).toString('hex')}`;
const bucket = 'at-rest';

let server: TestServer;
let s3: S3Client;

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(p)));
    else out.push(p);
  }
  return out;
}

async function restart(extraArgs: string[] = []): Promise<void> {
  s3.destroy();
  assert.equal(await server.stop(), 0);
  server = await startTestServer({ dataDir: server.dataDir, configDir: server.configDir, accessKey: server.accessKey, secretKey: server.secretKey, args: extraArgs });
  s3 = s3Client(server);
}

/** Runs `change` on the metadata with the server stopped, then starts it again. */
async function withStoppedServer(change: (store: SqliteMetadataStore) => Promise<void>): Promise<void> {
  s3.destroy();
  assert.equal(await server.stop(), 0);
  const store = new SqliteMetadataStore(join(server.dataDir, 'metadata.sqlite'));
  try {
    await change(store);
  } finally {
    await store.close();
  }
  server = await startTestServer({ dataDir: server.dataDir, configDir: server.configDir, accessKey: server.accessKey, secretKey: server.secretKey });
  s3 = s3Client(server);
}

async function locatorOf(store: SqliteMetadataStore, key: string, segment = 0): Promise<string> {
  const record = await store.getObject(bucket, key);
  assert.ok(record, key);
  return record.segments[segment]!.locator;
}

async function ciphertextOf(store: SqliteMetadataStore, key: string): Promise<Buffer> {
  return readCiphertext(server.dataDir, await locatorOf(store, key));
}

/** Rewrites a blob's stored bytes in place (a file or a small-blob row). */
async function tamper(store: SqliteMetadataStore, key: string, change: (bytes: Buffer) => Buffer): Promise<string> {
  const locator = await locatorOf(store, key);
  await writeCiphertext(server.dataDir, locator, change(await readCiphertext(server.dataDir, locator)));
  return locator;
}

/** The first server's temp dir; the restarted servers reuse its directories and own none. */
let removeTempDir: () => Promise<void> = async () => undefined;

before(async () => {
  server = await startTestServer();
  removeTempDir = server.cleanup;
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const meta = { Metadata: { note: metaMarker }, ContentType: `text/${metaMarker}` };
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'none', Body: plaintext, ...meta }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sse-s3', Body: plaintext, ServerSideEncryption: 'AES256', ...meta }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sse-c', Body: plaintext, ...ssec(customerKey), ...meta }));
  const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multipart', ...ssec(customerKey), ...meta }));
  const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'multipart', UploadId: init.UploadId, PartNumber: 1, Body: Buffer.concat(Array.from({ length: 90 }, () => plaintext)).subarray(0, 5 * 1024 * 1024), ...ssec(customerKey) }));
  const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'multipart', UploadId: init.UploadId, PartNumber: 2, Body: plaintext, ...ssec(customerKey) }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'multipart', UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
  await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copied', CopySource: `${bucket}/sse-c`, ...copySsec(customerKey) }));
});

after(async () => {
  s3?.destroy();
  await server.stop();
  await removeTempDir();
});

describe('everything at rest is ciphertext', () => {
  test('no blob, database or WAL file holds the plaintext, the metadata, the customer key or the service master key', async () => {
    s3.destroy();
    assert.equal(await server.stop(), 0);
    const masterKey = await readFile(join(server.configDir, 'service-master.key'));
    const needles: Array<[string, Buffer]> = [
      ['plaintext', marker],
      ['user metadata', Buffer.from(metaMarker)],
      ['customer key', customerKey],
      ['customer key base64', Buffer.from(customerKey.toString('base64'))],
      ['customer key hex', Buffer.from(customerKey.toString('hex'))],
      ['service master key', masterKey],
      ['service master key base64', Buffer.from(masterKey.toString('base64'))],
      ['secret access key', Buffer.from(server.secretKey)],
    ];
    const files = await allFiles(server.dataDir);
    assert.ok(files.some((f) => f.endsWith('metadata.sqlite')));
    assert.ok(files.filter((f) => f.includes('/blobs/')).length >= 6, 'blobs were written');
    for (const file of files) {
      const content = await readFile(file);
      for (const [what, needle] of needles) assert.equal(content.indexOf(needle), -1, `${what} found in ${file}`);
    }
    server = await startTestServer({ dataDir: server.dataDir, configDir: server.configDir, accessKey: server.accessKey, secretKey: server.secretKey });
    s3 = s3Client(server);
    const back = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'sse-c', ...ssec(customerKey) }));
    assert.deepEqual(await bodyBytes(back.Body), plaintext, 'still readable after a restart');
    assert.equal(back.Metadata?.['note'], metaMarker);
  });
});

describe('copy without decrypting', () => {
  test('copy to another name, key rotation by copy-to-self and SSE-C → SSE-S3 copy the ciphertext byte for byte', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'rot-src', Body: plaintext, ...ssec(customerKey) }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'rot-copy', CopySource: `${bucket}/rot-src`, ...copySsec(customerKey), ...ssec(otherKey) }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'rot-s3', CopySource: `${bucket}/rot-src`, ...copySsec(customerKey), ServerSideEncryption: 'AES256' }));
    let before: { src: Buffer; locator: string } | undefined;
    await withStoppedServer(async (store) => {
      const src = await ciphertextOf(store, 'rot-src');
      assert.deepEqual(await ciphertextOf(store, 'rot-copy'), src, 'copy under another key: same ciphertext');
      assert.deepEqual(await ciphertextOf(store, 'rot-s3'), src, 'SSE-C → SSE-S3: same ciphertext');
      before = { src, locator: (await store.getObject(bucket, 'rot-src'))!.segments[0]!.locator };
    });
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'rot-src', CopySource: `${bucket}/rot-src`, ...copySsec(customerKey), ...ssec(otherKey) }));
    await withStoppedServer(async (store) => {
      const record = (await store.getObject(bucket, 'rot-src'))!;
      assert.equal(record.segments[0]!.locator, before!.locator, 'rotation reuses the blob');
      assert.deepEqual(await ciphertextOf(store, 'rot-src'), before!.src, 'and does not rewrite it');
    });
    for (const [key, sse] of [['rot-src', ssec(otherKey)], ['rot-copy', ssec(otherKey)], ['rot-s3', {}]] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...sse }));
      assert.deepEqual(await bodyBytes(got.Body), plaintext, key);
    }
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'rot-src', ...ssec(customerKey) })), (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 403);
  });
});

describe('tamper detection', () => {
  async function expectIntegrityFailure(key: string, sse: object = {}): Promise<void> {
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...sse })), (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.$metadata?.httpStatusCode, 500, `${key}: ${e.name}`);
      assert.equal(e.name, 'InternalError');
      return true;
    });
  }

  test('a flipped byte, swapped packages, a truncated blob or a moved sealed key fail with 500 and an integrity log line', async () => {
    const small = randomBytes(1000);
    const large = randomBytes(3 * DEFAULT_PACKAGE_BYTES + 100);
    for (const key of ['flip', 'truncate', 'victim', 'donor']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: small }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'swap', Body: large, ServerSideEncryption: 'AES256' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cut-tail', Body: large }));
    await withStoppedServer(async (store) => {
      // Small objects keep their ciphertext in the database, large ones in files: both are tampered with.
      const flipped = await tamper(store, 'flip', (bytes) => {
        bytes[HEADER_BYTES + 10] = bytes[HEADER_BYTES + 10]! ^ 0x01;
        return bytes;
      });
      const swapped = await tamper(store, 'swap', (s) => {
        const stride = DEFAULT_PACKAGE_BYTES + TAG_BYTES;
        const first = Buffer.from(s.subarray(HEADER_BYTES, HEADER_BYTES + stride));
        s.copy(s, HEADER_BYTES, HEADER_BYTES + stride, HEADER_BYTES + 2 * stride);
        first.copy(s, HEADER_BYTES + stride);
        return s;
      });
      assert.ok(isSmallBlob(flipped) && !isSmallBlob(swapped), 'one small blob in the database, one large blob in a file');
      await tamper(store, 'truncate', (bytes) => bytes.subarray(0, bytes.length - 5));
      await tamper(store, 'cut-tail', (bytes) => bytes.subarray(0, bytes.length - (large.length % DEFAULT_PACKAGE_BYTES) - TAG_BYTES));
      const donor = (await store.getObject(bucket, 'donor'))!;
      const victim = (await store.getObject(bucket, 'victim'))!;
      await store.putObject({ ...victim, sse: donor.sse });
    });
    await expectIntegrityFailure('flip');
    await expectIntegrityFailure('swap');
    await expectIntegrityFailure('truncate');
    await expectIntegrityFailure('victim');
    // The dropped final package of a large object is found only at its end: the answer is cut
    // short (never completed with altered or missing bytes).
    await assert.rejects(async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cut-tail' }));
      const body = await bodyBytes(got.Body);
      assert.notEqual(body.length, large.length);
    });
    const ranged = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cut-tail', Range: 'bytes=0-99' }));
    assert.deepEqual(await bodyBytes(ranged.Body), large.subarray(0, 100), 'untouched packages still read');
    const donor = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'donor' }));
    assert.deepEqual(await bodyBytes(donor.Body), small, 'other objects are still served');
    assert.match(server.logs(), /integrity failure/);
  });

  test('sealed metadata: format 1, as an earlier release wrote it (beside a version 1 seal), still reads and copies; format 2 metadata moved to a copy of its object, or format 1 beside a version 3 seal, does not open', async () => {
    const meta = { Metadata: { note: metaMarker }, ContentType: `text/${metaMarker}` };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'format-1', Body: plaintext, ...ssec(customerKey), ...meta }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'format-2-copy', CopySource: `${bucket}/format-1`, ...copySsec(customerKey), ...ssec(customerKey) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'format-1-beside-v3', Body: plaintext, ...ssec(customerKey), ...meta }));
    await withStoppedServer(async (store) => {
      const record = (await store.getObject(bucket, 'format-1'))!;
      const sealedMeta = Buffer.from(record.sealedMeta, 'base64');
      assert.equal(sealedMeta[0], 2, 'written in format 2');
      const binding = { mode: 'sse-c' as const, bucket, key: 'format-1', versionId: record.versionId };
      const keys = unsealObjectKey(customerKey, Buffer.from(record.sse.sealedObjectKey, 'base64'), binding);
      const json = unsealMetadata(keys, sealedMeta);
      // An earlier release: a version 1 seal (HKDF) and format 1 metadata.
      const v1 = sealObjectKey(customerKey, keys.objectKey, binding).sealed;
      await store.putObject({ ...record, sse: { ...record.sse, sealedObjectKey: v1.toString('base64') }, sealedMeta: sealMetadataFormatOne(keys.objectKey, json).toString('base64') });
      // The copy shares the object key, but not the seal its metadata key comes from.
      const copy = (await store.getObject(bucket, 'format-2-copy'))!;
      await store.putObject({ ...copy, sealedMeta: record.sealedMeta });
      // Format 1 metadata was never written beside a version 3 seal.
      const beside = (await store.getObject(bucket, 'format-1-beside-v3'))!;
      const besideKeys = unsealObjectKey(customerKey, Buffer.from(beside.sse.sealedObjectKey, 'base64'), { ...binding, key: 'format-1-beside-v3', versionId: beside.versionId });
      await store.putObject({ ...beside, sealedMeta: sealMetadataFormatOne(besideKeys.objectKey, unsealMetadata(besideKeys, Buffer.from(beside.sealedMeta, 'base64'))).toString('base64') });
    });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'format-1', ...ssec(customerKey) }));
    assert.deepEqual(await bodyBytes(got.Body), plaintext);
    assert.equal(got.ContentType, `text/${metaMarker}`);
    assert.equal(got.Metadata?.['note'], metaMarker);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'format-1-copy', CopySource: `${bucket}/format-1`, ...copySsec(customerKey), ServerSideEncryption: 'AES256' }));
    const copied = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'format-1-copy' }));
    assert.deepEqual(await bodyBytes(copied.Body), plaintext);
    assert.equal(copied.Metadata?.['note'], metaMarker, 'the copy reads the format 1 metadata and seals it again');
    await expectIntegrityFailure('format-2-copy', ssec(customerKey));
    await expectIntegrityFailure('format-1-beside-v3', ssec(customerKey));
  });
});
