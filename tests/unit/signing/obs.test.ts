/**
 * The OBS signature against golden vectors (tests/vectors/signing/obs.json): each string to sign
 * was written by hand from OBS-PROTOCOL.md §2–§3 and signed with node:crypto, not with
 * src/signing. Checks that src/signing builds the same string and signature, that the server's
 * verifier accepts the request and rejects every tampered canonical input, and that the SDK signs
 * the same requests identically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticate, type AuthRequest } from '../../../src/dialects/auth/index.js';
import { ObsClient } from '../../../src/sdk/index.js';
import { signRequest } from '../../../src/sdk/transport.js';
import { canonicalResourceV2, signV2, splitQuery, stringToSignV2, SUB_RESOURCES } from '../../../src/signing/index.js';

interface ObsVector {
  name: string;
  about: string;
  auth: 'header' | 'query';
  method: string;
  bucket: string;
  /** Decoded object name, when the request addresses an object. */
  key?: string;
  rawPath: string;
  /** Query as sent, without AccessKeyId/Expires/Signature. */
  rawQuery: string;
  query: Array<[string, string]>;
  expires?: number;
  headers: Record<string, string>;
  stringToSign: string;
  signature: string;
}

interface ObsVectorFile {
  accessKeyId: string;
  secretAccessKey: string;
  nowMs: number;
  cases: ObsVector[];
}

/** The repository root: tests compile to dist/tests/, so walk up to the directory with package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

const file = JSON.parse(readFileSync(join(repoRoot(), 'tests/vectors/signing/obs.json'), 'utf8')) as ObsVectorFile;
const { accessKeyId: AK, secretAccessKey: SK, nowMs: NOW } = file;
const lookup = (id: string): string | undefined => (id === AK ? SK : undefined);
const byName = (name: string): ObsVector => {
  const v = file.cases.find((c) => c.name === name);
  if (!v) throw new Error(`no vector ${name}`);
  return v;
};

function code(expected: string): (e: unknown) => boolean {
  return (e) => {
    assert.equal((e as { code?: unknown }).code, expected, String(e));
    return true;
  };
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** The string to sign as src/signing builds it for a (possibly modified) vector request. */
function stsFromSrc(v: ObsVector): string {
  const query = splitQuery(v.rawQuery);
  assert.ok(query, 'query decodes');
  const prefixedDate = v.headers['x-obs-date'];
  return stringToSignV2({
    method: v.method,
    contentMd5: header(v.headers, 'content-md5'),
    contentType: header(v.headers, 'content-type'),
    dateOrExpires: v.auth === 'query' ? String(v.expires) : prefixedDate !== undefined ? '' : header(v.headers, 'date'),
    headers: v.headers,
    prefix: 'x-obs-',
    resource: canonicalResourceV2(`/${v.bucket}${v.rawPath}`, query, 'x-obs-', v.auth === 'query'),
  });
}

/** The request the server sees: virtual-hosted, so the bucket comes from the Host. */
function requestOf(v: ObsVector, signature = v.signature): AuthRequest {
  if (v.auth === 'header') {
    return { method: v.method, rawPath: v.rawPath, rawQuery: v.rawQuery, virtualBucket: v.bucket, headers: { ...v.headers, authorization: `OBS ${AK}:${signature}` } };
  }
  const auth = `AccessKeyId=${AK}&Expires=${v.expires}&Signature=${encodeURIComponent(signature)}`;
  return { method: v.method, rawPath: v.rawPath, rawQuery: v.rawQuery === '' ? auth : `${v.rawQuery}&${auth}`, virtualBucket: v.bucket, headers: { ...v.headers } };
}

test('the vector file holds the twelve cases it was generated with', () => {
  assert.deepEqual(file.cases.map((c) => c.name), [
    'put-object-md5-type-meta-ssec',
    'upload-part-ssec',
    'get-object-acl',
    'get-upload-id-part-number-sorted',
    'get-bucket-encryption',
    'head-apiversion-not-a-sub-resource',
    'get-object-response-overrides',
    'list-objects-virtual-hosted',
    'object-name-escapes',
    'x-obs-date-and-security-token',
    'signed-url-get',
    'signed-url-put-ssec-token',
  ]);
});

