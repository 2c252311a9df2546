/**
 * AWS Signature Version 2 against the examples of the S3 REST authentication document
 * (RESTAuthentication: "Authentication examples" and "Query string request authentication"),
 * with their exact strings to sign and signatures; the same requests through the server's
 * verifier and the SDK's signer; and must-fail cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { authenticate, signedHeaderView, type AuthRequest } from '../../../src/dialects/auth/index.js';
import { signRequest } from '../../../src/sdk/transport.js';
import { canonicalResourceV2, signV2, splitQuery, stringToSignV2 } from '../../../src/signing/index.js';

const AK = 'AKIAIOSFODNN7EXAMPLE';
const SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const lookup = (id: string): string | undefined => (id === AK ? SK : undefined);

function code(expected: string): (e: unknown) => boolean {
  return (e) => {
    assert.equal((e as { code?: unknown }).code, expected, String(e));
    return true;
  };
}

interface V2Example {
  name: string;
  method: string;
  /** Bucket named by the Host header (virtual-hosted or CNAME), if any. */
  virtualBucket?: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  /** Published string to sign and signature. */
  stringToSign: string;
  signature: string;
}

// The current document renamed johnsmith to awsexamplebucket1 but re-computed only the first
// signature; the other signatures it prints are still the johnsmith ones, so those examples are
// given here with their original bucket (the document before the rename).
const examples: V2Example[] = [
  {
    name: 'Object GET (current document, awsexamplebucket1)',
    method: 'GET',
    virtualBucket: 'awsexamplebucket1',
    rawPath: '/photos/puppy.jpg',
    rawQuery: '',
    headers: { host: 'awsexamplebucket1.us-west-1.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 19:36:42 +0000' },
    stringToSign: 'GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg',
    signature: 'qgk2+6Sv9/oM7G3qLEjTH1a1l1g=',
  },
  {
    name: 'Object GET (johnsmith)',
    method: 'GET',
    virtualBucket: 'johnsmith',
    rawPath: '/photos/puppy.jpg',
    rawQuery: '',
    headers: { host: 'johnsmith.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 19:36:42 +0000' },
    stringToSign: 'GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg',
    signature: 'bWq2s1WEIj+Ydj0vQ697zp+IXMU=',
  },
  {
    name: 'Object PUT',
    method: 'PUT',
    virtualBucket: 'johnsmith',
    rawPath: '/photos/puppy.jpg',
    rawQuery: '',
    headers: { host: 'johnsmith.s3.amazonaws.com', 'content-type': 'image/jpeg', 'content-length': '94328', date: 'Tue, 27 Mar 2007 21:15:45 +0000' },
    stringToSign: 'PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg',
    signature: 'MyyxeRY7whkBe+bq8fHCL/2kKUg=',
  },
  {
    name: 'List (prefix, max-keys and marker are not signed)',
    method: 'GET',
    virtualBucket: 'johnsmith',
    rawPath: '/',
    rawQuery: 'prefix=photos&max-keys=50&marker=puppy',
    headers: { host: 'johnsmith.s3.amazonaws.com', 'user-agent': 'Mozilla/5.0', date: 'Tue, 27 Mar 2007 19:42:41 +0000' },
    stringToSign: 'GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/',
    signature: 'htDYFYduRNen8P9ZfE/s9SuKy0U=',
  },
  {
    name: 'Fetch (?acl sub-resource)',
    method: 'GET',
    virtualBucket: 'johnsmith',
    rawPath: '/',
    rawQuery: 'acl',
    headers: { host: 'johnsmith.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 19:44:46 +0000' },
    stringToSign: 'GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl',
    signature: 'c2WLPFtWHVgbEmeEG93a4cG37dM=',
  },
  {
    name: 'Upload (CNAME bucket, Content-MD5, repeated x-amz-meta header)',
    method: 'PUT',
    virtualBucket: 'static.johnsmith.net',
    rawPath: '/db-backup.dat.gz',
    rawQuery: '',
    headers: {
      host: 'static.johnsmith.net:8080',
      'user-agent': 'curl/7.15.5',
      date: 'Tue, 27 Mar 2007 21:06:08 +0000',
      'x-amz-acl': 'public-read',
      'content-type': 'application/x-download',
      'content-md5': '4gJE4saaMU4BqNR0kLY+lw==',
      'x-amz-meta-reviewedby': ['joe@johnsmith.net', 'jane@johnsmith.net'],
      'x-amz-meta-filechecksum': '0x02661779',
      'x-amz-meta-checksumalgorithm': 'crc32',
      'content-disposition': 'attachment; filename=database.dat',
      'content-encoding': 'gzip',
      'content-length': '5913339',
    },
    stringToSign:
      'PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n' +
      'x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\n' +
      'x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n/static.johnsmith.net/db-backup.dat.gz',
    signature: 'ilyl83RwaSoYIEdixDQcA4OnAnc=',
  },
  {
    name: 'List all my buckets (service resource /)',
    method: 'GET',
    rawPath: '/',
    rawQuery: '',
    headers: { host: 's3.amazonaws.com', date: 'Wed, 28 Mar 2007 01:29:59 +0000' },
    stringToSign: 'GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/',
    signature: 'qGdzdERIC03wnaRNKh6OqZehG9s=',
  },
  {
    name: 'Unicode keys (path style, signed literally as sent)',
    method: 'GET',
    rawPath: '/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re',
    rawQuery: '',
    headers: { host: 's3.amazonaws.com', date: 'Wed, 28 Mar 2007 01:49:49 +0000' },
    stringToSign: 'GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re',
    signature: 'DNEZGsoieTZ92F3bUfSPQcbGmlM=',
  },
];

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

