/**
 * Fuzzing of addressing and names (src/dialects/addressing.ts, object and bucket name rules):
 * any path, host and query string resolve or are refused with a 400; any object name, encoded the
 * ways clients encode it, in path or virtual-host style, resolves to itself, decoded exactly once;
 * object names over 1,024 bytes are KeyTooLongError; bucket names follow the S3 rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hostWithoutPort, parseQuery, resolveAddressing } from '../../../src/dialects/addressing.js';
import { checkBucketName } from '../../../src/operations/bucket.js';
import { checkObjectName } from '../../../src/operations/object-common.js';
import { uriEncode } from '../../../src/signing/index.js';
import { anyText, headerText, outcome, params, unicodeText } from './fuzz-support.js';

const DOMAINS = ['localhost', 'obs.example.com', 's3.amazonaws.com', 'objects.internal'];
const bucketName = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,40}[a-z0-9]$/).filter((b) => !b.includes('..') && !b.includes('.-') && !b.includes('-.'));
/** Object names: any well-formed Unicode, with path-like and percent-like pieces. */
const objectName = fc
  .oneof(
    unicodeText(1, 80),
    fc.string({ unit: fc.constantFrom('a', '/', '.', '..', '../', '%', '%2F', '%25', '+', ' ', '?', '#', '&', '=', ';', '~', '\\', 'é', '😀', '\u0001', '\u007f'), minLength: 1, maxLength: 30 }),
  )
  .filter((k) => !/\p{Surrogate}/u.test(k));
const encode = fc.constantFrom<(k: string) => string>((k) => uriEncode(k, false), (k) => encodeURIComponent(k), (k) => encodeURI(k).replace(/[?#]/g, (c) => encodeURIComponent(c)), (k) => uriEncode(k));

test('any path, host and domain resolve or are refused with 400 InvalidArgument', () => {
  fc.assert(
    fc.property(fc.oneof(anyText(80), fc.constant('/'), anyText(40).map((t) => '/' + t)), fc.option(fc.oneof(headerText(60), fc.constantFrom('[::1]:9000', '[::1', 'b.localhost:', 'B.LOCALHOST:9000', ':9000', '.localhost', 'localhost')), { nil: undefined }), fc.constantFrom(...DOMAINS), (path, host, domain) => {
      const r = outcome(() => resolveAddressing(path, host, domain), ['InvalidArgument']);
      if ('error' in r) return;
      if (r.value.key !== undefined) assert.ok(r.value.bucket !== undefined && r.value.key !== '');
      if (r.value.virtualBucket !== undefined) assert.equal(r.value.bucket, r.value.virtualBucket);
    }),
    params(2),
  );
});

test('path style: any bucket and object name, encoded any way a client does, resolve to themselves', () => {
  fc.assert(
    fc.property(bucketName, objectName, encode, fc.constantFrom('127.0.0.1:9000', 'localhost', 'LOCALHOST:9443', '[::1]:9000', undefined), (bucket, key, enc, host) => {
      assert.deepEqual(resolveAddressing(`/${bucket}/${enc(key)}`, host, 'localhost'), { bucket, key });
      assert.deepEqual(resolveAddressing(`/${bucket}`, host, 'localhost'), { bucket });
      assert.deepEqual(resolveAddressing(`/${bucket}/`, host, 'localhost'), { bucket });
    }),
    params(2),
  );
});

test('virtual-host style: the bucket comes from the Host header (any case, port or none), the name from the whole path', () => {
  fc.assert(
    fc.property(bucketName, objectName, encode, fc.constantFrom(...DOMAINS), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), fc.boolean(), (bucket, key, enc, domain, port, upper) => {
      const hostname = `${bucket}.${domain}`;
      const host = `${upper ? hostname.toUpperCase() : hostname}${port === undefined ? '' : `:${port}`}`;
      assert.deepEqual(resolveAddressing('/' + enc(key), host, domain), { virtualBucket: bucket, bucket, key });
      assert.deepEqual(resolveAddressing('/', host, domain), { virtualBucket: bucket, bucket });
    }),
    params(),
  );
});

test('object names are percent-decoded exactly once', () => {
  fc.assert(
    fc.property(bucketName, objectName, (bucket, key) => {
      const once = uriEncode(key, false);
      assert.equal(resolveAddressing(`/${bucket}/${uriEncode(once, false)}`, undefined, 'localhost').key, once);
    }),
    params(),
  );
});

test('hostWithoutPort drops exactly a trailing numeric port and lower-cases, keeping IPv6 brackets', () => {
  fc.assert(
    fc.property(fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), headerText(30)), fc.option(fc.oneof(fc.nat({ max: 65535 }).map(String), fc.constant('')), { nil: undefined }), (hostname, port) => {
      const host = port === undefined ? hostname : `${hostname}:${port}`;
      const h = host.trim().toLowerCase();
      let expected: string;
      if (h.startsWith('[')) expected = h.indexOf(']') > 0 ? h.slice(0, h.indexOf(']') + 1) : h;
      else {
        const colon = h.lastIndexOf(':');
        expected = colon >= 0 && /^[0-9]*$/.test(h.slice(colon + 1)) ? h.slice(0, colon) : h;
      }
      assert.equal(hostWithoutPort(host), expected);
      if (port !== undefined && !hostname.includes(':') && !hostname.includes('[') && hostname.trim() === hostname) assert.equal(hostWithoutPort(host), hostname.toLowerCase());
    }),
    params(),
  );
});

