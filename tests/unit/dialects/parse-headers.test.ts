/** SSE header parsing: every way a request can get SSE-C or SSE-KMS parameters wrong, both dialects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseCopySource, parseCustomerKey, parseObjectMeta, parseSseRequest } from '../../../src/dialects/parse-headers.js';
import { obsDialect, s3Dialect, type Dialect } from '../../../src/dialects/dialect.js';
import type { WireRequest } from '../../../src/dialects/wire.js';

const key = Buffer.alloc(32, 7);
const keyB64 = key.toString('base64');
const md5 = createHash('md5').update(key).digest('base64');

function wire(headers: IncomingHttpHeaders): WireRequest {
  return { method: 'PUT', rawPath: '/b/k', rawQuery: '', query: new Map(), headers, isSecure: true, remoteAddress: '127.0.0.1' };
}

function ssec(d: Dialect, over: Record<string, string | undefined> = {}): IncomingHttpHeaders {
  const p = d.prefix;
  const h: Record<string, string | undefined> = {
    [p + 'server-side-encryption-customer-algorithm']: 'AES256',
    [p + 'server-side-encryption-customer-key']: keyB64,
    [p + 'server-side-encryption-customer-key-md5']: md5,
    ...over,
  };
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as IncomingHttpHeaders;
}

function invalidArgument(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: { code?: string; status?: number; message: string }) => {
    assert.equal(e.code, 'InvalidArgument');
    assert.equal(e.status, 400);
    assert.match(e.message, message);
    assert.ok(!e.message.includes(keyB64), 'the key is never echoed');
    return true;
  });
}

for (const d of [s3Dialect, obsDialect]) {
  const p = d.prefix;
  test(`${d.name}: a valid customer key parses, with its MD5`, () => {
    const r = parseSseRequest(wire(ssec(d)), d);
    assert.equal(r.kind, 'sse-c');
    if (r.kind === 'sse-c') {
      assert.deepEqual(r.customer.key, key);
      assert.equal(r.customer.keyMd5, md5);
    }
  });
  test(`${d.name}: SSE-C mistakes are 400 InvalidArgument and never echo the key`, () => {
    invalidArgument(() => parseSseRequest(wire(ssec(d, { [p + 'server-side-encryption-customer-algorithm']: 'AES128' })), d), /algorithm/);
    invalidArgument(() => parseSseRequest(wire(ssec(d, { [p + 'server-side-encryption-customer-algorithm']: undefined })), d), /algorithm/);
    invalidArgument(() => parseSseRequest(wire(ssec(d, { [p + 'server-side-encryption-customer-key']: undefined })), d), /secret key/);
    invalidArgument(() => parseSseRequest(wire(ssec(d, { [p + 'server-side-encryption-customer-key']: Buffer.alloc(16).toString('base64') })), d), /secret key was invalid/);
    invalidArgument(() => parseSseRequest(wire(ssec(d, { [p + 'server-side-encryption-customer-key']: '!!notbase64!!' })), d), /secret key was invalid/);
    invalidArgument(() => parseSseRequest(wire(ssec(d, { [p + 'server-side-encryption-customer-key-md5']: undefined })), d), /MD5/);
    invalidArgument(() => parseSseRequest(wire(ssec(d, { [p + 'server-side-encryption-customer-key-md5']: createHash('md5').update('x').digest('base64') })), d), /MD5/);
    invalidArgument(() => parseSseRequest(wire(ssec(d, { [p + 'server-side-encryption']: 'AES256' })), d), /incompatible/);
  });
  test(`${d.name}: copy-source keys parse on their own headers`, () => {
    const h: IncomingHttpHeaders = {
      [p + 'copy-source-server-side-encryption-customer-algorithm']: 'AES256',
      [p + 'copy-source-server-side-encryption-customer-key']: keyB64,
      [p + 'copy-source-server-side-encryption-customer-key-md5']: md5,
    };
    assert.deepEqual(parseCustomerKey(wire(h), d, 'copy-source')?.key, key);
    assert.equal(parseCustomerKey(wire(h), d, 'target'), undefined);
  });
}

test('modes: AES256 is SSE-S3/SSE-OBS; kms in OBS and aws:kms in S3; a key id without kms is refused', () => {
  assert.deepEqual(parseSseRequest(wire({ 'x-amz-server-side-encryption': 'AES256' }), s3Dialect), { kind: 'sse-s3' });
  assert.deepEqual(parseSseRequest(wire({ 'x-obs-server-side-encryption': 'AES256' }), obsDialect), { kind: 'sse-s3' });
  assert.deepEqual(parseSseRequest(wire({ 'x-obs-server-side-encryption': 'kms', 'x-obs-server-side-encryption-kms-key-id': 'k1' }), obsDialect), { kind: 'sse-kms', keyId: 'k1' });
  assert.deepEqual(parseSseRequest(wire({ 'x-amz-server-side-encryption': 'aws:kms' }), s3Dialect), { kind: 'sse-kms' });
  invalidArgument(() => parseSseRequest(wire({ 'x-amz-server-side-encryption': 'kms' }), s3Dialect), /not supported/);
  invalidArgument(() => parseSseRequest(wire({ 'x-amz-server-side-encryption-aws-kms-key-id': 'k1' }), s3Dialect), /requires the kms/);
  invalidArgument(() => parseSseRequest(wire({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-context': 'bm90IGpzb24=' }), s3Dialect), /context/);
  assert.deepEqual(parseSseRequest(wire({}), s3Dialect), { kind: 'none' });
});

test('copy source: fully percent-decoded, leading slash optional, versionId kept raw', () => {
  assert.deepEqual(parseCopySource('src%2Fdir%2Fa%20b.txt'), { bucket: 'src', key: 'dir/a b.txt' });
  assert.deepEqual(parseCopySource('/bkt/a%2Bb?versionId=v1'), { bucket: 'bkt', key: 'a+b', versionId: 'v1' });
  assert.deepEqual(parseCopySource('bkt/..%2F..%2Fx'), { bucket: 'bkt', key: '../../x' });
  for (const bad of ['', 'bkt', 'bkt/', '/', '%E0%A4%A']) assert.throws(() => parseCopySource(bad), /Copy Source/, bad);
});

test('user metadata: both prefixes in OBS, own prefix in S3, size limited', () => {
  const m = parseObjectMeta(wire({ 'x-obs-meta-a': '1', 'x-amz-meta-b': '2', 'content-type': 'text/plain' }), obsDialect);
  assert.deepEqual(m.user, { a: '1', b: '2' });
  assert.equal(m.contentType, 'text/plain');
  assert.deepEqual(parseObjectMeta(wire({ 'x-obs-meta-a': '1', 'x-amz-meta-b': '2' }), s3Dialect).user, { b: '2' });
  assert.throws(() => parseObjectMeta(wire({ 'x-amz-meta-big': 'x'.repeat(3000) }), s3Dialect), /metadata/);
  assert.equal(parseObjectMeta(wire({ 'content-encoding': 'aws-chunked' }), s3Dialect).contentEncoding, undefined);
  assert.equal(parseObjectMeta(wire({ 'content-encoding': 'aws-chunked,gzip' }), s3Dialect).contentEncoding, 'gzip');
});

test('user metadata named like Object.prototype members (x-amz-meta-__proto__) is kept as metadata', () => {
  const m = parseObjectMeta(wire({ 'x-amz-meta-__proto__': 'p', 'x-amz-meta-constructor': 'c' }), s3Dialect);
  assert.deepEqual(Object.entries(m.user), [['__proto__', 'p'], ['constructor', 'c']]);
  assert.deepEqual(Object.entries(JSON.parse(JSON.stringify(m)).user), [['__proto__', 'p'], ['constructor', 'c']]);
});
