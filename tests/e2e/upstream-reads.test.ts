/**
 * Reads through a blob store without random access: a server whose ciphertext lives in an upstream
 * S3 bucket (another real Obscura) reads each envelope's header first, plans ranges with the
 * package size it declares, and streams the packages from the upstream. Whole objects, ranges at
 * package edges, multipart objects and small objects (kept in SQLite, read the same way) come back
 * exact under SSE-C; the upstream holds only envelopes with the writer's package size.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { bodyBytes } from '../helpers/bodies.js';
import { s3Client } from '../helpers/clients.js';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { ssecHeaders } from '../helpers/sse-headers.js';
import { DEFAULT_PACKAGE_BYTES, HEADER_BYTES, packageBytesOf } from '../../src/crypto/envelope.js';

const MiB = 1024 * 1024;
const P = DEFAULT_PACKAGE_BYTES;
const customerKey = randomBytes(32);
const ssec = {
  SSECustomerAlgorithm: 'AES256',
  SSECustomerKey: customerKey.toString('base64'),
  SSECustomerKeyMD5: ssecHeaders(customerKey)['x-amz-server-side-encryption-customer-key-md5']!,
};

let upstream: TestServer;
let server: TestServer;
let up: S3Client;
let s3: S3Client;
const blobsBucket = uniqueBucket('blobs');
const bucket = uniqueBucket('data');

before(async () => {
  upstream = await startTestServer();
  up = s3Client(upstream);
  await up.send(new CreateBucketCommand({ Bucket: blobsBucket }));
  server = await startTestServer({
    args: ['--blobs', `s3://${blobsBucket}?endpoint=${encodeURIComponent(upstream.httpUrl)}&region=us-east-1`],
    env: { OBSCURA_BLOBS_ACCESS_KEY: upstream.accessKey, OBSCURA_BLOBS_SECRET_KEY: upstream.secretKey },
  });
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

after(async () => {
  s3?.destroy();
  up?.destroy();
  await server?.stop();
  await server?.cleanup();
  await upstream?.stop();
  await upstream?.cleanup();
});

async function get(key: string, range?: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...ssec, ...(range ? { Range: range } : {}) }));
  return bodyBytes(r.Body);
}

test('whole objects and ranges at package edges read back exact from the upstream store', async () => {
  const big = randomBytes(3 * P + 7);
  const small = randomBytes(5000);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: big, ...ssec }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small', Body: small, ...ssec }));
  assert.ok((await get('big')).equals(big));
  assert.ok((await get('small')).equals(small));
  for (const [first, last] of [[0, 0], [P - 1, P], [P, 2 * P - 1], [2 * P + 3, big.length - 1], [big.length - 1, big.length - 1]] as Array<[number, number]>) {
    assert.ok((await get('big', `bytes=${first}-${last}`)).equals(big.subarray(first, last + 1)), `bytes=${first}-${last}`);
  }
  assert.ok((await get('big', 'bytes=-10')).equals(big.subarray(big.length - 10)));
  assert.ok((await get('small', 'bytes=4000-')).equals(small.subarray(4000)));
});

test('a multipart object reads back whole and across its parts', async () => {
  const parts = [randomBytes(5 * MiB), randomBytes(MiB + 3)];
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ...ssec }));
  const etags: string[] = [];
  for (const [i, body] of parts.entries()) {
    const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId, PartNumber: i + 1, Body: body, ...ssec }));
    etags.push(r.ETag!);
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
  const whole = Buffer.concat(parts);
  assert.ok((await get('mp')).equals(whole));
  const first = 5 * MiB - 100;
  const last = 5 * MiB + 100;
  assert.ok((await get('mp', `bytes=${first}-${last}`)).equals(whole.subarray(first, last + 1)));
});

test('the upstream holds envelopes whose header declares the writer\'s package size', async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'header', Body: randomBytes(2 * P), ...ssec }));
  const listed = await up.send(new ListObjectsV2Command({ Bucket: blobsBucket }));
  assert.ok((listed.Contents ?? []).length > 0, 'blobs upstream');
  for (const { Key } of listed.Contents ?? []) {
    const head = await bodyBytes((await up.send(new GetObjectCommand({ Bucket: blobsBucket, Key: Key!, Range: `bytes=0-${HEADER_BYTES - 1}` }))).Body);
    assert.equal(packageBytesOf(head), P, Key);
  }
});
