/**
 * Fuzzing of request header parsing (src/dialects/parse-headers.ts): SSE-C, SSE-KMS and SSE-S3
 * headers, user metadata, conditionals, copy source, checksums, Content-MD5 and response overrides.
 * Any header set is parsed or refused with a 400 in both dialects; each parser agrees with a
 * reference written out in the test; a customer key is never echoed in an error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { obsDialect, s3Dialect, type Dialect } from '../../../src/dialects/dialect.js';
import {
  parseChecksumInput,
  parseConditionals,
  parseContentMd5,
  parseCopySource,
  parseCustomerKey,
  parseObjectMeta,
  parseResponseOverrides,
  parseSseRequest,
  sseModeHeaderPresent,
} from '../../../src/dialects/parse-headers.js';
import type { WireRequest } from '../../../src/dialects/wire.js';
import { invoke } from '../../../src/dialects/invoke.js';
import { httpDate } from '../../../src/http/dates.js';
import type { BucketRecord, ObjectRecord } from '../../../src/metadata/records.js';
import { SqliteMetadataStore } from '../../../src/metadata/sqlite/sqlite-metadata-store.js';
import { defaultLimits, type OperationContext } from '../../../src/operations/context.js';
import { loadCopySource } from '../../../src/operations/copy-source.js';
import { uriEncode } from '../../../src/signing/index.js';
import { anyText, headerText, outcome, outcomeAsync, params, unicodeText } from './fuzz-support.js';

const dialect = fc.constantFrom(s3Dialect, obsDialect);

function wire(headers: IncomingHttpHeaders, query: Array<[string, string]> = []): WireRequest {
  return { method: 'PUT', rawPath: '/b/k', rawQuery: '', query: new Map(query), headers, isSecure: true, remoteAddress: '127.0.0.1' };
}

const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();

/** RFC 4648 base64 with padding and nothing else; decoding then follows Buffer (spare bits ignored). */
const strictBase64 = (s: string): boolean => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);