function stsFor(ex: V2Example, over: Partial<V2Example> = {}): string {
  const e = { ...ex, ...over };
  const resourcePath = (e.virtualBucket !== undefined ? `/${e.virtualBucket}` : '') + e.rawPath;
  return stringToSignV2({
    method: e.method,
    contentMd5: header(e.headers, 'content-md5'),
    contentType: header(e.headers, 'content-type'),
    dateOrExpires: header(e.headers, 'date'),
    headers: e.headers,
    prefix: 'x-amz-',
    resource: canonicalResourceV2(resourcePath, splitQuery(e.rawQuery) ?? [], 'x-amz-', false),
  });
}

function requestOf(ex: V2Example, over: Partial<AuthRequest> = {}, signature = ex.signature): AuthRequest {
  return {
    method: ex.method,
    rawPath: ex.rawPath,
    rawQuery: ex.rawQuery,
    ...(ex.virtualBucket !== undefined ? { virtualBucket: ex.virtualBucket } : {}),
    ...over,
    headers: { ...ex.headers, authorization: `AWS ${AK}:${signature}`, ...over.headers },
  };
}

const nowFor = (ex: V2Example): number => Date.parse(header(ex.headers, 'date')) + 60_000;

for (const ex of examples) {
  test(`${ex.name}: src/signing builds the published string to sign and signature ${ex.signature}`, () => {
    const sts = stsFor(ex);
    assert.equal(sts, ex.stringToSign);
    assert.equal(signV2(SK, sts), ex.signature);
    assert.equal(createHmac('sha1', SK).update(ex.stringToSign, 'utf8').digest('base64'), ex.signature);
  });

  test(`${ex.name}: the verifier accepts the published Authorization header`, () => {
    const result = authenticate(requestOf(ex), lookup, nowFor(ex));
    assert.deepEqual(result, { accessKeyId: AK, scheme: 'v2-header', dialect: 's3', payload: { kind: 'none' } });
  });
}

test('the Upload example verifies with its repeated x-amz-meta-reviewedby seen through the server\'s header view', () => {
  const upload = examples.find((e) => e.name.startsWith('Upload'))!;
  const req = requestOf(upload);
  const distinct = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, k === 'x-amz-meta-reviewedby' ? ['joe@johnsmith.net', 'jane@johnsmith.net'] : [v as string]]));
  assert.equal(authenticate({ ...req, headers: signedHeaderView({ headersDistinct: distinct }) }, lookup, nowFor(upload)).scheme, 'v2-header');
  // Node's own ", " join would not verify: the server must not sign-check that form.
  const nodeJoined = requestOf(upload, { headers: { 'x-amz-meta-reviewedby': 'joe@johnsmith.net, jane@johnsmith.net' } });
  assert.throws(() => authenticate(nodeJoined, lookup, nowFor(upload)));
});

