/**
 * The browser console's SigV4 signer (console/src/api/signer.ts, @noble/hashes): AWS's published
 * signing-key, header and presigned vectors (the same ones the server's signer is held to), and
 * random requests: the same headers as the Node signer, the same Authorization as the SDK,
 * accepted by the server's verifier, with object names that survive the path intact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodePath, encodeQuery, nobleSha256, presignUrl, sha256Hex as browserSha256Hex, signRequest } from '../../../console/src/api/signer.js';
import { authenticate } from '../../../src/dialects/auth/index.js';
import { resolveAddressing } from '../../../src/dialects/addressing.js';
import { signRequest as sdkSignRequest } from '../../../src/sdk/transport.js';
import { canonicalQueryV4, canonicalRequest, sha256Hex, signV4, UNSIGNED_PAYLOAD } from '../../../src/signing/index.js';
import { signingKeyV4With, toHex } from '../../../src/signing/sigv4-core.js';
import { AK, DATETIME, examples, HOST, NOW, PRESIGNED_QUERY, PRESIGNED_SIGNATURE, publishedSignedHeaders, SCOPE, SIGNING_KEY_EXAMPLE, SK } from '../../vectors/signing/sigv4-examples.js';
import { params, unicodeText } from '../fuzz/fuzz-support.js';

const CREDENTIALS = { accessKey: AK, secretKey: SK, region: 'us-east-1' };
const ENDPOINT = new URL(`https://${HOST}`);
const lookup = (id: string): string | undefined => (id === AK ? SK : undefined);

test('the browser signer derives the published signing key (20120215/us-east-1/iam)', () => {
  const { secret, date, region, service, keyHex } = SIGNING_KEY_EXAMPLE;
  assert.equal(toHex(signingKeyV4With(nobleSha256, secret, date, region, service)), keyHex);
});

for (const ex of examples) {
  test(`${ex.name}: @noble/hashes reproduces the published string-to-sign hash and signature`, () => {
    const creq = canonicalRequest({ method: ex.method, canonicalUri: ex.canonicalUri, canonicalQuery: canonicalQueryV4(ex.query), headers: ex.headers, signedHeaders: ex.signedHeaders, payloadHash: ex.payloadHash });
    assert.equal(browserSha256Hex(creq), ex.stringToSignHash);
    const key = signingKeyV4With(nobleSha256, SK, '20130524', 'us-east-1', 's3');
    assert.equal(toHex(nobleSha256.hmacSha256(key, `AWS4-HMAC-SHA256\n${DATETIME}\n${SCOPE}\n${ex.stringToSignHash}`)), ex.signature);
  });
}

test('the browser signer reproduces the published Authorization headers of the examples that sign only host and x-amz-*', () => {
  for (const ex of examples.filter((e) => e.signedHeaders.every((h) => h === 'host' || h.startsWith('x-amz-')))) {
    const headers = signRequest({ method: ex.method, endpoint: ENDPOINT, path: ex.canonicalUri, query: ex.query, headers: {}, payloadHash: ex.payloadHash, service: 's3' }, CREDENTIALS, NOW);
    assert.deepEqual(headers, publishedSignedHeaders(ex), ex.name);
  }
});

test('the browser signer leaves Range and Date unsigned (browsers may alter them); the server accepts what it signs', () => {
  for (const ex of examples.filter((e) => e.signedHeaders.some((h) => h === 'range' || h === 'date'))) {
    const own = Object.fromEntries(Object.entries(ex.headers).filter(([name]) => name !== 'host' && name !== 'x-amz-date' && name !== 'x-amz-content-sha256'));
    const headers = signRequest({ method: ex.method, endpoint: ENDPOINT, path: ex.canonicalUri, query: ex.query, headers: own, payloadHash: ex.payloadHash, service: 's3' }, CREDENTIALS, NOW);
    const signedNames = /SignedHeaders=([^,]*)/.exec(headers['authorization']!)![1]!.split(';');
    assert.ok(!signedNames.includes('range') && !signedNames.includes('date'), `${ex.name}: ${signedNames.join(';')}`);
    assert.equal(authenticate({ method: ex.method, rawPath: ex.rawPath, rawQuery: ex.rawQuery, headers: { ...headers, host: HOST } }, lookup, NOW).accessKeyId, AK, ex.name);
  }
});

test('the browser presigns the published GET URL (86400 s), byte for byte', () => {
  const url = presignUrl({ method: 'GET', endpoint: ENDPOINT, path: '/test.txt', query: [] }, CREDENTIALS, NOW, 86400);
  assert.equal(url, `https://${HOST}/test.txt?${PRESIGNED_QUERY}&X-Amz-Signature=${PRESIGNED_SIGNATURE}`);
});

test('a KMS JSON call is signed for service kms over the body hash, x-amz-target signed, no x-amz-content-sha256', () => {
  const body = '{"KeyId":"alias/photos"}';
  const headers = signRequest({ method: 'POST', endpoint: new URL('http://127.0.0.1:9000'), path: '/', query: [], headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.DescribeKey' }, payloadHash: browserSha256Hex(body), service: 'kms' }, CREDENTIALS, NOW);
  assert.equal(headers['x-amz-content-sha256'], undefined);
  assert.match(headers['authorization']!, /Credential=AKIAIOSFODNN7EXAMPLE\/20130524\/us-east-1\/kms\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, /);
  const auth = authenticate({ method: 'POST', rawPath: '/', rawQuery: '', headers: { ...headers, host: '127.0.0.1:9000' } }, lookup, NOW, { bodySha256: sha256Hex(body) });
  assert.deepEqual([auth.accessKeyId, auth.service], [AK, 'kms']);
});

// ---- random requests ----

/** Object names as users write them: any Unicode, with the characters URLs treat specially. */
const objectName = fc
  .tuple(unicodeText(1, 30), fc.constantFrom('', ' ', '+', '%', '#', '?', '%20', 'a b/c', '/', '&=;', 'ü', '😀'), unicodeText(0, 10))
  .map(([a, b, c]) => `${a}${b}${c}`)
  .filter((k) => !/\p{Surrogate}/u.test(k) && !k.split('/').some((s) => s === '.' || s === '..'));