/** A base64 text with one character replaced, inserted or removed (a near miss). */
const nearBase64 = (text: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(text, fc.nat(), fc.constantFrom('A', 'B', 'Q', '/', '+', '=', '-', '_', ' ', '!'), fc.constantFrom('replace', 'insert', 'remove')).map(([t, at, c, how]) => {
    const i = at % (t.length + 1);
    return how === 'replace' ? t.slice(0, i) + c + t.slice(i + 1) : how === 'insert' ? t.slice(0, i) + c + t.slice(i) : t.slice(0, i) + t.slice(i + 1);
  });

// ---- Any header set -------------------------------------------------------------------------

const SUFFIXES = [
  'server-side-encryption', 'server-side-encryption-aws-kms-key-id', 'server-side-encryption-kms-key-id', 'server-side-encryption-context',
  'server-side-encryption-customer-algorithm', 'server-side-encryption-customer-key', 'server-side-encryption-customer-key-md5',
  'copy-source-server-side-encryption-customer-algorithm', 'copy-source-server-side-encryption-customer-key', 'copy-source-server-side-encryption-customer-key-md5',
  'server-side-encryption-bucket-key-enabled', 'sse-kms-key-project-id', 'copy-source', 'copy-source-if-match', 'copy-source-if-none-match',
  'copy-source-if-modified-since', 'copy-source-if-unmodified-since', 'meta-a', 'meta-', 'meta-__proto__', 'website-redirect-location', 'storage-class',
  'checksum-crc32', 'checksum-crc32c', 'checksum-crc64nvme', 'checksum-sha1', 'checksum-sha256', 'sdk-checksum-algorithm', 'checksum-algorithm', 'trailer',
];
const HEADER_NAMES = [
  ...SUFFIXES.flatMap((s) => ['x-amz-' + s, 'x-obs-' + s]),
  'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'content-md5', 'content-type', 'content-encoding', 'cache-control', 'expires',
];
const headerValue = fc.oneof(
  headerText(60),
  anyText(40),
  fc.constantFrom('', ' ', 'AES256', 'aws:kms', 'kms', 'true', '*', '"abc"', 'W/"abc", "def"', 'Thu, 01 Jan 1970 00:00:00 GMT', 'crc32', 'x-amz-checksum-crc32', 'aws-chunked', 'AAAAAA==', 'e30=', 'bnVsbA==', 'W10='),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
);
const headerSet = fc.dictionary(fc.constantFrom(...HEADER_NAMES), fc.oneof({ weight: 5, arbitrary: headerValue }, { weight: 1, arbitrary: fc.array(headerValue, { minLength: 1, maxLength: 3 }) }), { maxKeys: 10 });

test('every header parser answers any header set with a value or a 400, in both dialects', () => {
  fc.assert(
    fc.property(headerSet, dialect, fc.array(fc.tuple(fc.constantFrom('response-content-type', 'Response-Expires', 'response-cache-control', 'other'), anyText(20)), { maxLength: 3 }), (headers, d, query) => {
      const req = wire(headers, query);
      outcome(() => parseSseRequest(req, d), ['InvalidArgument']);
      outcome(() => parseCustomerKey(req, d, 'target'), ['InvalidArgument']);
      outcome(() => parseCustomerKey(req, d, 'copy-source'), ['InvalidArgument']);
      outcome(() => parseObjectMeta(req, d), ['MetadataTooLarge']);
      outcome(() => parseConditionals(req, d, false));
      outcome(() => parseConditionals(req, d, true));
      outcome(() => parseChecksumInput(req), ['InvalidRequest']);
      outcome(() => parseContentMd5(req), ['InvalidDigest']);
      outcome(() => parseResponseOverrides(req));
      outcome(() => sseModeHeaderPresent(req, d));
      const source = headers[d.prefix + 'copy-source'];
      if (typeof source === 'string') outcome(() => parseCopySource(source), ['InvalidArgument']);
    }),
    params(2),
  );
});

// ---- SSE-C ----------------------------------------------------------------------------------

/** The three SSE-C headers as a client might send them: right, missing, empty or near misses. */
const customerHeaders = fc
  .record({
    bytes: fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 48 }) }).map((b) => Buffer.from(b)),
    algorithm: fc.oneof({ weight: 4, arbitrary: fc.constant<string | undefined>('AES256') }, { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, '', 'aes256', 'AES256 ', 'AES128', 'aws:kms') }),
    keyForm: fc.constantFrom('right', 'right', 'right', 'missing', 'empty', 'near', 'other'),
    md5Form: fc.constantFrom('right', 'right', 'right', 'missing', 'empty', 'near', 'hex', 'of-base64-text'),
    at: fc.nat(),
    c: fc.constantFrom('A', 'B', 'Q', 'g', '/', '+', '=', '-', ' ', '!'),
    how: fc.constantFrom('replace', 'insert', 'remove'),
    other: anyText(50),
  })
  .map((m) => {
    const near = (t: string): string => {
      const i = m.at % (t.length + 1);
      return m.how === 'replace' ? t.slice(0, i) + m.c + t.slice(i + 1) : m.how === 'insert' ? t.slice(0, i) + m.c + t.slice(i) : t.slice(0, i) + t.slice(i + 1);
    };
    const keyText = m.bytes.toString('base64');
    const md5Text = md5(m.bytes).toString('base64');
    const forms = (right: string, form: string): string | undefined =>
      ({ right, missing: undefined, empty: '', near: near(right), other: m.other, hex: md5(m.bytes).toString('hex'), 'of-base64-text': md5(Buffer.from(keyText)).toString('base64') })[form];
    return { algorithm: m.algorithm, key: forms(keyText, m.keyForm), md5: forms(md5Text, m.md5Form) };
  });

/** What parseCustomerKey must answer, worked out from the S3 rules. */
function referenceCustomerKey(h: { algorithm?: string | undefined; key?: string | undefined; md5?: string | undefined }): { key: Buffer; keyMd5: string } | 'InvalidArgument' | undefined {
  if (h.algorithm === undefined && h.key === undefined && h.md5 === undefined) return undefined;
  if (h.algorithm !== 'AES256') return 'InvalidArgument';
  if (h.key === undefined || !strictBase64(h.key)) return 'InvalidArgument';
  const key = Buffer.from(h.key, 'base64');
  if (key.length !== 32 || h.md5 === undefined || !strictBase64(h.md5) || !Buffer.from(h.md5, 'base64').equals(md5(key))) return 'InvalidArgument';
  return { key, keyMd5: md5(key).toString('base64') };
}