test('with x-amz-date the Date line is empty and x-amz-date is a canonical header (the rule, not the Delete example)', () => {
  // The document's Delete example puts the x-amz-date value on the Date line and leaves it out of
  // the canonical headers (signature lx3byBScXR6KzyMaifNkardMwNk=), contradicting its own rule
  // ("use the empty string for the Date"). The verifier follows the rule, as botocore and MinIO do.
  const del: V2Example = {
    name: 'Delete',
    method: 'DELETE',
    rawPath: '/johnsmith/photos/puppy.jpg',
    rawQuery: '',
    headers: { host: 's3.amazonaws.com', 'user-agent': 'dotnet', date: 'Tue, 27 Mar 2007 21:20:27 +0000', 'x-amz-date': 'Tue, 27 Mar 2007 21:20:26 +0000' },
    stringToSign: 'DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg',
    signature: createHmac('sha1', SK).update('DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg').digest('base64'),
  };
  assert.equal(del.signature, 'R4dJ53KECjStyBO5iTBJZ4XVOaI=');
  const sts = stringToSignV2({ method: 'DELETE', contentMd5: '', contentType: '', dateOrExpires: '', headers: del.headers, prefix: 'x-amz-', resource: '/johnsmith/photos/puppy.jpg' });
  assert.equal(sts, del.stringToSign);
  assert.equal(authenticate(requestOf(del), lookup, nowFor(del)).scheme, 'v2-header');
  assert.throws(() => authenticate(requestOf(del, {}, 'lx3byBScXR6KzyMaifNkardMwNk='), lookup, nowFor(del)), code('SignatureDoesNotMatch'));
});

// ---- must-fail, header authentication ----

