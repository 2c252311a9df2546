/**
 * Fuzzing of canonicalization and signature verification (src/signing/*, src/dialects/auth/*):
 * URI encoding round-trips any Unicode; the canonical query is a function of the set of pairs;
 * signing is deterministic; a signed request verifies, and any change to a signed header value,
 * the path, the query or the signature is refused, unless it leaves the canonical request as it
 * was. Any Authorization header or query string is verified or refused with a 4xx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { authenticate, type AuthRequest } from '../../../src/dialects/auth/index.js';
import { httpDate } from '../../../src/http/dates.js';
import {
  canonicalQueryV4,
  canonicalResourceV2,
  presignV4,
  sha256Hex,
  signV2,
  signV4,
  splitQuery,
  stringToSignV2,
  tryDecode,
  UNSIGNED_PAYLOAD,
  uriEncode,
} from '../../../src/signing/index.js';
import { anyText, headerText, outcome, params, unicodeText } from './fuzz-support.js';

const ACCESS_KEY = 'AKFUZZEXAMPLE';
const SECRET = 'fuzz/Secret+Key=0123456789abcdefghij';
const lookup = (id: string): string | undefined => (id === ACCESS_KEY ? SECRET : undefined);
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

const wellFormed = (s: string): boolean => !/\p{Surrogate}/u.test(s);
const text = (min: number, max: number): fc.Arbitrary<string> => unicodeText(min, max).filter(wellFormed);
const renderQuery = (pairs: Array<[string, string]>): string => pairs.map(([n, v]) => `${uriEncode(n)}=${uriEncode(v)}`).join('&');

/** Replaces the code point at `at` (modulo the length) with a different one. */
function changeCodePoint(s: string, at: number, replacement: string): string {
  const cps = [...s];
  const i = at % cps.length;
  cps[i] = cps[i] === replacement ? (replacement === 'x' ? 'y' : 'x') : replacement;
  return cps.join('');
}

// ---- Encoding and canonical query -----------------------------------------------------------

test('uriEncode writes only unreserved characters and %XX, agrees with strict encodeURIComponent, and decodes back', () => {
  fc.assert(
    fc.property(fc.oneof(text(0, 60), fc.string({ unit: fc.constantFrom('/', '%', '+', ' ', '*', '~', "'", '(', '!', '?', '#', '&', '=', 'é', '😀', '\u0000'), maxLength: 20 })), (s) => {
      const strict = encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
      assert.equal(uriEncode(s), strict);
      assert.equal(uriEncode(s, false), strict.replace(/%2F/g, '/'));
      assert.match(uriEncode(s), /^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
      assert.equal(tryDecode(uriEncode(s)), s);
      assert.equal(tryDecode(uriEncode(s, false)), s);
    }),
    params(2),
  );
  fc.assert(
    fc.property(anyText(60), (s) => {
      const d = tryDecode(s);
      assert.ok(d === undefined || typeof d === 'string');
    }),
    params(),
  );
});

const queryPairs = fc.array(fc.tuple(fc.oneof(text(1, 10), fc.constantFrom('a', 'A', 'prefix', 'max-keys', 'versionId')), fc.oneof(text(0, 10), fc.constantFrom('', '1', 'a b', 'a+b', '/'))), { maxLength: 8 });

test('the canonical query is the sorted encoded pairs, whatever their order; split and render round-trip', () => {
  fc.assert(
    fc.property(queryPairs, fc.func(fc.integer()), (pairs, key) => {
      const canonical = canonicalQueryV4(pairs);
      const shuffled = [...pairs].map((p, i) => [key(p[0], p[1], i), p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p);
      assert.equal(canonicalQueryV4(shuffled), canonical);
      const expected = pairs.map(([n, v]) => `${uriEncode(n)}=${uriEncode(v)}`).sort((a, b) => {
        const [an, av] = a.split('=') as [string, string];
        const [bn, bv] = b.split('=') as [string, string];
        return an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0;
      });
      assert.equal(canonical, expected.join('&'));
      assert.deepEqual(splitQuery(renderQuery(pairs)), pairs);
    }),
    params(),
  );
  fc.assert(
    fc.property(anyText(80), (raw) => {
      const pairs = splitQuery(raw);
      if (pairs !== undefined) for (const [n, v] of pairs) assert.ok(typeof n === 'string' && typeof v === 'string');
    }),
    params(),
  );
});

// ---- SigV4 header signing -------------------------------------------------------------------

/** A request a client could sign: any object name, query and metadata values. */
const signedRequest = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'HEAD', 'DELETE', 'POST'),
  bucket: fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/),
  key: text(1, 40),
  query: queryPairs,
  meta: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,10}$/), headerText(30).filter((v) => v.trim() !== '')), { minLength: 1, maxLength: 3, selector: ([n]) => n }),
  payload: fc.oneof(fc.constant(UNSIGNED_PAYLOAD), fc.uint8Array({ maxLength: 20 }).map((b) => sha256Hex(Buffer.from(b)))),
  contentType: fc.option(fc.constantFrom('text/plain', 'application/xml; charset=utf-8'), { nil: undefined }),
});
type SignedRequest = typeof signedRequest extends fc.Arbitrary<infer T> ? T : never;