function customerHeaderSet(d: Dialect, which: 'target' | 'copy-source', h: { algorithm?: string | undefined; key?: string | undefined; md5?: string | undefined }, otherPrefix: boolean): IncomingHttpHeaders {
  const prefix = otherPrefix ? (d.prefix === 'x-obs-' ? 'x-amz-' : 'x-obs-') : d.prefix;
  const base = prefix + (which === 'copy-source' ? 'copy-source-' : '') + 'server-side-encryption-customer-';
  const out: IncomingHttpHeaders = {};
  if (h.algorithm !== undefined) out[base + 'algorithm'] = h.algorithm;
  if (h.key !== undefined) out[base + 'key'] = h.key;
  if (h.md5 !== undefined) out[base + 'key-md5'] = h.md5;
  return out;
}

test('SSE-C: any triple (right, missing, empty or one character off) is answered as the reference says, and the key is never echoed', () => {
  fc.assert(
    fc.property(customerHeaders, dialect, fc.constantFrom('target', 'copy-source') as fc.Arbitrary<'target' | 'copy-source'>, fc.boolean(), (h, d, which, otherPrefix) => {
      const headers = customerHeaderSet(d, which, h, otherPrefix);
      // OBS reads x-amz- headers too; S3 ignores x-obs- ones.
      const expected = otherPrefix && !d.acceptsOtherPrefix ? undefined : referenceCustomerKey(h);
      const r = outcome(() => parseCustomerKey(wire(headers), d, which), ['InvalidArgument']);
      if (expected === 'InvalidArgument') {
        assert.ok('error' in r, `accepted ${JSON.stringify(h)}`);
        const rendered = JSON.stringify({ message: r.error.message, detail: r.error.detail });
        if (h.key !== undefined && h.key.length >= 8) assert.ok(!rendered.includes(h.key), 'the customer key is echoed in the error');
        return;
      }
      assert.ok('value' in r, `refused ${JSON.stringify(h)}: ${'error' in r ? r.error.message : ''}`);
      assert.deepEqual(r.value, expected);
    }),
    params(3),
  );
});

// ---- SSE mode, KMS key id and context --------------------------------------------------------

const contextValue = fc.oneof(
  fc.dictionary(unicodeText(1, 8), unicodeText(0, 8), { maxKeys: 3 }).map((o) => ({ text: Buffer.from(JSON.stringify(o)).toString('base64'), valid: true })),
  fc.constantFrom(
    { text: Buffer.from('{"a":1}').toString('base64'), valid: false },
    { text: Buffer.from('["a"]').toString('base64'), valid: false },
    { text: Buffer.from('null').toString('base64'), valid: false },
    { text: Buffer.from('{"a":').toString('base64'), valid: false },
    { text: '{"a":"b"}', valid: false },
    { text: '', valid: false },
  ),
);