for (const v of file.cases) {
  test(`${v.name}: the golden signature is Base64(HMAC-SHA1) of the hand-written string to sign`, () => {
    assert.equal(createHmac('sha1', SK).update(v.stringToSign, 'utf8').digest('base64'), v.signature);
  });

  test(`${v.name}: src/signing builds the same string to sign and signature (${v.signature})`, () => {
    const sts = stsFromSrc(v);
    assert.equal(sts, v.stringToSign);
    assert.equal(signV2(SK, sts), v.signature);
  });

  test(`${v.name}: the verifier accepts the request`, () => {
    const result = authenticate(requestOf(v), lookup, NOW);
    assert.deepEqual(result, { accessKeyId: AK, scheme: v.auth === 'header' ? 'obs-header' : 'obs-query', dialect: 'obs', payload: { kind: 'none' } });
  });
}

// ---- the SDK signs the same requests identically ----

const sdkOptions = { accessKeyId: AK, secretAccessKey: SK, region: 'us-east-1' };
// With a caller's x-obs-date the SDK leaves the Date line empty, as the verifier expects.
const sdkHeaderCases = file.cases.filter((c) => c.auth === 'header');

for (const v of sdkHeaderCases) {
  test(`${v.name}: the SDK (transport signRequest) produces Authorization "OBS ${AK}:${v.signature}"`, () => {
    const headers: Record<string, string> = {};
    for (const [k, value] of Object.entries(v.headers)) if (k !== 'host' && k !== 'date') headers[k] = value;
    const signed = signRequest(sdkOptions, { method: v.method, bucket: v.bucket, ...(v.key !== undefined ? { key: v.key } : {}), query: v.query, signature: 'obs', virtualHosted: true, headers }, v.headers['host']!, headers, 'UNSIGNED-PAYLOAD', NOW);
    if (v.headers['x-obs-date'] === undefined) assert.equal(signed['date'], v.headers['date']);
    assert.equal(signed['authorization'], `OBS ${AK}:${v.signature}`);
  });
}

for (const v of file.cases.filter((c) => c.auth === 'query')) {
  test(`${v.name}: the SDK createSignedUrl produces Signature ${v.signature} and Expires ${v.expires}`, (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: NOW });
    const client = new ObsClient({ accessKeyId: AK, secretAccessKey: SK, server: 'http://obs.example.com:9000' });
    try {
      const signedHeaders: Record<string, string> = {};
      for (const [k, value] of Object.entries(v.headers)) if (k !== 'host') signedHeaders[k] = value;
      const { signedUrl, actualSignedRequestHeaders } = client.createSignedUrl({ method: v.method, bucket: v.bucket, key: v.key!, expires: 300, headers: signedHeaders, query: Object.fromEntries(v.query) });
      const url = new URL(signedUrl);
      assert.equal(url.host, v.headers['host']);
      assert.equal(url.pathname, v.rawPath);
      assert.deepEqual([...url.searchParams], [...v.query, ['AccessKeyId', AK], ['Expires', String(v.expires)], ['Signature', v.signature]]);
      assert.deepEqual(actualSignedRequestHeaders, { host: v.headers['host'], ...signedHeaders });
    } finally {
      client.close();
    }
  });
}

// ---- must-fail: tampered canonical inputs ----

type Tamper = [string, (v: ObsVector) => ObsVector];
const withHeaders = (v: ObsVector, change: Record<string, string | undefined>): ObsVector => {
  const headers = { ...v.headers };
  for (const [k, value] of Object.entries(change)) {
    if (value === undefined) delete headers[k];
    else headers[k] = value;
  }
  return { ...v, headers };
};