function signRequest(r: SignedRequest, nowMs = NOW, secret = SECRET): AuthRequest & { headers: Record<string, string> } {
  const rawPath = `/${r.bucket}/${uriEncode(r.key, false)}`;
  const headers: Record<string, string> = { host: 'obscura.test:9000' };
  for (const [name, value] of r.meta) headers[`x-amz-meta-${name}`] = value;
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  const auth = signV4({ method: r.method, canonicalUri: rawPath, query: r.query, headers, payloadHash: r.payload, accessKeyId: ACCESS_KEY, secretAccessKey: secret, region: 'us-east-1', service: 's3', nowMs });
  return { method: r.method, rawPath, rawQuery: renderQuery(r.query), headers: { ...headers, ...auth } };
}

test('SigV4: signing is deterministic, a signed request verifies, and it depends on the clock and the secret', () => {
  fc.assert(
    fc.property(signedRequest, (r) => {
      const a = signRequest(r);
      assert.deepEqual(signRequest(r), a);
      const result = authenticate(a, lookup, NOW);
      assert.equal(result.accessKeyId, ACCESS_KEY);
      assert.equal(result.scheme, 'v4-header');
      assert.deepEqual(result.payload, r.payload === UNSIGNED_PAYLOAD ? { kind: 'unsigned' } : { kind: 'sha256', hex: r.payload });
      assert.notEqual(signRequest(r, NOW + 1000).headers['authorization'], a.headers['authorization']);
      const forged = signRequest(r, NOW, SECRET + 'x');
      assert.ok('error' in outcome(() => authenticate(forged, lookup, NOW), ['SignatureDoesNotMatch']));
    }),
    params(),
  );
});

test('SigV4: changing one character of a signed header value, the object name, a query name or value, or the method is refused', () => {
  fc.assert(
    fc.property(signedRequest, fc.nat(), fc.nat(), fc.constantFrom('x', 'Z', '0', '~', 'é', '😀', '/', '%'), fc.constantFrom('header', 'key', 'query-name', 'query-value', 'method', 'signature'), (r, which, at, c, part) => {
      const signed = signRequest(r);
      let changed: AuthRequest;
      if (part === 'header') {
        const [name, value] = r.meta[which % r.meta.length]!;
        const nonSpace = [...value].map((ch, i) => [ch, i] as const).filter(([ch]) => ch !== ' ');
        const i = nonSpace[at % nonSpace.length]![1];
        const cps = [...value];
        cps[i] = cps[i] === 'x' ? 'y' : 'x';
        changed = { ...signed, headers: { ...signed.headers, [`x-amz-meta-${name}`]: cps.join('') } };
      } else if (part === 'key') {
        changed = { ...signed, rawPath: `/${r.bucket}/${uriEncode(changeCodePoint(r.key, at, c), false)}` };
      } else if (part === 'query-name' || part === 'query-value') {
        if (r.query.length === 0) return;
        const query = r.query.map(([n, v]) => [n, v] as [string, string]);
        const pair = query[which % query.length]!;
        if (part === 'query-name') pair[0] = changeCodePoint(pair[0], at, c);
        else pair[1] = pair[1] === '' ? c : changeCodePoint(pair[1], at, c);
        changed = { ...signed, rawQuery: renderQuery(query) };
      } else if (part === 'method') {
        changed = { ...signed, method: r.method === 'GET' ? 'PUT' : 'GET' };
      } else {
        const auth = signed.headers['authorization']!;
        const i = auth.length - 1 - (at % 64);
        changed = { ...signed, headers: { ...signed.headers, authorization: auth.slice(0, i) + (auth[i] === '0' ? '1' : '0') + auth.slice(i + 1) } };
      }
      const result = outcome(() => authenticate(changed, lookup, NOW), ['SignatureDoesNotMatch']);
      assert.ok('error' in result, `the change to the ${part} was accepted`);
    }),
    params(3),
  );
});