test('query strings: encoded pairs read back (first value wins, names keep case, + is a space); anything else is a map or 400', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(unicodeText(1, 12), unicodeText(0, 12), fc.boolean()), { maxLength: 8 }).map((ps) => ps.filter(([n, v]) => !/\p{Surrogate}/u.test(n + v))), (pairs) => {
      const raw = pairs.map(([n, v, form]) => {
        const enc = (t: string): string => (form ? encodeURIComponent(t).replace(/%20/g, '+') : uriEncode(t));
        return v === '' && form ? enc(n) : `${enc(n)}=${enc(v)}`;
      });
      const expected = new Map<string, string>();
      for (const [n, v] of pairs) if (!expected.has(n)) expected.set(n, v);
      assert.deepEqual(parseQuery(raw.join('&')), expected);
      assert.deepEqual(parseQuery(['', ...raw, ''].join('&&')), expected);
    }),
    params(),
  );
  fc.assert(
    fc.property(anyText(80), (raw) => {
      outcome(() => parseQuery(raw), ['InvalidArgument']);
    }),
    params(),
  );
});

/** Names built to land near 1,024 UTF-8 bytes, from characters of 1 to 4 bytes. */
const nearLimitName = fc
  .tuple(fc.constantFrom('a', 'é', '中', '😀', '/'), fc.integer({ min: 1000, max: 1030 }), fc.constantFrom('', 'b', 'é', '中', '😀'))
  .map(([c, bytes, tail]) => c.repeat(Math.max(0, Math.floor((bytes - Buffer.byteLength(tail)) / Buffer.byteLength(c)))) + tail);

test('object names: 1 to 1,024 UTF-8 bytes without NUL or U+FFFD are accepted; longer is 400 KeyTooLongError', () => {
  fc.assert(
    fc.property(fc.oneof(nearLimitName, objectName, anyText(40), fc.string({ unit: 'grapheme-ascii', minLength: 1000, maxLength: 1100 })), (key) => {
      const bytes = Buffer.byteLength(key, 'utf8');
      const r = outcome(() => checkObjectName(key), ['InvalidArgument', 'KeyTooLongError']);
      if (key === '' || key.includes('\u0000') || key.includes('\uFFFD')) return assert.ok('error' in r && r.error.code === 'InvalidArgument');
      if (bytes > 1024) return assert.ok('error' in r && r.error.code === 'KeyTooLongError' && r.error.status === 400, `${bytes} bytes accepted`);
      // A lone surrogate is written as U+FFFD on the wire, so it cannot name an object either.
      if (/\p{Surrogate}/u.test(key)) return;
      assert.ok('value' in r, `${bytes} bytes refused: ${'error' in r ? r.error.code : ''}`);
    }),
    params(),
  );
});

test('bucket names: accepted exactly when they follow the S3 rules, otherwise 400 InvalidBucketName', () => {
  const nearBucket = fc
    .tuple(bucketName, fc.nat(), fc.constantFrom('', '.', '-', 'A', '_', '..', '.-', '1', ' ', 'é'), fc.constantFrom('insert', 'replace', 'remove'))
    .map(([b, at, c, how]) => {
      const i = at % (b.length + 1);
      return how === 'insert' ? b.slice(0, i) + c + b.slice(i) : how === 'replace' ? b.slice(0, i) + c + b.slice(i + 1) : b.slice(0, i) + b.slice(i + 1);
    });
  fc.assert(
    fc.property(fc.oneof(bucketName, nearBucket, fc.ipV4(), anyText(70), fc.stringMatching(/^[a-z0-9]{60,66}$/)), (name) => {
      const rules =
        name.length >= 3 &&
        name.length <= 63 &&
        [...name].every((c) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '.' || c === '-') &&
        /[a-z0-9]/.test(name[0]!) &&
        /[a-z0-9]/.test(name[name.length - 1]!) &&
        !['..', '.-', '-.'].some((s) => name.includes(s)) &&
        !(name.split('.').length === 4 && name.split('.').every((p) => /^[0-9]{1,3}$/.test(p)));
      const r = outcome(() => checkBucketName(name), ['InvalidBucketName']);
      assert.equal('value' in r, rules, name);
    }),
    params(),
  );
});