const queryPairs = fc.array(fc.tuple(fc.constantFrom('prefix', 'marker', 'list-type', 'delimiter', 'continuation-token', 'uploadId'), unicodeText(0, 12)), { maxLength: 3 });
const amzHeaders = fc.dictionary(fc.constantFrom('x-amz-meta-a', 'x-amz-meta-colour', 'x-amz-storage-class', 'x-amz-server-side-encryption'), fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((v) => v.trim()), { maxKeys: 3 });
const requestShape = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'HEAD', 'DELETE', 'POST'),
  key: objectName,
  query: queryPairs,
  headers: amzHeaders,
  payloadHash: fc.oneof(fc.constant(UNSIGNED_PAYLOAD), fc.string().map((s) => sha256Hex(s))),
  nowMs: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
});

test('for random requests the browser signer returns exactly what the Node signer returns', () => {
  fc.assert(
    fc.property(requestShape, (r) => {
      const input = { method: r.method, canonicalUri: encodePath('photos', r.key), query: r.query, headers: { host: '127.0.0.1:9000', ...r.headers }, payloadHash: r.payloadHash, accessKeyId: AK, secretAccessKey: SK, region: 'eu-west-3', service: 's3', nowMs: r.nowMs };
      const browser = signRequest({ method: r.method, endpoint: new URL('http://127.0.0.1:9000'), path: input.canonicalUri, query: r.query, headers: r.headers, payloadHash: r.payloadHash, service: 's3' }, { accessKey: AK, secretKey: SK, region: 'eu-west-3' }, r.nowMs);
      assert.deepEqual(browser, { ...r.headers, ...signV4(input) });
    }),
    params(0.5),
  );
});

test('for random requests the browser and the SDK compute the same Authorization, and the server accepts it for the same object name', () => {
  fc.assert(
    fc.property(requestShape, (r) => {
      const path = encodePath('photos', r.key);
      const browser = signRequest({ method: r.method, endpoint: new URL('http://127.0.0.1:9000'), path, query: r.query, headers: r.headers, payloadHash: r.payloadHash, service: 's3' }, CREDENTIALS, r.nowMs);
      const sdk = sdkSignRequest({ accessKeyId: AK, secretAccessKey: SK, region: 'us-east-1' }, { method: r.method, bucket: 'photos', key: r.key, query: r.query, signature: 'v4', virtualHosted: false }, '127.0.0.1:9000', { ...r.headers }, r.payloadHash, r.nowMs);
      assert.equal(browser['authorization'], sdk['authorization']);
      const rawQuery = encodeQuery(r.query);
      const auth = authenticate({ method: r.method, rawPath: path, rawQuery, headers: { ...browser, host: '127.0.0.1:9000' } }, lookup, r.nowMs);
      assert.equal(auth.accessKeyId, AK);
      assert.deepEqual(resolveAddressing(path, '127.0.0.1:9000', 'localhost'), { bucket: 'photos', key: r.key });
    }),
    params(0.5),
  );
});

test('object names with "." or ".." segments are refused (URL parsing would drop them), others keep every character', () => {
  for (const key of ['../x', 'a/./b', 'a/..', '.']) assert.throws(() => encodePath('b', key), /"\." or "\.\." segment/);
  assert.equal(encodePath('b', 'a b+c%d#e?f/ü😀'), '/b/a%20b%2Bc%25d%23e%3Ff/%C3%BC%F0%9F%98%80');
  assert.equal(encodePath('b', '...hidden/..x'), '/b/...hidden/..x');
});