test('SigV4: a raw path or query changed one character is accepted only when it decodes to what was signed', () => {
  fc.assert(
    fc.property(signedRequest, fc.nat(), fc.constantFrom('x', '%', '2', 'f', 'F', '/', '&', '=', '+', ' ', 'é'), fc.boolean(), (r, at, c, inPath) => {
      const signed = signRequest(r);
      const raw = inPath ? signed.rawPath : signed.rawQuery;
      if (raw.length === 0) return;
      const i = at % raw.length;
      const mutated = raw.slice(0, i) + (raw[i] === c ? 'q' : c) + raw.slice(i + 1);
      const changed = inPath ? { ...signed, rawPath: mutated } : { ...signed, rawQuery: mutated };
      const result = outcome(() => authenticate(changed, lookup, NOW), ['SignatureDoesNotMatch', 'InvalidArgument']);
      const same = inPath ? tryDecode(mutated) === tryDecode(raw) : (() => {
        const pairs = splitQuery(mutated);
        return pairs !== undefined && canonicalQueryV4(pairs) === canonicalQueryV4(r.query);
      })();
      assert.equal('value' in result, same, `${inPath ? 'path' : 'query'} ${JSON.stringify(mutated)}`);
    }),
    params(2),
  );
});

test('SigV4: an x-amz-* header added after signing is refused (403)', () => {
  fc.assert(
    fc.property(signedRequest, fc.stringMatching(/^x-amz-[a-z-]{1,12}$/), headerText(10), (r, name, value) => {
      const signed = signRequest(r);
      if (name in signed.headers) return;
      const result = outcome(() => authenticate({ ...signed, headers: { ...signed.headers, [name]: value } }, lookup, NOW), ['AccessDenied']);
      assert.ok('error' in result && result.error.status === 403);
    }),
    params(0.5),
  );
});

// ---- SigV4 presigned URLs -------------------------------------------------------------------

test('presigned URLs verify; a query changed one character is refused unless it is canonically the same', () => {
  fc.assert(
    fc.property(signedRequest, fc.integer({ min: 1, max: 604800 }), fc.nat(), fc.constantFrom('x', '0', '%', '&', '=', 'Z', '9'), (r, expires, at, c) => {
      const rawPath = `/${r.bucket}/${uriEncode(r.key, false)}`;
      const query = presignV4({ method: r.method, canonicalUri: rawPath, query: r.query, headers: { host: 'obscura.test' }, accessKeyId: ACCESS_KEY, secretAccessKey: SECRET, region: 'us-east-1', service: 's3', nowMs: NOW, expiresSeconds: expires });
      const rawQuery = renderQuery(query);
      const request = { method: r.method, rawPath, rawQuery, headers: { host: 'obscura.test' } };
      assert.equal(authenticate(request, lookup, NOW).scheme, 'v4-query');
      assert.equal(authenticate(request, lookup, NOW + expires * 1000).accessKeyId, ACCESS_KEY);
      assert.ok('error' in outcome(() => authenticate(request, lookup, NOW + expires * 1000 + 1000), ['AccessDenied']));
      const i = at % rawQuery.length;
      const mutated = rawQuery.slice(0, i) + (rawQuery[i] === c ? 'q' : c) + rawQuery.slice(i + 1);
      const result = outcome(() => authenticate({ ...request, rawQuery: mutated }, lookup, NOW), ['SignatureDoesNotMatch', 'AuthorizationQueryParametersError', 'AccessDenied', 'InvalidArgument', 'InvalidAccessKeyId']);
      const pairs = splitQuery(mutated);
      const strip = (ps: Array<[string, string]>): Array<[string, string]> => ps.filter(([n]) => n !== 'X-Amz-Signature');
      const sameSignature = pairs?.find(([n]) => n === 'X-Amz-Signature')?.[1] === query.find(([n]) => n === 'X-Amz-Signature')![1];
      const same = pairs !== undefined && sameSignature && canonicalQueryV4(strip(pairs)) === canonicalQueryV4(strip(query));
      assert.equal('value' in result, same, `${same ? 'refused' : 'accepted'} ${mutated}`);
    }),
    params(),
  );
});

