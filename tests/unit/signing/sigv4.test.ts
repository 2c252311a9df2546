/**
 * SigV4 against AWS's published S3 examples (API Reference: sig-v4-header-based-auth,
 * sigv4-query-string-auth, sigv4-streaming, sigv4-streaming-trailers), with their exact canonical
 * requests, string-to-sign hashes and signatures; the signing-key derivation vector; the same
 * requests through the server's verifier and the SDK's signer; and must-fail cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { authenticate, signedHeaderView, type AuthRequest } from '../../../src/dialects/auth/index.js';
import { createAwsChunkedDecoder } from '../../../src/http/aws-chunked.js';
import { ObsClient } from '../../../src/sdk/index.js';
import { signRequest } from '../../../src/sdk/transport.js';
import {
  canonicalQueryV4,
  canonicalRequest,
  chunkStringToSign,
  credentialScope,
  EMPTY_SHA256,
  presignV4,
  sha256Hex,
  signatureV4,
  signingKeyV4,
  signV4,
  stringToSignV4,
  trailerStringToSign,
} from '../../../src/signing/index.js';
import { signV4With, type Sha256Primitives } from '../../../src/signing/sigv4-core.js';
import { nodeSha256 } from '../../../src/signing/sigv4.js';
import { AK, DATETIME, examples, HOST, NOW, PRESIGNED_QUERY, PRESIGNED_SIGNATURE, publishedSignedHeaders, SCOPE, SIGNING_KEY_EXAMPLE, SK, type HeaderExample } from '../../vectors/signing/sigv4-examples.js';

const KEY = signingKeyV4(SK, '20130524', 'us-east-1', 's3');
const lookup = (id: string): string | undefined => (id === AK ? SK : undefined);

/** A predicate for assert.throws / assert.rejects: an ObscuraError with this table code. */
function code(expected: string): (e: unknown) => boolean {
  return (e) => {
    assert.equal((e as { code?: unknown }).code, expected, String(e));
    return true;
  };
}

function stsOf(creq: string): string {
  return `AWS4-HMAC-SHA256\n${DATETIME}\n${SCOPE}\n${sha256Hex(creq)}`;
}

// ---- signing key ----

test('the signing key derivation matches the AWS published vector (20120215/us-east-1/iam)', () => {
  const { secret, date, region, service, keyHex } = SIGNING_KEY_EXAMPLE;
  assert.equal(signingKeyV4(secret, date, region, service).toString('hex'), keyHex);
});

test('the credential scope of the S3 examples is 20130524/us-east-1/s3/aws4_request', () => {
  assert.equal(credentialScope('20130524', 'us-east-1', 's3'), SCOPE);
});

// ---- header-based examples (sig-v4-header-based-auth.html) ----

/** The Authorization header exactly as the AWS documentation prints it (no spaces after commas). */
function publishedAuthorization(ex: Pick<HeaderExample, 'signedHeaders' | 'signature'>): string {
  return `AWS4-HMAC-SHA256 Credential=${AK}/${SCOPE},SignedHeaders=${ex.signedHeaders.join(';')},Signature=${ex.signature}`;
}

function requestOf(ex: HeaderExample, over: { headers?: IncomingHttpHeaders; rawPath?: string; rawQuery?: string; method?: string; authorization?: string } = {}): AuthRequest {
  return {
    method: over.method ?? ex.method,
    rawPath: over.rawPath ?? ex.rawPath,
    rawQuery: over.rawQuery ?? ex.rawQuery,
    headers: { ...ex.headers, authorization: over.authorization ?? publishedAuthorization(ex), ...over.headers },
  };
}

for (const ex of examples) {
  test(`${ex.name}: the canonical request is the published one`, () => {
    const creq = canonicalRequest({ method: ex.method, canonicalUri: ex.canonicalUri, canonicalQuery: canonicalQueryV4(ex.query), headers: ex.headers, signedHeaders: ex.signedHeaders, payloadHash: ex.payloadHash });
    assert.equal(creq, ex.canonicalRequest);
    assert.equal(sha256Hex(creq), ex.stringToSignHash);
  });

  test(`${ex.name}: the string to sign and signature are the published ones (${ex.signature.slice(0, 8)}…)`, () => {
    const sts = stringToSignV4(DATETIME, SCOPE, ex.canonicalRequest);
    assert.equal(sts, `AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n${ex.stringToSignHash}`);
    assert.equal(signatureV4(KEY, sts), ex.signature);
  });

  test(`${ex.name}: the server's verifier accepts the published Authorization header`, () => {
    const result = authenticate(requestOf(ex), lookup, NOW);
    assert.deepEqual(result, { accessKeyId: AK, scheme: 'v4-header', dialect: 's3', payload: { kind: 'sha256', hex: ex.payloadHash }, region: 'us-east-1', service: 's3' });
  });
}