test('SSE mode headers: any combination of mode, customer key, KMS key id and context gives the request the rules say', () => {
  const key = Buffer.alloc(32, 9);
  fc.assert(
    fc.property(
      dialect,
      fc.record({
        customer: fc.boolean(),
        mode: fc.constantFrom(undefined, 'AES256', 'aws:kms', 'kms', 'aws:kms:dsse', 'AES-256', ''),
        keyId: fc.constantFrom(undefined, '', 'key-1', 'arn:aws:kms:r:1:key/2'),
        keyIdHeader: fc.constantFrom('x-amz-server-side-encryption-aws-kms-key-id', 'x-obs-server-side-encryption-kms-key-id'),
        context: fc.option(contextValue, { nil: undefined }),
        projectId: fc.constantFrom(undefined, 'p1'),
        bucketKey: fc.constantFrom(undefined, 'true', 'TRUE', 'false', 'x'),
      }),
      (d, m) => {
        const p = d.prefix;
        const headers: IncomingHttpHeaders = {};
        if (m.customer) Object.assign(headers, customerHeaderSet(d, 'target', { algorithm: 'AES256', key: key.toString('base64'), md5: md5(key).toString('base64') }, false));
        if (m.mode !== undefined) headers[p + 'server-side-encryption'] = m.mode;
        if (m.keyId !== undefined) headers[m.keyIdHeader] = m.keyId;
        if (m.context !== undefined) headers[p + 'server-side-encryption-context'] = m.context.text;
        if (m.projectId !== undefined) headers[p + 'sse-kms-key-project-id'] = m.projectId;
        if (m.bucketKey !== undefined) headers['x-amz-server-side-encryption-bucket-key-enabled'] = m.bucketKey;
        // The key id header each dialect reads: S3 only its own; OBS its own, else the S3 one.
        const keyId = m.keyIdHeader === 'x-amz-server-side-encryption-aws-kms-key-id' || d.name === 'obs' ? m.keyId : undefined;
        const mode = m.mode === undefined ? undefined : m.mode === 'AES256' ? 'AES256' : m.mode === 'aws:kms' || (d.name === 'obs' && m.mode === 'kms') ? 'kms' : 'bad';
        let expected: unknown;
        if (mode === 'bad') expected = 'InvalidArgument';
        else if (m.customer) expected = mode !== undefined || keyId !== undefined || m.context !== undefined ? 'InvalidArgument' : { kind: 'sse-c', customer: { key, keyMd5: md5(key).toString('base64') } };
        else if (mode === 'kms') {
          expected = m.context !== undefined && !m.context.valid
            ? 'InvalidArgument'
            : {
                kind: 'sse-kms',
                ...(keyId ? { keyId } : {}),
                ...(m.context !== undefined ? { context: m.context.text } : {}),
                ...(m.projectId !== undefined ? { projectId: m.projectId } : {}),
                ...(m.bucketKey !== undefined ? { bucketKeyEnabled: m.bucketKey.toLowerCase() === 'true' } : {}),
              };
        } else if (keyId !== undefined || m.context !== undefined) expected = 'InvalidArgument';
        else expected = { kind: mode === 'AES256' ? 'sse-s3' : 'none' };
        const r = outcome(() => parseSseRequest(wire(headers), d), ['InvalidArgument']);
        if (expected === 'InvalidArgument') return assert.ok('error' in r, `accepted ${JSON.stringify(headers)}`);
        assert.ok('value' in r, `refused ${JSON.stringify(headers)}: ${'error' in r ? r.error.message : ''}`);
        assert.deepEqual(r.value, expected);
      },
    ),
    params(2),
  );
});

// ---- Metadata -------------------------------------------------------------------------------

const metaName = fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/), fc.constantFrom('__proto__', 'constructor', 'tostring', 'hasownproperty', 'a'));

test('user metadata: any names and values are kept (values trimmed) until the dialect limit, then 400 MetadataTooLarge', () => {
  fc.assert(
    fc.property(dialect, fc.dictionary(metaName, fc.oneof(headerText(40), fc.string({ unit: 'grapheme-ascii', minLength: 500, maxLength: 1500 })), { maxKeys: 8 }), fc.boolean(), (d, user, otherPrefix) => {
      const prefix = (otherPrefix ? (d.prefix === 'x-obs-' ? 'x-amz-' : 'x-obs-') : d.prefix) + 'meta-';
      const headers: IncomingHttpHeaders = {};
      for (const [name, value] of Object.entries(user)) headers[prefix + name] = value;
      const seen = otherPrefix && !d.acceptsOtherPrefix ? {} : user;
      const bytes = Object.entries(seen).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v.trim()), 0);
      const limit = d.name === 'obs' ? 8192 : 2048;
      const r = outcome(() => parseObjectMeta(wire(headers), d), ['MetadataTooLarge']);
      assert.equal('error' in r, bytes > limit, `${bytes} bytes against ${limit}`);
      if ('value' in r) assert.deepEqual(Object.entries(r.value.user).sort(), Object.entries(seen).map(([k, v]) => [k, v.trim()]).sort());
    }),
    params(),
  );
});

