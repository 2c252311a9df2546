/**
 * Property-based fuzzing (fast-check) of every parser that sees client input: SSE, conditional,
 * copy-source, checksum and MD5 headers; ranges; dates; XML bodies; POST policies; addressing and
 * object names; signatures and canonicalization; aws-chunked framing. For any input a parser
 * either returns or throws the project's client error (4xx, a code from the error table); never
 * another exception, never a 5xx. Valid inputs round-trip. FUZZ_SEED and FUZZ_RUNS control runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { ObscuraError } from '../../../src/errors/index.js';
import { obsDialect, s3Dialect } from '../../../src/dialects/dialect.js';
import type { WireRequest } from '../../../src/dialects/wire.js';
import {
  parseChecksumInput,
  parseConditionals,
  parseContentMd5,
  parseCopySource,
  parseCustomerKey,
  parseObjectMeta,
  parseResponseOverrides,
  parseSseRequest,
} from '../../../src/dialects/parse-headers.js';
import { parseCopySourceRange, parseRange, resolveRange } from '../../../src/http/range.js';
import { httpDate, parseHttpDate } from '../../../src/http/dates.js';
import { escapeXml } from '../../../src/http/xml.js';
import { parseBucketEncryption } from '../../../src/operations/bucket-encryption.js';
import { parseCompleteMultipart } from '../../../src/operations/multipart.js';
import { parseDeleteObjects } from '../../../src/operations/object-delete.js';
import { parseCreateBucketBody } from '../../../src/operations/bucket.js';
import { parseQuery, resolveAddressing } from '../../../src/dialects/addressing.js';
import { evaluatePostPolicyConditions, parsePolicyJson, verifyPostPolicySignature } from '../../../src/dialects/auth/post-policy.js';
import { authenticate } from '../../../src/dialects/auth/index.js';
import { signV4, splitQuery, uriEncode, tryDecode } from '../../../src/signing/index.js';
import { createAwsChunkedDecoder } from '../../../src/http/aws-chunked.js';

const seed = Number(process.env['FUZZ_SEED'] ?? 20261123);
const numRuns = Number(process.env['FUZZ_RUNS'] ?? 300);
const options = { seed, numRuns };

/** Runs `fn`; passes if it returns or throws a 4xx ObscuraError. */
function clientSafe(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ObscuraError)) throw new Error(`threw ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    if (e.status >= 500) throw new Error(`answered ${e.status} ${e.code} for client input`);
  }
}

const text = fc.string({ unit: 'binary', maxLength: 300 });
const headerText = fc.oneof(text, fc.string({ unit: 'grapheme-ascii', maxLength: 80 }), fc.constantFrom('', ' ', 'AES256', 'aws:kms', 'kms', 'bytes=0-1', '*', '"etag"', 'Thu, 01 Jan 1970 00:00:00 GMT'));

function wire(headers: Record<string, string>, query: Record<string, string> = {}): WireRequest {
  return { method: 'PUT', rawPath: '/b/k', rawQuery: '', query: new Map(Object.entries(query)), headers, isSecure: true, remoteAddress: '127.0.0.1' } as WireRequest;
}

const headerNames = [
  'x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-server-side-encryption-context',
  'x-amz-server-side-encryption-customer-algorithm', 'x-amz-server-side-encryption-customer-key', 'x-amz-server-side-encryption-customer-key-md5',
  'x-amz-copy-source-server-side-encryption-customer-algorithm', 'x-amz-copy-source-server-side-encryption-customer-key', 'x-amz-copy-source-server-side-encryption-customer-key-md5',
  'x-obs-server-side-encryption', 'x-obs-server-side-encryption-kms-key-id', 'x-obs-server-side-encryption-customer-algorithm',
  'x-obs-server-side-encryption-customer-key', 'x-obs-server-side-encryption-customer-key-md5', 'x-obs-sse-kms-key-project-id',
  'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'x-amz-copy-source-if-match', 'x-amz-copy-source-if-modified-since',
  'content-md5', 'content-type', 'cache-control', 'x-amz-meta-a', 'x-obs-meta-b', 'x-amz-checksum-crc32', 'x-amz-checksum-sha256',
  'x-amz-sdk-checksum-algorithm', 'x-amz-checksum-algorithm', 'x-amz-storage-class', 'x-obs-storage-class',
];
const headerSets = fc.dictionary(fc.constantFrom(...headerNames), headerText, { maxKeys: 8 });

test('header parsers: any header set parses or is refused with a 4xx, in both dialects', () => {
  fc.assert(
    fc.property(headerSets, fc.dictionary(fc.constantFrom('response-content-type', 'response-expires', 'response-content-disposition'), headerText, { maxKeys: 3 }), (headers, query) => {
      for (const dialect of [s3Dialect, obsDialect]) {
        const req = wire(headers, query);
        clientSafe(() => parseSseRequest(req, dialect));
        clientSafe(() => parseCustomerKey(req, dialect, 'target'));
        clientSafe(() => parseCustomerKey(req, dialect, 'copy-source'));
        clientSafe(() => parseObjectMeta(req, dialect));
        clientSafe(() => parseConditionals(req, dialect, false));
        clientSafe(() => parseConditionals(req, dialect, true));
        clientSafe(() => parseResponseOverrides(req));
        clientSafe(() => parseChecksumInput(req));
        clientSafe(() => parseContentMd5(req));
      }
    }),
    options,
  );
});

test('a valid SSE-C triple always parses to the same key, and any single-character change to it is refused', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(), (bytes, at) => {
      const key = Buffer.from(bytes);
      const headers = {
        'x-amz-server-side-encryption-customer-algorithm': 'AES256',
        'x-amz-server-side-encryption-customer-key': key.toString('base64'),
        'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(key).digest('base64'),
      };
      const parsed = parseCustomerKey(wire(headers), s3Dialect, 'target');
      assert.ok(parsed && parsed.key.equals(key));
      const md5 = headers['x-amz-server-side-encryption-customer-key-md5'];
      // The first 20 characters carry only digest bits (the last ones also carry padding bits).
      const i = at % 20;
      const changed = md5.slice(0, i) + (md5[i] === 'A' ? 'B' : 'A') + md5.slice(i + 1);
      assert.throws(() => parseCustomerKey(wire({ ...headers, 'x-amz-server-side-encryption-customer-key-md5': changed }), s3Dialect, 'target'), (e: ObscuraError) => e.status === 400);
    }),
    options,
  );
});

test('copy source: any value parses or is refused with a 4xx; encoded valid sources round-trip', () => {
  fc.assert(fc.property(text, (raw) => clientSafe(() => parseCopySource(raw))), options);
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,20}$/), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), fc.boolean(), (bucket, key, slash) => {
      const parsed = parseCopySource(`${slash ? '/' : ''}${bucket}/${uriEncode(key, false)}`);
      assert.equal(parsed.bucket, bucket);
      assert.equal(parsed.key, key);
    }),
    options,
  );
});

test('ranges: any header parses or is ignored; a bounded range always resolves inside the object or is 416', () => {
  fc.assert(
    fc.property(fc.oneof(text, fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `bytes=${a}-${b}`), fc.nat().map((n) => `bytes=-${n}`)), fc.nat({ max: 1e9 }), (header, size) => {
      const spec = parseRange(header);
      if (!spec) return;
      try {
        const r = resolveRange(spec, size);
        assert.ok(r.first >= 0 && r.first <= r.last && r.last < size);
      } catch (e) {
        assert.ok(e instanceof ObscuraError && e.status === 416);
      }
    }),
    options,
  );
  fc.assert(fc.property(text, (h) => clientSafe(() => parseCopySourceRange(h))), options);
});

test('dates: the three HTTP formats of any instant parse back to it; garbage parses to undefined', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4102444800 }), (seconds) => {
      const ms = seconds * 1000;
      assert.equal(parseHttpDate(httpDate(ms)), ms);
      assert.equal(parseHttpDate(new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')), ms);
    }),
    options,
  );
  fc.assert(fc.property(text, (t) => void parseHttpDate(t)), options);
});

const xmlName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });

test('XML bodies: any bytes parse or are refused with a 4xx (CompleteMultipartUpload, DeleteObjects, encryption, CreateBucket)', () => {
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
    text.map((t) => Buffer.from(t)),
    fc.constantFrom(
      '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><Delete><Object><Key>&x;&x;</Key></Object></Delete>',
      '<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>99999999999999999999</PartNumber></Part></CompleteMultipartUpload>',
      '<Delete><Object></Object></Delete>',
      '<ServerSideEncryptionConfiguration><Rule/></ServerSideEncryptionConfiguration>',
      '<a><b><c><d><e><f><g><h><i><j><k><l><m><n><o><p></p></o></n></m></l></k></j></i></h></g></f></e></d></c></b></a>',
    ).map((s) => Buffer.from(s)),
  );
  fc.assert(
    fc.property(bodies, (body) => {
      clientSafe(() => parseCompleteMultipart(body));
      clientSafe(() => parseDeleteObjects(body, 1000));
      clientSafe(() => parseBucketEncryption(body));
      clientSafe(() => parseCreateBucketBody(body));
    }),
    options,
  );
});

test('XML bodies: DeleteObjects with any key names (entities, unicode) round-trips; over 1,000 keys is refused', () => {
  fc.assert(
    fc.property(fc.array(xmlName, { minLength: 1, maxLength: 20 }), (keys) => {
      const body = Buffer.from(`<Delete><Quiet>true</Quiet>${keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('')}</Delete>`);
      let parsed;
      try {
        parsed = parseDeleteObjects(body, 1000);
      } catch (e) {
        // Names XML 1.0 cannot carry (control characters) may be refused, never mangled.
        assert.ok(e instanceof ObscuraError && e.status === 400);
        return;
      }
      assert.deepEqual(parsed.keys, keys);
      assert.equal(parsed.quiet, true);
    }),
    options,
  );
  const many = Buffer.from(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`);
  assert.throws(() => parseDeleteObjects(many, 1000), (e: ObscuraError) => e.status === 400);
});