// ---- V2 and OBS signatures ------------------------------------------------------------------

test('V2 and OBS header signatures verify, and a change to a signed header, the path or a sub-resource is refused', () => {
  fc.assert(
    fc.property(
      signedRequest,
      fc.constantFrom('x-amz-', 'x-obs-') as fc.Arbitrary<'x-amz-' | 'x-obs-'>,
      fc.array(fc.tuple(fc.constantFrom('versionId', 'uploadId', 'partNumber', 'acl', 'response-content-type'), text(0, 8)), { maxLength: 3 }),
      fc.nat(),
      fc.constantFrom('header', 'key', 'sub-resource'),
      (r, prefix, subResources, at, part) => {
        const rawPath = `/${r.bucket}/${uriEncode(r.key, false)}`;
        const query = [...r.query, ...subResources];
        const headers: IncomingHttpHeaders = { host: 'obscura.test', date: httpDate(NOW) };
        for (const [name, value] of r.meta) headers[`${prefix}meta-${name}`] = value;
        const sign = (path: string, q: Array<[string, string]>, h: IncomingHttpHeaders): string =>
          signV2(SECRET, stringToSignV2({ method: r.method, contentMd5: '', contentType: '', dateOrExpires: String(h['date']), headers: h, prefix, resource: canonicalResourceV2(path, q, prefix, false) }));
        const authorization = `${prefix === 'x-obs-' ? 'OBS' : 'AWS'} ${ACCESS_KEY}:${sign(rawPath, query, headers)}`;
        const request: AuthRequest = { method: r.method, rawPath, rawQuery: renderQuery(query), headers: { ...headers, authorization } };
        const ok = authenticate(request, lookup, NOW);
        assert.equal(ok.scheme, prefix === 'x-obs-' ? 'obs-header' : 'v2-header');
        let changed: AuthRequest;
        if (part === 'header') {
          const [name, value] = r.meta[at % r.meta.length]!;
          const i = [...value].findIndex((ch) => ch !== ' ');
          const cps = [...value];
          cps[i] = cps[i] === 'x' ? 'y' : 'x';
          changed = { ...request, headers: { ...request.headers, [`${prefix}meta-${name}`]: cps.join('') } };
        } else if (part === 'key') {
          changed = { ...request, rawPath: `/${r.bucket}/${uriEncode(changeCodePoint(r.key, at, 'x'), false)}` };
        } else {
          if (subResources.length === 0) return;
          const q = query.map(([n, v]) => [n, v] as [string, string]);
          const pair = q[r.query.length + (at % subResources.length)]!;
          pair[1] = pair[1] + 'x';
          changed = { ...request, rawQuery: renderQuery(q) };
        }
        assert.ok('error' in outcome(() => authenticate(changed, lookup, NOW), ['SignatureDoesNotMatch']), `the change to the ${part} was accepted`);
      },
    ),
    params(),
  );
});

// ---- Anything at all ------------------------------------------------------------------------

