/** Routing table: (method, addressing, query, headers) → operation, path and virtual-host style. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { route } from '../../../src/routing/route.js';
import { resolveAddressing } from '../../../src/dialects/addressing.js';
import type { OperationName } from '../../../src/routing/operations.js';

type Row = [method: string, url: string, host: string, headers: string[], expected: OperationName];

const rows: Row[] = [
  ['GET', '/', '127.0.0.1:9000', [], 'ListBuckets'],
  ['HEAD', '/?apiversion', 'localhost', [], 'ApiVersion'],
  ['HEAD', '/?apiversion', 'bkt.localhost', [], 'ApiVersion'],
  ['POST', '/', '127.0.0.1', ['x-amz-target'], 'Kms'],
  ['PUT', '/bkt', '127.0.0.1', [], 'CreateBucket'],
  ['PUT', '/', 'bkt.localhost:9000', [], 'CreateBucket'],
  ['HEAD', '/bkt', '127.0.0.1', [], 'HeadBucket'],
  ['DELETE', '/bkt/', '127.0.0.1', [], 'DeleteBucket'],
  ['GET', '/bkt?location', '127.0.0.1', [], 'GetBucketLocation'],
  ['GET', '/?location', 'bkt.localhost', [], 'GetBucketLocation'],
  ['PUT', '/bkt?encryption', '127.0.0.1', [], 'PutBucketEncryption'],
  ['GET', '/bkt?encryption', '127.0.0.1', [], 'GetBucketEncryption'],
  ['DELETE', '/bkt?encryption', '127.0.0.1', [], 'DeleteBucketEncryption'],
  ['GET', '/bkt?list-type=2&prefix=a', '127.0.0.1', [], 'ListObjectsV2'],
  ['GET', '/bkt?prefix=a&delimiter=/', '127.0.0.1', [], 'ListObjects'],
  ['GET', '/', 'bkt.localhost', [], 'ListObjects'],
  ['GET', '/bkt?uploads', '127.0.0.1', [], 'ListMultipartUploads'],
  ['GET', '/bkt?versions', '127.0.0.1', [], 'ListObjectVersions'],
  ['GET', '/bkt?acl', '127.0.0.1', [], 'BucketSubresource'],
  ['PUT', '/bkt?versioning', '127.0.0.1', [], 'BucketSubresource'],
  ['POST', '/bkt?delete', '127.0.0.1', [], 'DeleteObjects'],
  ['POST', '/', 'bkt.localhost', ['content-type:multipart/form-data; boundary=x'], 'PostObject'],
  ['PUT', '/bkt/key', '127.0.0.1', [], 'PutObject'],
  ['PUT', '/key', 'bkt.localhost', [], 'PutObject'],
  ['PUT', '/bkt/key', '127.0.0.1', ['x-amz-copy-source'], 'CopyObject'],
  ['PUT', '/key', 'bkt.localhost', ['x-obs-copy-source'], 'CopyObject'],
  ['GET', '/bkt/key', '127.0.0.1', [], 'GetObject'],
  ['HEAD', '/bkt/key', '127.0.0.1', [], 'HeadObject'],
  ['DELETE', '/bkt/key', '127.0.0.1', [], 'DeleteObject'],
  ['POST', '/bkt/key?uploads', '127.0.0.1', [], 'CreateMultipartUpload'],
  ['PUT', '/bkt/key?partNumber=3&uploadId=UP1', '127.0.0.1', [], 'UploadPart'],
  ['PUT', '/obj.bin?partNumber=3&uploadId=UP1', 'bkt.obs.example', [], 'UploadPart'],
  ['PUT', '/bkt/key?partNumber=1&uploadId=UP1', '127.0.0.1', ['x-amz-copy-source'], 'UploadPartCopy'],
  ['POST', '/bkt/key?uploadId=UP1', '127.0.0.1', [], 'CompleteMultipartUpload'],
  ['DELETE', '/bkt/key?uploadId=UP1', '127.0.0.1', [], 'AbortMultipartUpload'],
  ['GET', '/bkt/key?uploadId=UP1', '127.0.0.1', [], 'ListParts'],
  ['GET', '/bkt/key?acl', '127.0.0.1', [], 'ObjectSubresource'],
  ['POST', '/bkt/key?append&position=0', '127.0.0.1', [], 'AppendObject'],
  ['GET', '/_obscura/metrics', '127.0.0.1:9000', [], 'GetServerMetrics'],
  ['HEAD', '/_obscura/metrics', '127.0.0.1:9000', [], 'HeadObject'],
  ['GET', '/_obscura/other', '127.0.0.1:9000', [], 'GetObject'],
  ['GET', '/console/metrics', '127.0.0.1:9000', [], 'GetObject'],
];

for (const [method, url, host, headers, expected] of rows) {
  test(`${method} ${url} (Host: ${host}) routes to ${expected}`, () => {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const domain = host.includes('obs.example') ? 'obs.example' : 'localhost';
    const addressing = resolveAddressing(path, host, domain);
    const headerMap = new Map(headers.map((h) => { const i = h.indexOf(':'); return i < 0 ? [h, ''] : [h.slice(0, i), h.slice(i + 1)]; }));
    const op = route({
      method,
      ...(addressing.bucket !== undefined ? { bucket: addressing.bucket } : {}),
      ...(addressing.key !== undefined ? { key: addressing.key } : {}),
      queryNames: query === '' ? [] : query.split('&').map((p) => p.split('=')[0]!),
      has: (h) => headerMap.has(h),
      ...(headerMap.get('content-type') !== undefined ? { contentType: headerMap.get('content-type')! } : {}),
    });
    assert.equal(op, expected);
  });
}

test('addressing decodes object names once and never normalises them', () => {
  assert.deepEqual(resolveAddressing('/bkt/..%2F..%2Fetc%2Fpasswd', '127.0.0.1:9000', 'localhost'), { bucket: 'bkt', key: '../../etc/passwd' });
  assert.deepEqual(resolveAddressing('/bkt/a//b/./c', '127.0.0.1', 'localhost'), { bucket: 'bkt', key: 'a//b/./c' });
  assert.deepEqual(resolveAddressing('/%2541', 'bkt.localhost', 'localhost'), { virtualBucket: 'bkt', bucket: 'bkt', key: '%41' });
  assert.deepEqual(resolveAddressing('/', 'BKT.LOCALHOST:80', 'localhost'), { virtualBucket: 'bkt', bucket: 'bkt' });
  assert.deepEqual(resolveAddressing('/', 'localhost:9000', 'localhost'), {});
  assert.throws(() => resolveAddressing('/bkt/%E0%A4%A', '127.0.0.1', 'localhost'), /percent-encoded/);
});