const headerTampers: Array<[string, Tamper[]]> = [
  [
    'put-object-md5-type-meta-ssec',
    [
      ['another method', (v) => ({ ...v, method: 'POST' })],
      ['another Content-MD5', (v) => withHeaders(v, { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' })],
      ['no Content-MD5', (v) => withHeaders(v, { 'content-md5': undefined })],
      ['another Content-Type', (v) => withHeaders(v, { 'content-type': 'image/png' })],
      ['a Date one second later', (v) => withHeaders(v, { date: 'Mon, 23 Nov 2026 02:16:39 GMT' })],
      ['another x-obs-meta value', (v) => withHeaders(v, { 'x-obs-meta-owner': 'mallory' })],
      ['an added x-obs-meta header', (v) => withHeaders(v, { 'x-obs-meta-extra': '1' })],
      ['a dropped SSE-C key-MD5 header', (v) => withHeaders(v, { 'x-obs-server-side-encryption-customer-key-md5': undefined })],
      ['another SSE-C key', (v) => withHeaders(v, { 'x-obs-server-side-encryption-customer-key': 'MTIzNDU2Nzg5MGFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' })],
      ['another object name', (v) => ({ ...v, rawPath: '/photos/dog.jpg' })],
      ['another bucket', (v) => ({ ...v, bucket: 'bkt2' })],
      ['an added sub-resource (?acl)', (v) => ({ ...v, rawQuery: 'acl' })],
    ],
  ],
  ['upload-part-ssec', [['another partNumber', (v) => ({ ...v, rawQuery: 'partNumber=4&uploadId=UP1' })], ['another uploadId', (v) => ({ ...v, rawQuery: 'partNumber=3&uploadId=UP2' })]]],
  ['get-object-acl', [['the sub-resource dropped', (v) => ({ ...v, rawQuery: '' })], ['?policy instead of ?acl', (v) => ({ ...v, rawQuery: 'policy' })]]],
  ['get-bucket-encryption', [['?encryption moved to an object', (v) => ({ ...v, rawPath: '/encryption' })]]],
  [
    'get-object-response-overrides',
    [
      ['another response-content-type', (v) => ({ ...v, rawQuery: v.rawQuery.replace('text%2Fplain', 'text%2Fhtml') })],
      ['another versionId', (v) => ({ ...v, rawQuery: v.rawQuery.replace('versionId=v1', 'versionId=v2') })],
      ['an added response-cache-control', (v) => ({ ...v, rawQuery: `${v.rawQuery}&response-cache-control=no-cache` })],
    ],
  ],
  [
    'object-name-escapes',
    [
      ['the "../" segment removed', (v) => ({ ...v, rawPath: '/dir/a%20b/x%20%281%29%21.txt' })],
      ['a "+" for the space', (v) => ({ ...v, rawPath: v.rawPath.replace('a%20b', 'a+b') })],
      ['an unescaped "%" decoded one level further', (v) => ({ ...v, rawPath: v.rawPath.replace('%25code', '%2525code') })],
    ],
  ],
  [
    'x-obs-date-and-security-token',
    [
      ['another x-obs-date', (v) => withHeaders(v, { 'x-obs-date': 'Mon, 23 Nov 2026 02:16:40 GMT' })],
      ['another security token', (v) => withHeaders(v, { 'x-obs-security-token': 'TOKEN/abc+deg=' })],
      ['no security token', (v) => withHeaders(v, { 'x-obs-security-token': undefined })],
    ],
  ],
];

for (const [name, tampers] of headerTampers) {
  for (const [what, change] of tampers) {
    test(`${name} with ${what}: the string to sign changes and the verifier answers SignatureDoesNotMatch`, () => {
      const v = byName(name);
      const tampered = change(v);
      const sts = stsFromSrc(tampered);
      assert.notEqual(sts, v.stringToSign);
      assert.notEqual(signV2(SK, sts), v.signature);
      assert.throws(() => authenticate(requestOf(tampered, v.signature), lookup, NOW), code('SignatureDoesNotMatch'));
    });
  }
}

test('put-object-md5-type-meta-ssec under a wrong secret is rejected with SignatureDoesNotMatch', () => {
  const v = byName('put-object-md5-type-meta-ssec');
  assert.throws(() => authenticate(requestOf(v), () => SK.replace('J', 'K'), NOW), code('SignatureDoesNotMatch'));
});

test('put-object-md5-type-meta-ssec with an AWS-prefixed Authorization is verified as V2 and rejected', () => {
  const v = byName('put-object-md5-type-meta-ssec');
  const req = requestOf(v);
  req.headers['authorization'] = `AWS ${AK}:${v.signature}`;
  assert.throws(() => authenticate(req, lookup, NOW), code('SignatureDoesNotMatch'));
});

// What is not signed may change without breaking the signature (OBS-PROTOCOL.md §2).
const notSigned: Array<[string, string, (v: ObsVector) => ObsVector]> = [
  ['put-object-md5-type-meta-ssec', 'another x-amz-meta value (not an OBS-signed header)', (v) => withHeaders(v, { 'x-amz-meta-ignored': 'changed' })],
  ['put-object-md5-type-meta-ssec', 'a Host with a port', (v) => withHeaders(v, { host: 'bkt.obs.example.com:9000' })],
  ['list-objects-virtual-hosted', 'another prefix and max-keys (not sub-resources)', (v) => ({ ...v, rawQuery: 'prefix=other&max-keys=1000' })],
  ['get-upload-id-part-number-sorted', 'the sub-resources in the other order', (v) => ({ ...v, rawQuery: 'partNumber=3&uploadId=UP1' })],
  ['object-name-escapes', 'lower-case percent-escapes for the same bytes', (v) => ({ ...v, rawPath: v.rawPath.replace('%C3%BCn%C3%AF', '%c3%bcn%c3%af') })],
];

for (const [name, what, change] of notSigned) {
  test(`${name} still verifies with ${what}`, () => {
    const v = byName(name);
    assert.equal(authenticate(requestOf(change(v), v.signature), lookup, NOW).scheme, 'obs-header');
  });
}

// ---- must-fail: signed URLs ----

const queryMustFail: Array<[string, string, (v: ObsVector) => AuthRequest, string, number?]> = [
  ['signed-url-get', 'one second after Expires', (v) => requestOf(v), 'AccessDenied', (byName('signed-url-get').expires! + 1) * 1000],
  ['signed-url-get', 'Expires moved later', (v) => requestOf({ ...v, expires: v.expires! + 3600 }, v.signature), 'SignatureDoesNotMatch'],
  ['signed-url-get', 'another object', (v) => requestOf({ ...v, rawPath: '/photos/dog.jpg' }, v.signature), 'SignatureDoesNotMatch'],
  ['signed-url-get', 'another method', (v) => requestOf({ ...v, method: 'DELETE' }, v.signature), 'SignatureDoesNotMatch'],
  ['signed-url-get', 'an added sub-resource', (v) => requestOf({ ...v, rawQuery: 'acl' }, v.signature), 'SignatureDoesNotMatch'],
  ['signed-url-get', 'an unknown AccessKeyId', (v) => ({ ...requestOf(v), rawQuery: requestOf(v).rawQuery.replace(AK, 'OBSUNKNOWNKEY0000000') }), 'InvalidAccessKeyId'],
  ['signed-url-put-ssec-token', 'a signed SSE-C header omitted', (v) => requestOf(withHeaders(v, { 'x-obs-server-side-encryption-customer-key-md5': undefined }), v.signature), 'SignatureDoesNotMatch'],
  ['signed-url-put-ssec-token', 'another SSE-C key', (v) => requestOf(withHeaders(v, { 'x-obs-server-side-encryption-customer-key': 'MTIzNDU2Nzg5MGFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' }), v.signature), 'SignatureDoesNotMatch'],
  ['signed-url-put-ssec-token', 'another Content-Type', (v) => requestOf(withHeaders(v, { 'content-type': 'text/plain' }), v.signature), 'SignatureDoesNotMatch'],
  ['signed-url-put-ssec-token', 'another security token', (v) => requestOf({ ...v, rawQuery: 'x-obs-security-token=TOKEN%2Fabd' }, v.signature), 'SignatureDoesNotMatch'],
  ['signed-url-put-ssec-token', 'the security token dropped', (v) => requestOf({ ...v, rawQuery: '' }, v.signature), 'SignatureDoesNotMatch'],
];

for (const [name, what, build, expected, now] of queryMustFail) {
  test(`${name} with ${what} is rejected with ${expected}`, () => {
    assert.throws(() => authenticate(build(byName(name)), lookup, now ?? NOW), code(expected));
  });
}

test(
  'every sub-resource esdk-obs-nodejs 3.26.8 signs is a sub-resource of the canonical resource',
  () => {
    // esdk-obs-nodejs 3.26.8 lib/utils.js allowedResourceParameterNames, lower-cased.
    const esdk = [
      'acl', 'backtosource', 'policy', 'torrent', 'logging', 'location', 'storageinfo', 'quota', 'storageclass', 'storagepolicy', 'requestpayment',
      'versions', 'versioning', 'versionid', 'uploads', 'uploadid', 'partnumber', 'website', 'notification', 'replication', 'lifecycle',
      'deletebucket', 'delete', 'cors', 'restore', 'tagging', 'append', 'position', 'response-content-type', 'response-content-language',
      'response-expires', 'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'x-image-process',
      'x-oss-process', 'x-image-save-object', 'x-image-save-bucket', 'encryption', 'directcoldaccess', 'rename', 'name', 'metadata', 'modify',
      'attname', 'truncate', 'x-obs-security-token', 'x-workflow-prefix', 'x-workflow-start', 'x-workflow-limit', 'x-workflow-template-name',
      'x-workflow-graph-name', 'x-workflow-execution-state', 'x-workflow-execution-type', 'x-workflow-next-marker', 'obsworkflowtriggerpolicy',
      'obsbucketalias', 'obsalias', 'publicaccessblock', 'bucketstatus', 'policystatus', 'customdomain', 'inventory', 'object-lock', 'retention',
      'mirrorbacktosource', 'obscompresspolicy', 'length',
    ];
    assert.deepEqual(esdk.filter((n) => !SUB_RESOURCES.has(n)), []);
  },
);
