/**
 * The S3 dialect through @aws-sdk/client-s3 with its default settings (SigV4, checksums, streamed
 * bodies as aws-chunked with trailers) and its presigner, against the real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bodyBytes } from '../helpers/bodies.js';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { s3Client } from '../helpers/clients.js';
import { rawRequest } from '../helpers/raw.js';

let server: TestServer;
let s3: S3Client;

async function expectError(p: Promise<unknown>, code: string, status: number): Promise<void> {
  await assert.rejects(p, (e: { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.$metadata?.httpStatusCode, status, `status for ${code}`);
    if (code !== '') assert.equal(e.name === code || e.Code === code ? code : e.name, code);
    return true;
  });
}

async function newBucket(): Promise<string> {
  const bucket = uniqueBucket();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

before(async () => {
  server = await startTestServer();
  s3 = s3Client(server);
});

after(async () => {
  s3?.destroy();
  assert.equal(await server.stop(), 0, 'SIGTERM drains and exits 0');
  await server.cleanup();
});

describe('buckets', () => {
  test('create, list, head, locate and delete a bucket', async () => {
    const bucket = uniqueBucket();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const list = await s3.send(new ListBucketsCommand({}));
    assert.ok(list.Buckets?.some((b) => b.Name === bucket));
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    assert.ok(!loc.LocationConstraint);
    await expectError(s3.send(new CreateBucketCommand({ Bucket: bucket })), 'BucketAlreadyOwnedByYou', 409);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    await expectError(s3.send(new HeadBucketCommand({ Bucket: bucket })), '', 404);
  });

  test('a bucket created with a LocationConstraint reports it', async () => {
    const bucket = uniqueBucket();
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    assert.equal(loc.LocationConstraint, 'eu-west-1');
  });

  test('deleting a bucket that holds objects is refused with BucketNotEmpty', async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    await expectError(s3.send(new DeleteBucketCommand({ Bucket: bucket })), 'BucketNotEmpty', 409);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal((await bodyBytes(got.Body)).toString(), 'x');
  });

  test('invalid bucket names are refused', async () => {
    await expectError(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })), 'InvalidBucketName', 400);
  });
});

describe('objects', () => {
  test('put, get and head return the bytes, metadata and standard headers', async () => {
    const bucket = await newBucket();
    const data = randomBytes(100_000);
    const put = await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: 'dir/a b+c%.bin', Body: data, ContentType: 'application/x-test',
      Metadata: { color: 'blue', 'two-words': 'hello world' }, CacheControl: 'max-age=60', ContentDisposition: 'attachment',
    }));
    assert.equal(put.ETag, `"${createHash('md5').update(data).digest('hex')}"`, 'no SSE: the ETag is the MD5');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/a b+c%.bin' }));
    assert.deepEqual(await bodyBytes(got.Body), data);
    assert.equal(got.ContentType, 'application/x-test');
    assert.equal(got.Metadata?.['color'], 'blue');
    assert.equal(got.Metadata?.['two-words'], 'hello world');
    assert.equal(got.CacheControl, 'max-age=60');
    assert.equal(got.ContentDisposition, 'attachment');
    assert.equal(got.ContentLength, data.length);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/a b+c%.bin' }));
    assert.equal(head.ContentLength, data.length);
    assert.equal(head.ETag, put.ETag);
    assert.ok(head.LastModified instanceof Date);
  });

  test('object names are stored and returned exactly, path tricks included', async () => {
    const bucket = await newBucket();
    const names = ['../../etc/passwd', '..', './x', 'a//b', '%2F%41', 'sp ace', 'ünïcødé/日本語/😀', 'q?x=1&y', '#hash', 'x'.repeat(1024)];
    for (const [i, key] of names.entries()) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `v${i}` }));
    for (const [i, key] of names.entries()) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal((await bodyBytes(got.Body)).toString(), `v${i}`, key.slice(0, 40));
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(new Set(listed.Contents?.map((c) => c.Key)), new Set(names));
    await expectError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'y'.repeat(1025), Body: 'z' })), 'KeyTooLongError', 400);
  });

  test('ranges: bounded, open, suffix, past the end, and 416 when unsatisfiable', async () => {
    const bucket = await newBucket();
    const data = randomBytes(200_000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'r', Body: data }));
    const cases: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      ['bytes=10-99', 10, 99],
      ['bytes=65530-65545', 65530, 65545],
      ['bytes=150000-', 150000, data.length - 1],
      ['bytes=-100', data.length - 100, data.length - 1],
      ['bytes=199990-300000', 199990, data.length - 1],
      ['bytes=-300000', 0, data.length - 1],
    ];
    for (const [range, first, last] of cases) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'r', Range: range }));
      assert.deepEqual(await bodyBytes(got.Body), data.subarray(first, last + 1), range);
      assert.equal(got.ContentRange, `bytes ${first}-${last}/${data.length}`);
    }
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'r', Range: 'bytes=200000-' })), 'InvalidRange', 416);
  });

  test('conditional GETs: If-None-Match 304, If-Match 412, If-Modified-Since, If-Unmodified-Since', async () => {
    const bucket = await newBucket();
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'c', Body: 'cond' }));
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfNoneMatch: put.ETag })), '', 304);
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfMatch: '"0000"' })), 'PreconditionFailed', 412);
    const ok = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfMatch: put.ETag }));
    assert.equal((await bodyBytes(ok.Body)).toString(), 'cond');
    const future = new Date(Date.now() + 3600_000);
    const past = new Date(Date.now() - 3600_000);
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfModifiedSince: new Date() })), '', 304);
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfUnmodifiedSince: past })), 'PreconditionFailed', 412);
    const fresh = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfModifiedSince: past, IfUnmodifiedSince: future }));
    assert.equal((await bodyBytes(fresh.Body)).toString(), 'cond');
  });

  test('response-* overrides change the answered headers', async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'o', Body: 'x', ContentType: 'text/plain' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'o', ResponseContentType: 'image/png', ResponseContentDisposition: 'inline; filename="x.png"', ResponseCacheControl: 'no-cache' }));
    assert.equal(got.ContentType, 'image/png');
    assert.equal(got.ContentDisposition, 'inline; filename="x.png"');
    assert.equal(got.CacheControl, 'no-cache');
  });

  test('a wrong Content-MD5 or checksum is refused with BadDigest and stores nothing, small body or streamed', async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'm', Body: 'old' }));
    // 3 bytes are read whole and checked before anything is sealed; 100 KiB streams and is checked at its end.
    for (const body of [Buffer.from('new'), randomBytes(100 * 1024)]) {
      await expectError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'm', Body: body, ContentMD5: createHash('md5').update('other').digest('base64') })), 'BadDigest', 400);
      await expectError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'm', Body: body, ChecksumCRC32C: 'AAAAAA==' })), 'BadDigest', 400);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'm' }));
      assert.equal((await bodyBytes(got.Body)).toString(), 'old');
      const right = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `ok-${body.length}`, Body: body, ContentMD5: createHash('md5').update(body).digest('base64') }));
      assert.equal(right.ETag, `"${createHash('md5').update(body).digest('hex')}"`);
    }
  });

  test('checksums are verified, stored and returned with ChecksumMode', async () => {
    const bucket = await newBucket();
    const data = Buffer.from('checksum me');
    for (const alg of ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'] as const) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: alg, Body: data, ChecksumAlgorithm: alg }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: alg, ChecksumMode: 'ENABLED' }));
      assert.deepEqual(await bodyBytes(got.Body), data);
      const field = `Checksum${alg}` as 'ChecksumCRC32';
      assert.ok(got[field], `${alg} returned`);
    }
    const sha = createHash('sha256').update(data).digest('base64');
    const got = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'SHA256', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumSHA256, sha);
    await expectError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad', Body: data, ChecksumSHA256: createHash('sha256').update('x').digest('base64') })), 'BadDigest', 400);
  });

  test('a streamed body (aws-chunked, unsigned payload with a trailing checksum) is stored exactly', async () => {
    const bucket = await newBucket();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const stream = Readable.from((function* () {
      for (let i = 0; i < data.length; i += 100_000) yield data.subarray(i, i + 100_000);
    })());
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'streamed', Body: stream, ContentLength: data.length }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'streamed' }));
    assert.deepEqual(await bodyBytes(got.Body), data);
  });

  test('delete and delete-objects, quiet and verbose', async () => {
    const bucket = await newBucket();
    for (const k of ['a', 'b', 'c', 'd']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'never-existed' }));
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'b' }, { Key: 'c' }, { Key: 'zz' }] } }));
    assert.deepEqual(res.Deleted?.map((d) => d.Key).sort(), ['b', 'c', 'zz']);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'd' }], Quiet: true } }));
    assert.equal(quiet.Deleted, undefined);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.equal(listed.KeyCount, 0);
    await expectError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a' })), 'NoSuchKey', 404);
  });

  test('delete-objects and tagging keep spaces at the ends of names and values (found by fuzzing)', async () => {
    const bucket = await newBucket();
    for (const k of [' spaced ', 'spaced']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'spaced', Tagging: { TagSet: [{ Key: ' k ', Value: ' v ' }] } }));
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'spaced' }));
    assert.deepEqual(tags.TagSet, [{ Key: ' k ', Value: ' v ' }]);
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: ' spaced ' }] } }));
    assert.deepEqual(res.Deleted?.map((d) => d.Key), [' spaced ']);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(listed.Contents?.map((c) => c.Key), ['spaced']);
  });

  test('copy: COPY and REPLACE directives, awkward names, copy to itself needs REPLACE', async () => {
    const bucket = await newBucket();
    const other = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src dir/a+b ü.txt', Body: 'copy me', ContentType: 'text/plain', Metadata: { m: '1' } }));
    const source = `${bucket}/${encodeURIComponent('src dir/a+b ü.txt')}`;
    await s3.send(new CopyObjectCommand({ Bucket: other, Key: 'c1', CopySource: source }));
    const c1 = await s3.send(new GetObjectCommand({ Bucket: other, Key: 'c1' }));
    assert.equal((await bodyBytes(c1.Body)).toString(), 'copy me');
    assert.equal(c1.ContentType, 'text/plain');
    assert.equal(c1.Metadata?.['m'], '1');
    await s3.send(new CopyObjectCommand({ Bucket: other, Key: 'c2', CopySource: '/' + source, MetadataDirective: 'REPLACE', ContentType: 'text/x-new', Metadata: { n: '2' } }));
    const c2 = await s3.send(new HeadObjectCommand({ Bucket: other, Key: 'c2' }));
    assert.equal(c2.ContentType, 'text/x-new');
    assert.deepEqual(c2.Metadata, { n: '2' });
    await expectError(s3.send(new CopyObjectCommand({ Bucket: other, Key: 'c1', CopySource: `${other}/c1` })), 'InvalidRequest', 400);
    await s3.send(new CopyObjectCommand({ Bucket: other, Key: 'c1', CopySource: `${other}/c1`, MetadataDirective: 'REPLACE', Metadata: { self: 'yes' } }));
    const self = await s3.send(new GetObjectCommand({ Bucket: other, Key: 'c1' }));
    assert.equal((await bodyBytes(self.Body)).toString(), 'copy me');
    assert.equal(self.Metadata?.['self'], 'yes');
    await expectError(s3.send(new CopyObjectCommand({ Bucket: other, Key: 'x', CopySource: `${bucket}/missing` })), 'NoSuchKey', 404);
  });
});

describe('tagging', () => {
  test('tags set with x-amz-tagging, read, replaced, copied and deleted', async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 't', Body: 'x', Tagging: 'team=blue&env=prod' }));
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 't' }));
    assert.deepEqual(Object.fromEntries(got.TagSet!.map((t) => [t.Key, t.Value])), { team: 'blue', env: 'prod' });
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 't', Tagging: { TagSet: [{ Key: 'only', Value: 'one' }] } }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 't' }))).TagSet, [{ Key: 'only', Value: 'one' }]);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'c', CopySource: `${bucket}/t` }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'c' }))).TagSet, [{ Key: 'only', Value: 'one' }]);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 't' }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 't' }))).TagSet ?? [], []);
    assert.equal((await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 't' }))).Body)).toString(), 'x');
    await expectError(s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 't', Tagging: { TagSet: Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) } })), 'InvalidArgument', 400);
  });
});

describe('listing', () => {
  test('v1 and v2 with prefix, delimiter, markers, tokens, start-after and url encoding', async () => {
    const bucket = await newBucket();
    const keys = ['a/1', 'a/2', 'a/b/3', 'b/1', 'c', 'd e', 'é'];
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
    const all = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(all.Contents?.map((c) => c.Key), keys);
    const delim = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    assert.deepEqual(delim.CommonPrefixes?.map((p) => p.Prefix), ['a/', 'b/']);
    assert.deepEqual(delim.Contents?.map((c) => c.Key), ['c', 'd e', 'é']);
    const nested = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a/', Delimiter: '/' }));
    assert.deepEqual(nested.Contents?.map((c) => c.Key), ['a/1', 'a/2']);
    assert.deepEqual(nested.CommonPrefixes?.map((p) => p.Prefix), ['a/b/']);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2, ...(token ? { ContinuationToken: token } : {}) }));
      seen.push(...(page.Contents?.map((c) => c.Key!) ?? []));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    assert.deepEqual(seen, keys);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'b/1' }));
    assert.deepEqual(after.Contents?.map((c) => c.Key), ['c', 'd e', 'é']);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: bucket, Marker: 'a/b/3', MaxKeys: 2 }));
    assert.deepEqual(v1.Contents?.map((c) => c.Key), ['b/1', 'c']);
    assert.equal(v1.IsTruncated, true);
    const v1d = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', MaxKeys: 1 }));
    assert.deepEqual(v1d.CommonPrefixes?.map((p) => p.Prefix), ['a/']);
    assert.equal(v1d.NextMarker, 'a/');
    const v1d2 = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', Marker: 'a/' }));
    assert.deepEqual(v1d2.CommonPrefixes?.map((p) => p.Prefix), ['b/']);
    const enc = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'd', EncodingType: 'url' }));
    assert.deepEqual(enc.Contents?.map((c) => c.Key), ['d%20e'], 'keys come back url-encoded');
  });
});

describe('multipart', () => {
  test('initiate, upload parts, list, complete with an -N ETag, and read back across parts', async () => {
    const bucket = await newBucket();
    const part1 = randomBytes(5 * 1024 * 1024);
    const part2 = randomBytes(1234);
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ContentType: 'application/x-mp', Metadata: { k: 'v' } }));
    const up1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: part1 }));
    const up2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 2, Body: part2 }));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    assert.ok(uploads.Uploads?.some((u) => u.UploadId === init.UploadId));
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId }));
    assert.deepEqual(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, part1.length, up1.ETag], [2, part2.length, up2.ETag]]);
    await expectError(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: up2.ETag }, { PartNumber: 1, ETag: up1.ETag }] } })), 'InvalidPartOrder', 400);
    await expectError(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"ffff"' }] } })), 'InvalidPart', 400);
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: up1.ETag }, { PartNumber: 2, ETag: up2.ETag }] } }));
    const md5s = Buffer.concat([up1.ETag!, up2.ETag!].map((e) => Buffer.from(e.replace(/"/g, ''), 'hex')));
    assert.equal(done.ETag, `"${createHash('md5').update(md5s).digest('hex')}-2"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp' }));
    assert.deepEqual(await bodyBytes(got.Body), Buffer.concat([part1, part2]));
    assert.equal(got.ContentType, 'application/x-mp');
    assert.equal(got.Metadata?.['k'], 'v');
    const across = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', Range: `bytes=${part1.length - 10}-${part1.length + 9}` }));
    assert.deepEqual(await bodyBytes(across.Body), Buffer.concat([part1, part2]).subarray(part1.length - 10, part1.length + 10));
    const second = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', PartNumber: 2 }));
    assert.deepEqual(await bodyBytes(second.Body), part2);
    await expectError(s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId })), 'NoSuchUpload', 404);
  });

  test('a part under 5 MiB that is not the last is refused with EntityTooSmall', async () => {
    const bucket = await newBucket();
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'small' }));
    const a = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'small', UploadId: init.UploadId, PartNumber: 1, Body: 'tiny' }));
    const b = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'small', UploadId: init.UploadId, PartNumber: 2, Body: 'tiny' }));
    await expectError(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'small', UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a.ETag }, { PartNumber: 2, ETag: b.ETag }] } })), 'EntityTooSmall', 400);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'small', UploadId: init.UploadId }));
    await expectError(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'small', UploadId: init.UploadId, PartNumber: 3, Body: 'late' })), 'NoSuchUpload', 404);
  });

  test('UploadPartCopy copies a byte range of another object', async () => {
    const bucket = await newBucket();
    const src = randomBytes(6 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: src }));
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'dst' }));
    const p1 = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'dst', UploadId: init.UploadId, PartNumber: 1, CopySource: `${bucket}/src`, CopySourceRange: `bytes=0-${5 * 1024 * 1024 - 1}` }));
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'dst', UploadId: init.UploadId, PartNumber: 2, CopySource: `${bucket}/src`, CopySourceRange: 'bytes=100-199' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'dst', UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult?.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag }] } }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dst' }));
    assert.deepEqual(await bodyBytes(got.Body), Buffer.concat([src.subarray(0, 5 * 1024 * 1024), src.subarray(100, 200)]));
  });
});

describe('authentication', () => {
  test('presigned GET and PUT URLs work, and an expired or altered one is refused', async () => {
    const bucket = await newBucket();
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'pre' }), { expiresIn: 60 });
    const put = await fetch(putUrl, { method: 'PUT', body: 'presigned body' });
    assert.equal(put.status, 200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'pre' }), { expiresIn: 60 });
    const got = await fetch(getUrl);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'presigned body');
    const altered = await fetch(getUrl.replace('pre?', 'prf?'));
    assert.equal(altered.status, 403);
    assert.match(await altered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'pre' }), { expiresIn: 1, signingDate: new Date(Date.now() - 60_000) });
    const res = await fetch(expired);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>AccessDenied<\/Code>/);
  });

  test('a wrong secret, an unknown access key and no credentials are refused with 403', async () => {
    const bucket = await newBucket();
    const wrong = s3Client(server, { secretKey: 'not-the-secret' });
    await expectError(wrong.send(new ListObjectsV2Command({ Bucket: bucket })), 'SignatureDoesNotMatch', 403);
    const unknown = s3Client(server, { accessKey: 'NOSUCHKEY0000000000' });
    await expectError(unknown.send(new ListObjectsV2Command({ Bucket: bucket })), 'InvalidAccessKeyId', 403);
    const anon = await fetch(`${server.httpUrl}/${bucket}`);
    assert.equal(anon.status, 403);
    const body = await anon.text();
    assert.match(body, /<Code>AccessDenied<\/Code>/);
    assert.match(body, /<RequestId>[0-9A-F]+<\/RequestId>/);
    assert.ok(anon.headers.get('x-amz-request-id'));
  });

  test('HEAD /?apiversion answers without authentication', async () => {
    const bucket = await newBucket();
    const svc = await fetch(`${server.httpUrl}/?apiversion`, { method: 'HEAD' });
    assert.equal(svc.status, 200);
    assert.equal(svc.headers.get('x-obs-api'), '3.0');
    const b = await rawRequest({ port: server.httpPort, method: 'HEAD', path: '/?apiversion', headers: { host: `${bucket}.localhost` } });
    assert.equal(b.status, 200);
    assert.equal(b.headers['x-obs-api'], '3.0');
    const missing = await rawRequest({ port: server.httpPort, method: 'HEAD', path: '/?apiversion', headers: { host: `no-such-bucket-zz.localhost:${server.httpPort}` } });
    assert.equal(missing.status, 404);
  });
});