test('Content-Encoding: aws-chunked is dropped from any list, the other codings are kept in order', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('aws-chunked', 'AWS-CHUNKED', 'gzip', 'br', 'identity', '', ' '), { minLength: 1, maxLength: 5 }), dialect, (codings, d) => {
      const meta = parseObjectMeta(wire({ 'content-encoding': codings.join(',') }), d);
      const rest = codings.map((c) => c.trim()).filter((c) => c !== '' && c.toLowerCase() !== 'aws-chunked');
      assert.equal(meta.contentEncoding, rest.length ? rest.join(',') : undefined);
    }),
    params(0.5),
  );
});

// ---- Conditionals ---------------------------------------------------------------------------

const etag = fc.oneof(fc.stringMatching(/^[0-9a-f]{32}(-[1-9][0-9]{0,3})?$/), fc.constant('*'), fc.string({ unit: fc.constantFrom('a', 'B', '-', '_', '.', '/'), minLength: 1, maxLength: 12 }));
const DATE_FORMS = [
  (ms: number) => httpDate(ms),
  (ms: number) => new Date(ms).toISOString(),
  (ms: number) => {
    const d = new Date(ms);
    const mon = d.toUTCString().slice(8, 11);
    return `${d.toUTCString().slice(0, 3)} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;
  },
];

test('conditional headers: ETag lists in any quoting read back as the tags; dates in any HTTP format read back as the instant; bad dates are ignored', () => {
  fc.assert(
    fc.property(
      dialect,
      fc.boolean(),
      fc.array(fc.tuple(etag, fc.constantFrom('plain', 'quoted', 'weak')), { minLength: 1, maxLength: 4 }),
      fc.constantFrom(',', ', ', ' ,  '),
      fc.integer({ min: 0, max: 4102444800 }).map((s) => s * 1000),
      fc.nat({ max: DATE_FORMS.length - 1 }),
      fc.oneof(fc.constant(undefined), anyText(20), fc.constantFrom('yesterday', '0', 'Thu, 32 Jan 1970 00:00:00 GMT')),
      (d, copySource, tags, separator, ms, form, badDate) => {
        const list = tags.map(([t, q]) => (q === 'plain' ? t : q === 'quoted' ? `"${t}"` : `W/"${t}"`)).join(separator);
        const name = (n: string): string => (copySource ? d.prefix + 'copy-source-' + n : n);
        const headers: IncomingHttpHeaders = { [name('if-match')]: list, [name('if-none-match')]: list, [name('if-modified-since')]: DATE_FORMS[form]!(ms) };
        if (badDate !== undefined) headers[name('if-unmodified-since')] = badDate;
        const c = parseConditionals(wire(headers), d, copySource);
        assert.deepEqual(c.ifMatch, tags.map(([t]) => t));
        assert.deepEqual(c.ifNoneMatch, tags.map(([t]) => t));
        assert.equal(c.ifModifiedSince, ms);
        if (c.ifUnmodifiedSince !== undefined) assert.ok(Number.isFinite(c.ifUnmodifiedSince));
        if (badDate !== undefined && !/\d{4}|\d{2}:\d{2}/.test(badDate)) assert.equal(c.ifUnmodifiedSince, undefined);
      },
    ),
    params(),
  );
});

// ---- Copy source ----------------------------------------------------------------------------

const bucketName = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/);

test('copy source: any bucket, object name and version, percent-encoded any way, reads back exactly; anything else is 400 or a non-empty pair', () => {
  fc.assert(
    fc.property(
      bucketName,
      unicodeText(1, 80).filter((k) => !/\p{Surrogate}/u.test(k)),
      fc.option(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }), { nil: undefined }),
      fc.constantFrom('strict', 'keep-slash', 'component'),
      fc.boolean(),
      fc.constantFrom('', ' ', '\t'),
      (bucket, key, versionId, encoding, leadingSlash, pad) => {
        const encoded = encoding === 'strict' ? uriEncode(key) : encoding === 'keep-slash' ? uriEncode(key, false) : encodeURIComponent(key);
        const raw = `${pad}${leadingSlash ? '/' : ''}${bucket}/${encoded}${versionId === undefined ? '' : `?versionId=${encodeURIComponent(versionId)}`}${pad}`;
        assert.deepEqual(parseCopySource(raw), { bucket, key, ...(versionId !== undefined ? { versionId } : {}) });
      },
    ),
    params(2),
  );
  fc.assert(
    fc.property(fc.oneof(anyText(60), headerText(60)), (raw) => {
      const r = outcome(() => parseCopySource(raw), ['InvalidArgument']);
      if ('value' in r) assert.ok(r.value.bucket !== '' && r.value.key !== '' && !r.value.bucket.includes('/'));
    }),
    params(),
  );
});

// ---- Checksums, Content-MD5, response overrides ---------------------------------------------

const ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;

test('checksum headers: values, declared algorithm and trailer are read as the reference says', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom(...ALGORITHMS), fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64')), nearBase64(fc.constant('AAAAAA=='))), { maxKeys: 2 }),
      fc.option(fc.constantFrom('CRC32', 'crc32c', 'SHA256', ' sha1 ', 'x-amz-checksum-crc64nvme', 'md5', ''), { nil: undefined }),
      fc.option(fc.constantFrom('x-amz-checksum-crc32', 'X-Amz-Checksum-SHA256', ' x-amz-checksum-crc32c ', 'x-amz-checksum-md5', 'content-md5', ''), { nil: undefined }),
      (values, declared, trailer) => {
        const headers: IncomingHttpHeaders = {};
        for (const [alg, v] of Object.entries(values)) headers['x-amz-checksum-' + alg] = v;
        if (declared !== undefined) headers['x-amz-sdk-checksum-algorithm'] = declared;
        if (trailer !== undefined) headers['x-amz-trailer'] = trailer;
        const known = (n: string): string | undefined => {
          const a = n.trim().toLowerCase().replace(/^x-amz-checksum-/, '');
          return (ALGORITHMS as readonly string[]).includes(a) ? a : undefined;
        };
        const trailerAlg = trailer === undefined ? undefined : /^x-amz-checksum-/.test(trailer.trim().toLowerCase()) ? known(trailer) : undefined;
        const invalid =
          Object.values(values).some((v) => !strictBase64(v)) ||
          Object.keys(values).length > 1 ||
          (declared !== undefined && known(declared) === undefined) ||
          (trailer !== undefined && trailerAlg === undefined);
        const r = outcome(() => parseChecksumInput(wire(headers)), ['InvalidRequest']);
        assert.equal('error' in r, invalid);
        if ('value' in r) {
          const algorithm = trailerAlg ?? (declared !== undefined ? known(declared) : undefined);
          assert.deepEqual(r.value, { expected: { ...values }, ...(algorithm !== undefined ? { algorithm } : {}) });
        }
      },
    ),
    params(),
  );
});

test('Content-MD5: the base64 MD5 of any bytes is accepted (trimmed); any other value is 400 InvalidDigest', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('', ' ', '\t'), (bytes, pad) => {
      const value = md5(Buffer.from(bytes)).toString('base64');
      assert.equal(parseContentMd5(wire({ 'content-md5': pad + value + pad })), value);
    }),
    params(),
  );
  fc.assert(
    fc.property(fc.oneof(anyText(30), nearBase64(fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64'))), fc.constant(md5(Buffer.from('x')).toString('hex'))), (value) => {
      const t = value.trim();
      const ok = strictBase64(t) && Buffer.from(t, 'base64').length === 16;
      const r = outcome(() => parseContentMd5(wire({ 'content-md5': value })), ['InvalidDigest']);
      assert.equal('value' in r, ok, value);
      if ('value' in r) assert.equal(r.value, t);
    }),
    params(),
  );
});

test('response overrides: exactly the six response-* parameters are taken, whatever the case of their names', () => {
  const NAMES = ['response-content-type', 'response-content-language', 'response-expires', 'response-cache-control', 'response-content-disposition', 'response-content-encoding'];
  const FIELDS = ['contentType', 'contentLanguage', 'expires', 'cacheControl', 'contentDisposition', 'contentEncoding'];
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES, 'response-other', 'content-type'), fc.boolean(), anyText(20)), { selector: ([n]) => n, maxLength: 8 }), (pairs) => {
      const query = pairs.map(([n, upper, v]): [string, string] => [upper ? n.toUpperCase() : n, v]);
      const expected: Record<string, string> = {};
      for (const [n, , v] of pairs) if (NAMES.includes(n)) expected[FIELDS[NAMES.indexOf(n)]!] = v;
      assert.deepEqual(parseResponseOverrides(wire({}, query)), expected);
    }),
    params(),
  );
});

// ---- Loading the copy source, declared lengths ----------------------------------------------

const OWNER = 'AKOWNER';
let metadata: SqliteMetadataStore;
const SOURCE: ObjectRecord = {
  schema: 1, bucket: 'src', key: 'dir/a b+ü', versionId: 'v-current', size: 3, etag: 'e', lastModified: 0, storageClass: 'STANDARD',
  sse: { mode: 'none', sealedObjectKey: '' }, sealedMeta: '', segments: [], owner: OWNER,
};

before(async () => {
  metadata = new SqliteMetadataStore(':memory:');
  for (const [name, owner] of [['src', OWNER], ['foreign', 'AKOTHER']] as const) {
    const bucket: BucketRecord = { schema: 1, name, owner, createdAt: 0, region: 'us-east-1' };
    await metadata.createBucket(bucket);
  }
  await metadata.putObject(SOURCE);
});

after(async () => {
  await metadata.close();
});

test('copy source loading: any x-amz-copy-source value finds its object or is NoSuchBucket, AccessDenied or NoSuchKey', async () => {
  const ctx = { metadata, principal: OWNER } as unknown as OperationContext;
  const raw = fc.oneof(
    anyText(40),
    fc.tuple(fc.constantFrom('src', 'foreign', 'missing', 'SRC'), fc.constantFrom(SOURCE.key, 'dir/a b', 'other', SOURCE.key + '/'), fc.option(fc.constantFrom('v-current', 'null', 'v-old', ''), { nil: undefined }))
      .map(([b, k, v]) => `/${b}/${uriEncode(k, false)}${v === undefined ? '' : `?versionId=${v}`}`),
  );
  await fc.assert(
    fc.asyncProperty(raw, async (value) => {
      const parsed = outcome(() => parseCopySource(value), ['InvalidArgument']);
      if ('error' in parsed) return;
      const source = parsed.value;
      const r = await outcomeAsync(() => loadCopySource(ctx, source), ['NoSuchBucket', 'AccessDenied', 'NoSuchKey']);
      const expected =
        source.bucket === 'foreign' ? 'AccessDenied'
        : source.bucket !== 'src' ? 'NoSuchBucket'
        : source.key !== SOURCE.key || (source.versionId !== undefined && source.versionId !== 'null' && source.versionId !== SOURCE.versionId) ? 'NoSuchKey'
        : 'found';
      assert.equal('value' in r ? 'found' : r.error.code, expected, JSON.stringify(source));
      if ('value' in r) assert.deepEqual(r.value, SOURCE);
    }),
    params(0.5),
  );
});

test('a declared length past the maximum, up to 2^53, is EntityTooLarge before a byte is read or stored', async () => {
  const body = { read: () => assert.fail('the body was read'), pipe: () => assert.fail('the body was piped') };
  const ctx = { limits: defaultLimits, bucketRecord: { schema: 1, name: 'b', owner: OWNER, createdAt: 0, region: 'us-east-1' }, principal: OWNER, body } as unknown as OperationContext;
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.integer({ min: defaultLimits.maxObjectBytes + 1, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(2 ** 53, 2 ** 53 + 2, 9999999999999999)), fc.constantFrom('PutObject', 'UploadPart') as fc.Arbitrary<'PutObject' | 'UploadPart'>, async (contentLength, operation) => {
      const wire: WireRequest = { method: 'PUT', rawPath: '/b/k', rawQuery: '', query: new Map(operation === 'UploadPart' ? [['partNumber', '1'], ['uploadId', 'u']] : []), headers: {}, bucket: 'b', key: 'k', isSecure: true, remoteAddress: '127.0.0.1' };
      const r = await outcomeAsync(() => invoke(operation, wire, s3Dialect, ctx, { renderKeyId: (_d, id) => id, contentLength }), ['EntityTooLarge']);
      assert.ok('error' in r, `${contentLength} bytes accepted`);
    }),
    params(0.25),
  );
});