test('signV4 (the signer the SDK uses) reproduces each published Authorization header', () => {
  const inputs: Array<[HeaderExample, Record<string, string>]> = [
    [examples[0]!, { host: HOST, range: 'bytes=0-9' }],
    [examples[1]!, { host: HOST, date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' }],
    [examples[2]!, { host: HOST }],
    [examples[3]!, { host: HOST }],
  ];
  for (const [ex, headers] of inputs) {
    const signed = signV4({ method: ex.method, canonicalUri: ex.canonicalUri, query: ex.query, headers, payloadHash: ex.payloadHash, accessKeyId: AK, secretAccessKey: SK, region: 'us-east-1', service: 's3', nowMs: NOW });
    assert.deepEqual(signed, publishedSignedHeaders(ex), ex.name);
  }
});

test('a signer derives the signing key once per secret, day, region and service (four HMACs), keeps each, and signs the same with it', () => {
  let hmacs = 0;
  const counting: Sha256Primitives = { sha256Hex: nodeSha256.sha256Hex, hmacSha256: (key, text) => (hmacs++, nodeSha256.hmacSha256(key, text)) };
  const ex = examples[2]!;
  const input = { method: ex.method, canonicalUri: ex.canonicalUri, query: ex.query, headers: { host: HOST }, payloadHash: ex.payloadHash, accessKeyId: AK, secretAccessKey: SK, region: 'us-east-1', service: 's3', nowMs: NOW };
  const sign = (change: Partial<typeof input> = {}): { signed: Record<string, string>; hmacs: number } => {
    hmacs = 0;
    const signed = signV4With(counting, { ...input, ...change });
    return { signed, hmacs };
  };
  const first = sign();
  assert.deepEqual(first, { signed: publishedSignedHeaders(ex), hmacs: 5 });
  assert.deepEqual(sign(), { signed: publishedSignedHeaders(ex), hmacs: 1 }, 'the second request reuses the key');
  for (const change of [{ secretAccessKey: SK + 'x' }, { nowMs: NOW + 86_400_000 }, { region: 'eu-west-1' }, { service: 'kms' }]) {
    const other = sign(change);
    assert.equal(other.hmacs, 5, JSON.stringify(Object.keys(change)));
    assert.notEqual(other.signed['authorization'], first.signed['authorization']);
    assert.deepEqual(sign(), { signed: publishedSignedHeaders(ex), hmacs: 1 }, 'and back: the original key, still kept, not mixed up with the other');
  }
});

// ---- the SDK's signing entry (src/sdk/transport.ts signRequest) ----

test('the SDK signs GET Bucket Lifecycle with the published signature fea454ca…', () => {
  const headers = signRequest({ accessKeyId: AK, secretAccessKey: SK, region: 'us-east-1' }, { method: 'GET', bucket: 'examplebucket', query: [['lifecycle', '']], signature: 'v4', virtualHosted: true }, HOST, {}, EMPTY_SHA256, NOW);
  assert.deepEqual(headers, {
    host: HOST,
    'x-amz-date': DATETIME,
    'x-amz-content-sha256': EMPTY_SHA256,
    authorization: `AWS4-HMAC-SHA256 Credential=${AK}/${SCOPE}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543`,
  });
});

test('the SDK signs GET Bucket (List Objects) with the published signature 34b48302…', () => {
  const headers = signRequest({ accessKeyId: AK, secretAccessKey: SK, region: 'us-east-1' }, { method: 'GET', bucket: 'examplebucket', query: [['max-keys', '2'], ['prefix', 'J']], signature: 'v4', virtualHosted: true }, HOST, {}, EMPTY_SHA256, NOW);
  assert.equal(headers['authorization'], `AWS4-HMAC-SHA256 Credential=${AK}/${SCOPE}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7`);
});

test('the SDK leaves Range unsigned, so its GET Object differs from the published one yet verifies', () => {
  const headers = signRequest({ accessKeyId: AK, secretAccessKey: SK, region: 'us-east-1' }, { method: 'GET', bucket: 'examplebucket', key: 'test.txt', signature: 'v4', virtualHosted: true }, HOST, { range: 'bytes=0-9' }, EMPTY_SHA256, NOW);
  const creq = canonicalRequest({ method: 'GET', canonicalUri: '/test.txt', canonicalQuery: '', headers, signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'], payloadHash: EMPTY_SHA256 });
  assert.equal(headers['authorization'], `AWS4-HMAC-SHA256 Credential=${AK}/${SCOPE}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${signatureV4(KEY, stsOf(creq))}`);
  const result = authenticate({ method: 'GET', rawPath: '/test.txt', rawQuery: '', headers }, lookup, NOW);
  assert.equal(result.scheme, 'v4-header');
});

// ---- must-fail through the verifier ----

const getObject = examples[0]!;
const listObjects = examples[3]!;
const mustFail: Array<[string, AuthRequest, string, number?]> = [
  ['a changed signed header value (Range bytes=0-10)', requestOf(getObject, { headers: { range: 'bytes=0-10' } }), 'SignatureDoesNotMatch'],
  ['a changed Host', requestOf(getObject, { headers: { host: 'otherbucket.s3.amazonaws.com' } }), 'SignatureDoesNotMatch'],
  ['a changed x-amz-date within the same day', requestOf(getObject, { headers: { 'x-amz-date': '20130524T000001Z' } }), 'SignatureDoesNotMatch'],
  ['a changed query value (prefix=K)', requestOf(listObjects, { rawQuery: 'max-keys=2&prefix=K' }), 'SignatureDoesNotMatch'],
  ['an added query parameter', requestOf(listObjects, { rawQuery: 'max-keys=2&prefix=J&marker=a' }), 'SignatureDoesNotMatch'],
  ['a dropped query parameter', requestOf(listObjects, { rawQuery: 'prefix=J' }), 'SignatureDoesNotMatch'],
  ['a changed payload hash', requestOf(getObject, { headers: { 'x-amz-content-sha256': sha256Hex('x') } }), 'SignatureDoesNotMatch'],
  ['UNSIGNED-PAYLOAD instead of the signed hash', requestOf(getObject, { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }), 'SignatureDoesNotMatch'],
  ['a changed path', requestOf(getObject, { rawPath: '/test.txu' }), 'SignatureDoesNotMatch'],
  ['a changed method', requestOf(getObject, { method: 'HEAD' }), 'SignatureDoesNotMatch'],
  ['one flipped signature digit', requestOf(getObject, { authorization: publishedAuthorization({ ...getObject, signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb42' }) }), 'SignatureDoesNotMatch'],
  ['a wrong scope region (eu-west-1)', requestOf(getObject, { authorization: publishedAuthorization(getObject).replace('/us-east-1/', '/eu-west-1/') }), 'SignatureDoesNotMatch'],
  ['a wrong scope service (iam)', requestOf(getObject, { authorization: publishedAuthorization(getObject).replace('/s3/', '/iam/') }), 'SignatureDoesNotMatch'],
  ['a wrong scope date (20130525)', requestOf(getObject, { authorization: publishedAuthorization(getObject).replace('/20130524/', '/20130525/') }), 'AuthorizationHeaderMalformed'],
  ['a scope without aws4_request', requestOf(getObject, { authorization: publishedAuthorization(getObject).replace('/aws4_request', '/aws5_request') }), 'AuthorizationHeaderMalformed'],
  ['unsorted SignedHeaders', requestOf(getObject, { authorization: publishedAuthorization(getObject).replace('host;range', 'range;host') }), 'AuthorizationHeaderMalformed'],
  ['SignedHeaders without host', requestOf(getObject, { authorization: publishedAuthorization({ ...getObject, signedHeaders: ['range', 'x-amz-content-sha256', 'x-amz-date'] }) }), 'AuthorizationHeaderMalformed'],
  ['an unknown access key', requestOf(getObject, { authorization: publishedAuthorization(getObject).replace(AK, 'AKIAUNKNOWN000000000') }), 'InvalidAccessKeyId'],
  ['a clock 16 minutes ahead of the request', requestOf(getObject), 'RequestTimeTooSkewed', NOW + 16 * 60 * 1000],
];

for (const [what, req, expected, now] of mustFail) {
  test(`the SigV4 verifier rejects ${what} with ${expected}`, () => {
    assert.throws(() => authenticate(req, lookup, now ?? NOW), code(expected));
  });
}

test('the SigV4 verifier rejects the published request under a wrong secret', () => {
  assert.throws(() => authenticate(requestOf(getObject), () => 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ', NOW), code('SignatureDoesNotMatch'));
});

test('the SigV4 verifier never reuses a signing key derived from a secret that has since changed', () => {
  // Same access key, date, region and service: the cached signing key must not outlive its secret.
  assert.equal(authenticate(requestOf(getObject), lookup, NOW).scheme, 'v4-header');
  assert.throws(() => authenticate(requestOf(getObject), () => SK + 'changed', NOW), code('SignatureDoesNotMatch'));
  assert.equal(authenticate(requestOf(getObject), lookup, NOW).scheme, 'v4-header', 'and the old secret works again');
});

test('the SigV4 verifier rejects an x-amz-* header that is not in SignedHeaders (S3: AccessDenied, HeadersNotSigned)', () => {
  assert.throws(
    () => authenticate(requestOf(getObject, { headers: { 'x-amz-meta-added': 'by a man in the middle' } }), lookup, NOW),
    (e: { code?: string; detail?: { extra?: Record<string, string> } }) => e.code === 'AccessDenied' && e.detail?.extra?.['HeadersNotSigned'] === 'x-amz-meta-added',
  );
});

// A signed header sent twice: SigV4 canonicalizes the values joined by "," (no whitespace).
const DUP_CREQ =
  'PUT\n/dup.txt\n\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n' +
  'x-amz-date:20130524T000000Z\nx-amz-meta-tag:one,two\n\nhost;x-amz-content-sha256;x-amz-date;x-amz-meta-tag\n' +
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function duplicateHeaderRequest(tag: string | string[]): AuthRequest {
  const signature = signatureV4(KEY, stsOf(DUP_CREQ));
  return {
    method: 'PUT',
    rawPath: '/dup.txt',
    rawQuery: '',
    headers: {
      host: HOST,
      'x-amz-content-sha256': EMPTY_SHA256,
      'x-amz-date': DATETIME,
      'x-amz-meta-tag': tag,
      authorization: `AWS4-HMAC-SHA256 Credential=${AK}/${SCOPE},SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-meta-tag,Signature=${signature}`,
    },
  };
}

test('a repeated signed header given as separate values is canonicalized as "one,two"', () => {
  assert.equal(authenticate(duplicateHeaderRequest(['one', 'two']), lookup, NOW).scheme, 'v4-header');
});

test('a repeated signed header verifies through the server\'s header view (Node would join it as "one, two")', () => {
  const req = duplicateHeaderRequest('unused');
  const distinct = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, k === 'x-amz-meta-tag' ? ['one', 'two'] : [v as string]]));
  assert.equal(authenticate({ ...req, headers: signedHeaderView({ headersDistinct: distinct }) }, lookup, NOW).scheme, 'v4-header');
  assert.throws(() => authenticate(duplicateHeaderRequest('one, two'), lookup, NOW), code('SignatureDoesNotMatch'));
});

// ---- presigned URL (sigv4-query-string-auth.html) ----

test('the presigned GET example: canonical request, string-to-sign hash and signature are the published ones', () => {
  const creq = canonicalRequest({
    method: 'GET',
    canonicalUri: '/test.txt',
    canonicalQuery: canonicalQueryV4([
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Credential', `${AK}/${SCOPE}`],
      ['X-Amz-Date', DATETIME],
      ['X-Amz-Expires', '86400'],
      ['X-Amz-SignedHeaders', 'host'],
    ]),
    headers: { host: HOST },
    signedHeaders: ['host'],
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  assert.equal(creq, `GET\n/test.txt\n${PRESIGNED_QUERY}\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD`);
  assert.equal(sha256Hex(creq), '3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04');
  assert.equal(signatureV4(KEY, stsOf(creq)), PRESIGNED_SIGNATURE);
});

test('presignV4 produces the published presigned query, signature last', () => {
  const query = presignV4({ method: 'GET', canonicalUri: '/test.txt', query: [], headers: { host: HOST }, accessKeyId: AK, secretAccessKey: SK, region: 'us-east-1', service: 's3', nowMs: NOW, expiresSeconds: 86400 });
  assert.deepEqual(query, [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${AK}/${SCOPE}`],
    ['X-Amz-Date', DATETIME],
    ['X-Amz-Expires', '86400'],
    ['X-Amz-SignedHeaders', 'host'],
    ['X-Amz-Signature', PRESIGNED_SIGNATURE],
  ]);
});

test('the SDK createSignedUrl (signature v4) yields the published presigned URL', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: NOW });
  const client = new ObsClient({ accessKeyId: AK, secretAccessKey: SK, server: 'https://s3.amazonaws.com', signature: 'v4', region: 'us-east-1' });
  try {
    const { signedUrl, actualSignedRequestHeaders } = client.createSignedUrl({ method: 'GET', bucket: 'examplebucket', key: 'test.txt', expires: 86400 });
    assert.equal(signedUrl, `https://examplebucket.s3.amazonaws.com/test.txt?${PRESIGNED_QUERY}&X-Amz-Signature=${PRESIGNED_SIGNATURE}`);
    assert.deepEqual(actualSignedRequestHeaders, { host: HOST });
  } finally {
    client.close();
  }
});

function presigned(query: string, over: Partial<AuthRequest> = {}): AuthRequest {
  return { method: 'GET', rawPath: '/test.txt', rawQuery: query, headers: { host: HOST }, ...over };
}

test('the verifier accepts the published presigned URL within its lifetime', () => {
  const result = authenticate(presigned(`${PRESIGNED_QUERY}&X-Amz-Signature=${PRESIGNED_SIGNATURE}`), lookup, NOW + 86400 * 1000);
  assert.deepEqual(result, { accessKeyId: AK, scheme: 'v4-query', dialect: 's3', payload: { kind: 'unsigned' }, region: 'us-east-1', service: 's3' });
});

const presignedMustFail: Array<[string, AuthRequest, string, number]> = [
  ['one second after it expires', presigned(`${PRESIGNED_QUERY}&X-Amz-Signature=${PRESIGNED_SIGNATURE}`), 'AccessDenied', NOW + 86401 * 1000],
  ['with X-Amz-Expires changed to 86401', presigned(`${PRESIGNED_QUERY.replace('86400', '86401')}&X-Amz-Signature=${PRESIGNED_SIGNATURE}`), 'SignatureDoesNotMatch', NOW],
  ['with an added query parameter', presigned(`${PRESIGNED_QUERY}&versionId=1&X-Amz-Signature=${PRESIGNED_SIGNATURE}`), 'SignatureDoesNotMatch', NOW],
  ['for another object', presigned(`${PRESIGNED_QUERY}&X-Amz-Signature=${PRESIGNED_SIGNATURE}`, { rawPath: '/test.txt2' }), 'SignatureDoesNotMatch', NOW],
  ['for another host', presigned(`${PRESIGNED_QUERY}&X-Amz-Signature=${PRESIGNED_SIGNATURE}`, { headers: { host: 'evil.s3.amazonaws.com' } }), 'SignatureDoesNotMatch', NOW],
  ['with another method', presigned(`${PRESIGNED_QUERY}&X-Amz-Signature=${PRESIGNED_SIGNATURE}`, { method: 'PUT' }), 'SignatureDoesNotMatch', NOW],
  ['with X-Amz-Expires over seven days', presigned(`${PRESIGNED_QUERY.replace('86400', '604801')}&X-Amz-Signature=${PRESIGNED_SIGNATURE}`), 'AuthorizationQueryParametersError', NOW],
];

for (const [what, req, expected, now] of presignedMustFail) {
  test(`the verifier rejects the presigned URL ${what} with ${expected}`, () => {
    assert.throws(() => authenticate(req, lookup, now), code(expected));
  });
}

// ---- aws-chunked streaming upload (sigv4-streaming.html) ----

const STREAM_HEADERS = {
  host: 's3.amazonaws.com',
  'x-amz-date': DATETIME,
  'x-amz-storage-class': 'REDUCED_REDUNDANCY',
  'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'content-encoding': 'aws-chunked',
  'x-amz-decoded-content-length': '66560',
  'content-length': '66824',
};
const STREAM_SIGNED = ['content-encoding', 'content-length', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-decoded-content-length', 'x-amz-storage-class'];
const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const CHUNK_SIGNATURES = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];
const CHUNK_DATA = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a'), Buffer.alloc(0)];

function chunkedBody(signatures: string[], tail = '\r\n'): Buffer {
  const parts: Buffer[] = [];
  CHUNK_DATA.forEach((data, i) => {
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${signatures[i]}\r\n`), data);
    if (data.length > 0) parts.push(Buffer.from('\r\n'));
  });
  parts.push(Buffer.from(tail));
  return Buffer.concat(parts);
}

test('the streaming example: seed canonical request and seed signature are the published ones', () => {
  const creq = canonicalRequest({ method: 'PUT', canonicalUri: '/examplebucket/chunkObject.txt', canonicalQuery: '', headers: STREAM_HEADERS, signedHeaders: STREAM_SIGNED, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
  assert.equal(
    creq,
    'PUT\n/examplebucket/chunkObject.txt\n\ncontent-encoding:aws-chunked\ncontent-length:66824\nhost:s3.amazonaws.com\n' +
      'x-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\nx-amz-date:20130524T000000Z\nx-amz-decoded-content-length:66560\n' +
      'x-amz-storage-class:REDUCED_REDUNDANCY\n\n' +
      'content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class\n' +
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  );
  assert.equal(sha256Hex(creq), 'cee3fed04b70f867d036f722359b0b1f2f0e5dc0efadbc082b76c4c60e316455');
  assert.equal(signatureV4(KEY, stsOf(creq)), SEED);
});

test('the streaming example: the three chunk signatures chain from the seed as published', () => {
  assert.deepEqual(CHUNK_DATA.map((d) => sha256Hex(d)), [
    'bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a',
    '2edc986847e209b4016e141a6dc8716d3207350f416969382d431539bf292e4a',
    EMPTY_SHA256,
  ]);
  let previous = SEED;
  const got: string[] = [];
  for (const data of CHUNK_DATA) {
    previous = signatureV4(KEY, chunkStringToSign(DATETIME, SCOPE, previous, sha256Hex(data)));
    got.push(previous);
  }
  assert.deepEqual(got, CHUNK_SIGNATURES);
  assert.equal(
    chunkStringToSign(DATETIME, SCOPE, SEED, sha256Hex(CHUNK_DATA[0]!)),
    `AWS4-HMAC-SHA256-PAYLOAD\n${DATETIME}\n${SCOPE}\n${SEED}\n${EMPTY_SHA256}\nbf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a`,
  );
});

function streamingRequest(headers: Record<string, string>, signedHeaders: string[], signature: string): AuthRequest {
  return {
    method: 'PUT',
    rawPath: '/examplebucket/chunkObject.txt',
    rawQuery: '',
    headers: { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${AK}/${SCOPE},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}` },
  };
}

/** Feeds `pieces` with a macrotask between them, so the consumer sees whatever the decoder released so far. */
async function* paced(pieces: Buffer[]): AsyncGenerator<Buffer> {
  for (const piece of pieces) {
    yield piece;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function decodeWith(auth: ReturnType<typeof authenticate>, body: Buffer | Buffer[], trailerNames: string[] = []): Promise<{ data: Buffer; trailers: Record<string, string>; error?: unknown }> {
  assert.equal(auth.payload.kind, 'streaming-signed');
  if (auth.payload.kind !== 'streaming-signed') throw new Error('unreachable');
  const decoder = createAwsChunkedDecoder({ mode: 'signed', signingKey: auth.payload.signingKey, seedSignature: auth.payload.seedSignature, datetime: auth.payload.datetime, scope: auth.payload.scope, trailerNames, decodedLength: 66560 });
  const out: Buffer[] = [];
  try {
    for await (const chunk of Readable.from(paced(Array.isArray(body) ? body : [body])).pipe(decoder)) out.push(chunk as Buffer);
    return { data: Buffer.concat(out), trailers: decoder.trailers };
  } catch (error) {
    return { data: Buffer.concat(out), trailers: decoder.trailers, error };
  }
}

test('the verifier accepts the streaming seed and hands the decoder the published chain; the body decodes to 66560 bytes of "a"', async () => {
  const auth = authenticate(streamingRequest(STREAM_HEADERS, STREAM_SIGNED, SEED), lookup, NOW);
  assert.deepEqual(auth, {
    accessKeyId: AK,
    scheme: 'v4-header',
    dialect: 's3',
    payload: { kind: 'streaming-signed', trailer: false, seedSignature: SEED, signingKey: KEY, datetime: DATETIME, scope: SCOPE },
    region: 'us-east-1',
    service: 's3',
  });
  const { data, error } = await decodeWith(auth, chunkedBody(CHUNK_SIGNATURES));
  assert.equal(error, undefined);
  assert.deepEqual(data, Buffer.alloc(66560, 'a'));
});

test('a tampered second chunk signature is rejected by the decoder, after only the verified first chunk was released', async () => {
  const auth = authenticate(streamingRequest(STREAM_HEADERS, STREAM_SIGNED, SEED), lookup, NOW);
  const bad = chunkedBody([CHUNK_SIGNATURES[0]!, CHUNK_SIGNATURES[1]!.replace(/^00/, '01'), CHUNK_SIGNATURES[2]!]);
  // First piece: chunk 1 whole, then all of chunk 2 but its last byte (so chunk 2 is not yet verifiable).
  const cut = bad.indexOf('\r\n', 88 + 65536 + 2) + 2 + 1023;
  const { data, error } = await decodeWith(auth, [bad.subarray(0, cut), bad.subarray(cut)]);
  code('SignatureDoesNotMatch')(error);
  assert.deepEqual(data, Buffer.alloc(65536, 'a'));
});

test('a tampered final (empty) chunk signature is rejected by the decoder', async () => {
  const auth = authenticate(streamingRequest(STREAM_HEADERS, STREAM_SIGNED, SEED), lookup, NOW);
  const { error } = await decodeWith(auth, chunkedBody([CHUNK_SIGNATURES[0]!, CHUNK_SIGNATURES[1]!, CHUNK_SIGNATURES[0]!]));
  code('SignatureDoesNotMatch')(error);
});

test('the streaming seed is rejected when x-amz-decoded-content-length is changed', () => {
  assert.throws(() => authenticate(streamingRequest({ ...STREAM_HEADERS, 'x-amz-decoded-content-length': '66561' }, STREAM_SIGNED, SEED), lookup, NOW), code('SignatureDoesNotMatch'));
});

// ---- aws-chunked with a signed trailer (sigv4-streaming-trailers.html) ----

const TRAILER_HEADERS = {
  host: 's3.amazonaws.com',
  'x-amz-date': DATETIME,
  'x-amz-storage-class': 'REDUCED_REDUNDANCY',
  'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'content-encoding': 'aws-chunked',
  'x-amz-decoded-content-length': '66560',
  'x-amz-trailer': 'x-amz-checksum-crc32c',
};
// The published canonical request signs these seven (the page's Authorization line lists
// content-length instead of x-amz-trailer, which does not match its own canonical request).
const TRAILER_SIGNED = ['content-encoding', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-decoded-content-length', 'x-amz-storage-class', 'x-amz-trailer'];
const TRAILER_SEED = '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e';
const TRAILER_CHUNKS = [
  'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
  '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
  '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
];
const TRAILER_SIGNATURE = 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435';

test('the trailer example: seed, chunk and trailer signatures are the published ones', () => {
  const creq = canonicalRequest({ method: 'PUT', canonicalUri: '/examplebucket/chunkObject.txt', canonicalQuery: '', headers: TRAILER_HEADERS, signedHeaders: TRAILER_SIGNED, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' });
  assert.equal(sha256Hex(creq), '44d48b8c2f70eae815a0198cc73d7a546a73a93359c070abbaa5e6c7de112559');
  let previous = signatureV4(KEY, stsOf(creq));
  assert.equal(previous, TRAILER_SEED);
  const got: string[] = [];
  for (const data of CHUNK_DATA) {
    previous = signatureV4(KEY, chunkStringToSign(DATETIME, SCOPE, previous, sha256Hex(data)));
    got.push(previous);
  }
  assert.deepEqual(got, TRAILER_CHUNKS);
  const trailerHash = sha256Hex('x-amz-checksum-crc32c:sOO8/Q==\n');
  assert.equal(trailerHash, '1e376db7e1a34a8ef1c4bcee131a2d60a1cb62503747488624e10995f448d774');
  assert.equal(signatureV4(KEY, trailerStringToSign(DATETIME, SCOPE, previous, trailerHash)), TRAILER_SIGNATURE);
});

function trailerBody(trailerValue: string, trailerSignature: string): Buffer {
  return chunkedBody(TRAILER_CHUNKS, `x-amz-checksum-crc32c:${trailerValue}\r\nx-amz-trailer-signature:${trailerSignature}\r\n\r\n`);
}

test('the verifier and decoder accept the trailer example and yield the crc32c trailer sOO8/Q==', async () => {
  const auth = authenticate(streamingRequest(TRAILER_HEADERS, TRAILER_SIGNED, TRAILER_SEED), lookup, NOW);
  assert.equal(auth.payload.kind === 'streaming-signed' && auth.payload.trailer, true);
  const { data, trailers, error } = await decodeWith(auth, trailerBody('sOO8/Q==', TRAILER_SIGNATURE), ['x-amz-checksum-crc32c']);
  assert.equal(error, undefined);
  assert.deepEqual(data, Buffer.alloc(66560, 'a'));
  assert.deepEqual(trailers, { 'x-amz-checksum-crc32c': 'sOO8/Q==' });
});

test('a changed trailing checksum breaks the trailer signature', async () => {
  const auth = authenticate(streamingRequest(TRAILER_HEADERS, TRAILER_SIGNED, TRAILER_SEED), lookup, NOW);
  const { error } = await decodeWith(auth, trailerBody('AAAAAA==', TRAILER_SIGNATURE), ['x-amz-checksum-crc32c']);
  code('SignatureDoesNotMatch')(error);
});

test('a tampered trailer signature is rejected', async () => {
  const auth = authenticate(streamingRequest(TRAILER_HEADERS, TRAILER_SIGNED, TRAILER_SEED), lookup, NOW);
  const { error } = await decodeWith(auth, trailerBody('sOO8/Q==', TRAILER_SIGNATURE.replace(/^d8/, 'd9')), ['x-amz-checksum-crc32c']);
  code('SignatureDoesNotMatch')(error);
});

test('the signed-header view of real requests: Node\'s header object when no name repeats, lists when one does (Node keeps only the first of some)', async () => {
  const { createServer } = await import('node:http');
  const { connect } = await import('node:net');
  const views: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    views.push(signedHeaderView(req));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const send = (headerLines: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(`PUT /b/k HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n${headerLines.join('\r\n')}\r\n\r\n`));
      socket.on('data', () => undefined);
      socket.on('end', resolve);
      socket.on('error', reject);
    });
  try {
    await send(['X-Amz-Date: 20130524T000000Z', 'X-Amz-Meta-Tag:  spaced  ']);
    await send(['X-Amz-Meta-Tag: one', 'x-amz-meta-tag: two', 'Content-Type: text/plain', 'Content-Type: image/png']);
  } finally {
    server.close();
  }
  assert.deepEqual({ ...views[0] }, { host: '127.0.0.1', 'content-length': '0', connection: 'close', 'x-amz-date': '20130524T000000Z', 'x-amz-meta-tag': 'spaced' });
  assert.deepEqual({ ...views[1] }, { host: '127.0.0.1', 'content-length': '0', connection: 'close', 'x-amz-meta-tag': ['one', 'two'], 'content-type': ['text/plain', 'image/png'] });
});

test('must fail: a SignedHeaders list that is not lower-case names, each once, in order, with host', () => {
  const withSignedHeaders = (list: string): AuthRequest => {
    const req = duplicateHeaderRequest(['one', 'two']);
    const authorization = String(req.headers['authorization']).replace(/SignedHeaders=[^,]*/, `SignedHeaders=${list}`);
    return { ...req, headers: { ...req.headers, authorization } };
  };
  const refused = (list: string, message: RegExp): void =>
    assert.throws(() => authenticate(withSignedHeaders(list), lookup, NOW), (e: unknown) => code('AuthorizationHeaderMalformed')(e) && message.test((e as Error).message), list);
  refused('host;x-amz-date;x-amz-content-sha256', /must be sorted/);
  refused('x-amz-date;host', /must be sorted/);
  refused('host;host;x-amz-date', /malformed/);
  refused('x-amz-date;host;x-amz-date', /malformed/);
  refused('host;X-Amz-Date', /malformed/);
  refused('host;;x-amz-date', /malformed/);
  refused('', /malformed/);
  refused('x-amz-content-sha256;x-amz-date', /host header must be signed/);
  // The list as signed still verifies.
  assert.equal(authenticate(withSignedHeaders('host;x-amz-content-sha256;x-amz-date;x-amz-meta-tag'), lookup, NOW).scheme, 'v4-header');
});