const authorizationHeader = fc.oneof(
  anyText(120),
  headerText(200),
  fc.constantFrom('AWS4-HMAC-SHA256 ', 'AWS ', 'OBS ', 'AWS :', 'OBS AK:', 'AWS4-HMAC-SHA256 Credential=,SignedHeaders=,Signature='),
  fc.tuple(fc.constantFrom('AWS4-HMAC-SHA256 ', 'AWS ', 'OBS '), headerText(150)).map(([a, b]) => a + b),
  fc
    .tuple(fc.constantFrom(ACCESS_KEY, '', 'other', ACCESS_KEY + '/x'), fc.constantFrom('20261123', '2026112', 'yyyymmdd', '20261124'), fc.constantFrom('us-east-1', ''), fc.constantFrom('s3', 'kms', ''), fc.constantFrom('aws4_request', 'aws5_request'), fc.constantFrom('host;x-amz-date', 'host', 'x-amz-date;host', 'Host', 'host;;x', ''), fc.stringMatching(/^[0-9a-f]{0,65}$/), fc.constantFrom(', ', ',', ' , '))
    .map(([ak, d, reg, svc, term, sh, sig, sep]) => `AWS4-HMAC-SHA256 Credential=${ak}/${d}/${reg}/${svc}/${term}${sep}SignedHeaders=${sh}${sep}Signature=${sig}`),
);
const queryString = fc.oneof(
  anyText(120),
  fc
    .array(fc.tuple(fc.constantFrom('X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'AWSAccessKeyId', 'AccessKeyId', 'Expires', 'Signature', 'X-Amz-Content-Sha256', 'acl'), fc.oneof(anyText(30), fc.constantFrom('AWS4-HMAC-SHA256', `${ACCESS_KEY}/20261123/us-east-1/s3/aws4_request`, '20261123T120000Z', '604801', '-1', '1e3', 'host', '0'.repeat(64), '99999999999999', ACCESS_KEY))), { maxLength: 7 })
    .map((pairs) => pairs.map(([n, v]) => `${n}=${encodeURIComponent(v.replace(/\p{Surrogate}/gu, ''))}`).join('&')),
);

test('any Authorization header, query string and date headers are verified or refused with a 4xx, never accepted for a wrong key', () => {
  fc.assert(
    fc.property(
      authorizationHeader,
      queryString,
      fc.dictionary(fc.constantFrom('x-amz-date', 'date', 'x-obs-date', 'x-amz-content-sha256', 'content-md5', 'x-amz-meta-a', 'host'), fc.oneof(headerText(40), fc.constantFrom('20261123T120000Z', httpDate(NOW), 'UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), fc.array(headerText(10), { minLength: 2, maxLength: 2 })), { maxKeys: 5 }),
      fc.boolean(),
      (authorization, rawQuery, headers, withAuthorization) => {
        const request: AuthRequest = { method: 'GET', rawPath: '/b/k', rawQuery, headers: withAuthorization ? { ...headers, authorization } : headers };
        const r = outcome(() => authenticate(request, lookup, NOW));
        if ('value' in r) assert.equal(r.value.scheme, 'anonymous', `accepted ${JSON.stringify(request)}`);
      },
    ),
    params(3),
  );
});

test('a V2 Date header without a zone (asctime) is read as UTC whatever the server time zone', () => {
  const saved = process.env['TZ'];
  process.env['TZ'] = 'America/New_York';
  try {
    const d = new Date(NOW);
    const asctime = `${d.toUTCString().slice(0, 3)} ${d.toUTCString().slice(8, 11)} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;
    const headers: IncomingHttpHeaders = { host: 'obscura.test', date: asctime };
    const signature = signV2(SECRET, stringToSignV2({ method: 'GET', contentMd5: '', contentType: '', dateOrExpires: asctime, headers, prefix: 'x-amz-', resource: '/b/k' }));
    assert.equal(authenticate({ method: 'GET', rawPath: '/b/k', rawQuery: '', headers: { ...headers, authorization: `AWS ${ACCESS_KEY}:${signature}` } }, lookup, NOW).accessKeyId, ACCESS_KEY);
  } finally {
    process.env['TZ'] = saved;
  }
});