test('XML bodies: CompleteMultipartUpload part lists are read exactly as sent or refused with 400 (the handler then checks each part)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: -5, max: 10005 }), fc.stringMatching(/^[0-9a-f]{32}$/)), { minLength: 1, maxLength: 12 }), (parts) => {
      const body = Buffer.from(`<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>"${e}"</ETag></Part>`).join('')}</CompleteMultipartUpload>`);
      try {
        const parsed = parseCompleteMultipart(body);
        assert.deepEqual(parsed.map((p) => p.partNumber), parts.map(([n]) => n));
      } catch (e) {
        assert.ok(e instanceof ObscuraError && e.status === 400);
      }
    }),
    options,
  );
});

test('POST policies: any policy document and field set is evaluated or refused with a 4xx', () => {
  const policy = fc.oneof(
    text,
    fc.record({
      expiration: fc.oneof(fc.constant('2099-01-01T00:00:00Z'), text),
      conditions: fc.array(fc.oneof(fc.dictionary(fc.constantFrom('bucket', 'key', 'acl'), text, { maxKeys: 2 }), fc.tuple(fc.constantFrom('eq', 'starts-with', 'content-length-range', 'nope'), fc.oneof(text, fc.integer()), fc.oneof(text, fc.integer()))), { maxLength: 6 }),
    }).map((p) => JSON.stringify(p)),
  ).map((p) => Buffer.from(p).toString('base64'));
  fc.assert(
    fc.property(policy, fc.dictionary(fc.constantFrom('key', 'acl', 'content-type', 'x-amz-meta-a', 'bucket'), text, { maxKeys: 4 }), fc.option(fc.nat()), (b64, fields, length) => {
      clientSafe(() => {
        const parsed = parsePolicyJson(b64);
        evaluatePostPolicyConditions(parsed, new Map(Object.entries(fields)), 'bucket', length ?? undefined);
      });
      clientSafe(() => verifyPostPolicySignature(new Map([...Object.entries(fields), ['policy', b64], ['AWSAccessKeyId', 'AK'], ['signature', 'x']]), () => 'secret', Date.now()));
    }),
    options,
  );
});

test('addressing and object names: any path and host resolve or are refused with a 4xx; names round-trip', () => {
  fc.assert(
    fc.property(text, fc.option(fc.oneof(text, fc.constant('bucket.localhost:9000'), fc.constant('localhost'))), (path, host) => {
      clientSafe(() => resolveAddressing('/' + path, host ?? undefined, 'localhost'));
      void parseQuery(path);
    }),
    options,
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), (name) => {
      const a = resolveAddressing('/bucket/' + uriEncode(name, false), '127.0.0.1:9000', 'localhost');
      assert.equal(a.bucket, 'bucket');
      assert.equal(a.key, name);
      assert.equal(tryDecode(uriEncode(name)), name);
    }),
    options,
  );
});

const SECRET = 'fuzz-secret-key';
function signed(method: string, path: string, query: Array<[string, string]>, headers: Record<string, string>): Record<string, string> {
  return { ...headers, ...signV4({ method, canonicalUri: path, query, headers, payloadHash: 'UNSIGNED-PAYLOAD', accessKeyId: 'AKFUZZ', secretAccessKey: SECRET, region: 'us-east-1', service: 's3', nowMs: Date.now() }) };
}

test('signatures: any Authorization header or query is verified or refused with a 4xx; a signed request verifies, and any change to a signed value is refused', () => {
  fc.assert(
    fc.property(text, text, (authorization, query) => {
      clientSafe(() => authenticate({ method: 'GET', rawPath: '/b/k', rawQuery: query, headers: { host: 'h', authorization } }, () => SECRET, Date.now()));
      clientSafe(() => authenticate({ method: 'GET', rawPath: '/b/k', rawQuery: query, headers: { host: 'h' } }, () => SECRET, Date.now()));
    }),
    options,
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }), fc.nat(), (name, meta, at) => {
      const path = '/bucket/' + uriEncode(name, false);
      const value = meta.trim() === '' ? 'v' : meta.trim();
      const headers = signed('PUT', path, [], { host: 'h', 'x-amz-meta-m': value });
      assert.equal(authenticate({ method: 'PUT', rawPath: path, rawQuery: '', headers }, () => SECRET, Date.now()).accessKeyId, 'AKFUZZ');
      const i = at % value.length;
      const changed = value.slice(0, i) + (value[i] === 'x' ? 'y' : 'x') + value.slice(i + 1);
      assert.throws(() => authenticate({ method: 'PUT', rawPath: path, rawQuery: '', headers: { ...headers, 'x-amz-meta-m': changed } }, () => SECRET, Date.now()), (e: ObscuraError) => e.status === 403);
    }),
    options,
  );
  fc.assert(fc.property(text, (q) => void splitQuery(q)), options);
});

test('aws-chunked: any body either decodes or fails with a 4xx; never hangs; a huge declared chunk size is refused, not allocated', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.constantFrom('ffffffffffffff\r\n', '20000000000000;chunk-signature=x\r\n', '5\r\nabc', '0\r\n\r\n', '-1\r\n').map((s) => Buffer.from(s))), async (body) => {
      const decoder = createAwsChunkedDecoder({ mode: 'unsigned', trailerNames: [], decodedLength: 10 });
      try {
        for await (const _ of Readable.from([body]).pipe(decoder)) void _;
      } catch (e) {
        if (!(e instanceof ObscuraError) || e.status >= 500) throw e;
      }
    }),
    { ...options, numRuns: Math.min(numRuns, 200) },
  );
});

test('the fuzz seed is fixed unless FUZZ_SEED says otherwise (so a failure reproduces)', () => {
  assert.equal(Number.isInteger(seed), true);
  assert.ok(randomBytes(1).length === 1);
});