const put = examples.find((e) => e.name === 'Object PUT')!;
const fetchAcl = examples.find((e) => e.name.startsWith('Fetch'))!;
const mustFail: Array<[string, AuthRequest, string, number?]> = [
  ['another method', requestOf(put, { method: 'POST' }), 'SignatureDoesNotMatch'],
  ['another Content-Type', requestOf(put, { headers: { 'content-type': 'image/png' } }), 'SignatureDoesNotMatch'],
  ['an added Content-MD5', requestOf(put, { headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' } }), 'SignatureDoesNotMatch'],
  ['a Date one second later', requestOf(put, { headers: { date: 'Tue, 27 Mar 2007 21:15:46 +0000' } }), 'SignatureDoesNotMatch'],
  ['an added x-amz-* header', requestOf(put, { headers: { 'x-amz-acl': 'public-read' } }), 'SignatureDoesNotMatch'],
  ['another object name', requestOf(put, { rawPath: '/photos/kitten.jpg' }), 'SignatureDoesNotMatch'],
  ['another bucket in the Host', requestOf(put, { virtualBucket: 'janesmith' }), 'SignatureDoesNotMatch'],
  ['an added sub-resource (?acl)', requestOf(put, { rawQuery: 'acl' }), 'SignatureDoesNotMatch'],
  ['a sub-resource dropped (?acl → none)', requestOf(fetchAcl, { rawQuery: '' }), 'SignatureDoesNotMatch', nowFor(fetchAcl)],
  ['an unknown access key', { ...requestOf(put), headers: { ...put.headers, authorization: `AWS AKIAUNKNOWN000000000:${put.signature}` } }, 'InvalidAccessKeyId'],
  ['an Authorization without a colon', { ...requestOf(put), headers: { ...put.headers, authorization: `AWS ${AK}${put.signature}` } }, 'AccessDenied'],
  ['a clock 16 minutes after the Date', requestOf(put), 'RequestTimeTooSkewed', Date.parse('Tue, 27 Mar 2007 21:31:46 +0000')],
];

for (const [what, req, expected, now] of mustFail) {
  test(`the V2 verifier rejects ${what} with ${expected}`, () => {
    assert.throws(() => authenticate(req, lookup, now ?? nowFor(put)), code(expected));
  });
}

test('the V2 verifier rejects the published PUT under a wrong secret', () => {
  assert.throws(() => authenticate(requestOf(put), () => 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ', nowFor(put)), code('SignatureDoesNotMatch'));
});

test('changing any positional element changes the V2 string to sign and its signature', () => {
  const variants = [stsFor(put, { method: 'POST' }), stsFor(put, { headers: { ...put.headers, 'content-type': 'image/png' } }), stsFor(put, { rawPath: '/photos/puppy.jpeg' }), stsFor(put, { rawQuery: 'acl' })];
  for (const sts of variants) {
    assert.notEqual(sts, put.stringToSign);
    assert.notEqual(signV2(SK, sts), put.signature);
  }
});

// ---- query-string authentication ----

// The query-string example of the document before the rename: Expires 1175139620, johnsmith.
const QUERY_SIGNATURE = 'NpgCjnDzrM+WFzoENXmpNDUsSn8=';
const EXPIRES = 1175139620;

function queryRequest(rawQuery: string, over: Partial<AuthRequest> = {}): AuthRequest {
  return { method: 'GET', rawPath: '/photos/puppy.jpg', rawQuery, headers: { host: 'johnsmith.s3.amazonaws.com' }, virtualBucket: 'johnsmith', ...over };
}
const publishedQuery = `AWSAccessKeyId=${AK}&Signature=${encodeURIComponent(QUERY_SIGNATURE)}&Expires=${EXPIRES}`;

test('query-string example: the string to sign puts Expires on the Date line, signature NpgCjnDzrM+WFzoENXmpNDUsSn8=', () => {
  const sts = stringToSignV2({ method: 'GET', contentMd5: '', contentType: '', dateOrExpires: String(EXPIRES), headers: {}, prefix: 'x-amz-', resource: canonicalResourceV2('/johnsmith/photos/puppy.jpg', [], 'x-amz-', true) });
  assert.equal(sts, 'GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg');
  assert.equal(signV2(SK, sts), QUERY_SIGNATURE);
});

test('the verifier accepts the published query-string request until Expires', () => {
  assert.equal(publishedQuery, 'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620');
  const result = authenticate(queryRequest(publishedQuery), lookup, EXPIRES * 1000);
  assert.deepEqual(result, { accessKeyId: AK, scheme: 'v2-query', dialect: 's3', payload: { kind: 'none' } });
});

const queryMustFail: Array<[string, AuthRequest, string, number]> = [
  ['one second after Expires', queryRequest(publishedQuery), 'AccessDenied', (EXPIRES + 1) * 1000],
  ['with Expires moved later', queryRequest(publishedQuery.replace(String(EXPIRES), String(EXPIRES + 3600))), 'SignatureDoesNotMatch', EXPIRES * 1000],
  ['for another object', queryRequest(publishedQuery, { rawPath: '/photos/kitten.jpg' }), 'SignatureDoesNotMatch', EXPIRES * 1000],
  ['with an added sub-resource', queryRequest(`${publishedQuery}&acl`), 'SignatureDoesNotMatch', EXPIRES * 1000],
  ['with an added x-amz-* header', queryRequest(publishedQuery, { headers: { host: 'johnsmith.s3.amazonaws.com', 'x-amz-acl': 'public-read' } }), 'SignatureDoesNotMatch', EXPIRES * 1000],
  ['without Expires', queryRequest(`AWSAccessKeyId=${AK}&Signature=${encodeURIComponent(QUERY_SIGNATURE)}`), 'AccessDenied', EXPIRES * 1000],
];

for (const [what, req, expected, now] of queryMustFail) {
  test(`the V2 verifier rejects the query-string request ${what} with ${expected}`, () => {
    assert.throws(() => authenticate(req, lookup, now), code(expected));
  });
}

// ---- the SDK's V2 signer ----

test('the SDK signs Object GET in V2 with a GMT Date, and the signature is HMAC-SHA1 of the hand-built string to sign', () => {
  const now = Date.parse('Tue, 27 Mar 2007 19:36:42 GMT');
  const headers = signRequest({ accessKeyId: AK, secretAccessKey: SK, region: 'us-east-1' }, { method: 'GET', bucket: 'johnsmith', key: 'photos/puppy.jpg', signature: 'v2', virtualHosted: true }, 'johnsmith.s3.amazonaws.com', {}, 'UNSIGNED-PAYLOAD', now);
  const expected = createHmac('sha1', SK).update('GET\n\n\nTue, 27 Mar 2007 19:36:42 GMT\n/johnsmith/photos/puppy.jpg').digest('base64');
  assert.deepEqual(headers, { date: 'Tue, 27 Mar 2007 19:36:42 GMT', authorization: `AWS ${AK}:${expected}` });
  assert.equal(expected, 'l5OyHwmFwM1eA82pf/bAJD+zbsk=');
});
