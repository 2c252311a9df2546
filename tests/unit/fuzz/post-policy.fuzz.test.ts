/**
 * Fuzzing of browser-form POST uploads: the policy (src/dialects/auth/post-policy.ts: JSON,
 * signatures, conditions) and the form itself (src/server/post-object.ts: multipart parsing,
 * fields, redirect, status). Any policy and any form are answered with a value or a 4xx; signed
 * policies verify and any change to them is refused; conditions are evaluated as the policy's
 * own construction says they should be. The form tests run on real (SQLite in memory, files in a
 * temp directory) stores.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { evaluatePostPolicyConditions, parsePolicyJson, verifyPostPolicySignature, type PostPolicy } from '../../../src/dialects/auth/index.js';
import type { WireRequest } from '../../../src/dialects/wire.js';
import { BuiltinKms } from '../../../src/kms/builtin/builtin-kms.js';
import type { BucketRecord } from '../../../src/metadata/records.js';
import { SqliteMetadataStore } from '../../../src/metadata/sqlite/sqlite-metadata-store.js';
import { BlobReaper } from '../../../src/operations/blob-reaper.js';
import { defaultLimits, type Services } from '../../../src/operations/context.js';
import { handlePostObject } from '../../../src/server/post-object.js';
import { SseService } from '../../../src/sse/sse-service.js';
import { FsBlobStore } from '../../../src/storage/fs/fs-blob-store.js';
import { anyText, changeOneChar, headerText, outcome, outcomeAsync, params, settlesWithin, splitAt } from './fuzz-support.js';

const ACCESS_KEY = 'AKPOSTFUZZ';
const SECRET = 'post-fuzz-secret';
const lookup = (id: string): string | undefined => (id === ACCESS_KEY ? SECRET : undefined);
const NOW = Date.now();
const FUTURE = new Date(NOW + 3600_000).toISOString();
const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** Form fields that need no condition (S3's rule, plus the credential fields). */
const EXEMPT = new Set(['policy', 'signature', 'x-amz-signature', 'file', 'accesskeyid', 'awsaccesskeyid', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-security-token', 'x-obs-security-token']);
const isExempt = (name: string): boolean => EXEMPT.has(name) || name.startsWith('x-ignore-');

type Scheme = 'obs' | 'v2' | 'v4';

/** The signature fields of a policy, computed here from the specifications (not with the server's signer). */
function signatureFields(scheme: Scheme, policy: string, secret = SECRET): Record<string, string> {
  if (scheme === 'v4') {
    const date = new Date(NOW).toISOString().slice(0, 10).replace(/-/g, '');
    const key = hmac(hmac(hmac(hmac('AWS4' + secret, date), 'us-east-1'), 's3'), 'aws4_request');
    return { policy, 'x-amz-algorithm': 'AWS4-HMAC-SHA256', 'x-amz-credential': `${ACCESS_KEY}/${date}/us-east-1/s3/aws4_request`, 'x-amz-date': `${date}T000000Z`, 'x-amz-signature': hmac(key, policy).toString('hex') };
  }
  const signature = createHmac('sha1', secret).update(policy).digest('base64');
  return { policy, [scheme === 'obs' ? 'accesskeyid' : 'awsaccesskeyid']: ACCESS_KEY, signature };
}
const scheme = fc.constantFrom<Scheme>('obs', 'v2', 'v4');

// ---- Policy JSON and signatures -------------------------------------------------------------

const jsonish = fc.oneof(
  anyText(80),
  fc.json({ maxDepth: 3 }),
  fc.record({ expiration: fc.oneof(fc.constant(FUTURE), anyText(20), fc.integer(), fc.constant(null)), conditions: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }).map((p) => JSON.stringify(p)),
  fc.constantFrom('{"expiration":"2099-01-01T00:00:00Z","conditions":[["eq","$key","a"],]}', '{"conditions":[],}', '{"conditions":[', '[]', 'null', '"x"'),
);

test('any policy text, base64 or not, parses to a policy with a condition list or is refused with InvalidPolicyDocument', () => {
  fc.assert(
    fc.property(fc.oneof(jsonish.map((j) => b64(j)), anyText(80)), (policy) => {
      const r = outcome(() => parsePolicyJson(policy), ['InvalidPolicyDocument']);
      if ('value' in r) assert.ok(Array.isArray(r.value.conditions));
    }),
    params(),
  );
});

test('any form fields are answered by the signature check with a value or a 4xx; only a real signature passes', () => {
  const fieldName = fc.constantFrom('policy', 'signature', 'accesskeyid', 'awsaccesskeyid', 'x-amz-signature', 'x-amz-credential', 'x-amz-algorithm', 'key');
  fc.assert(
    fc.property(fc.dictionary(fieldName, fc.oneof(anyText(40), jsonish.map((j) => b64(j)), fc.constantFrom(ACCESS_KEY, 'AWS4-HMAC-SHA256', `${ACCESS_KEY}/20261123/us-east-1/s3/aws4_request`, `${ACCESS_KEY}//x/s3/aws4_request`)), { maxKeys: 6 }), (fields) => {
      const r = outcome(() => verifyPostPolicySignature(new Map(Object.entries(fields)), lookup, NOW));
      assert.ok('error' in r, `accepted ${JSON.stringify(fields)}`);
    }),
    params(2),
  );
});

test('a signed policy verifies in each scheme; one character changed in the policy or signature, a wrong secret or expiry is refused', () => {
  fc.assert(
    fc.property(scheme, fc.array(fc.tuple(fc.constantFrom('eq', 'starts-with'), fc.constantFrom('$key', '$Content-Type', '$acl'), headerText(20)), { maxLength: 4 }), fc.nat(), fc.constantFrom('policy', 'signature', 'secret', 'expired', 'no-expiration'), (s, conditions, at, change) => {
      const policy = b64({ expiration: FUTURE, conditions });
      const fields = signatureFields(s, policy);
      const ok = verifyPostPolicySignature(new Map(Object.entries(fields)), lookup, NOW);
      assert.equal(ok.accessKeyId, ACCESS_KEY);
      assert.equal(ok.dialect, s === 'obs' ? 'obs' : 's3');
      assert.deepEqual(ok.policy.conditions, conditions);
      let bad: Record<string, string>;
      let codes: string[];
      if (change === 'policy') {
        bad = { ...fields, policy: changeOneChar(policy, at, 'A') };
        codes = ['SignatureDoesNotMatch'];
      } else if (change === 'signature') {
        const name = s === 'v4' ? 'x-amz-signature' : 'signature';
        bad = { ...fields, [name]: changeOneChar(fields[name]!, at, s === 'v4' ? '0' : 'A') };
        codes = ['SignatureDoesNotMatch'];
      } else if (change === 'secret') {
        bad = signatureFields(s, policy, SECRET + '!');
        codes = ['SignatureDoesNotMatch'];
      } else if (change === 'expired') {
        bad = signatureFields(s, b64({ expiration: new Date(NOW - 1000).toISOString(), conditions }));
        codes = ['AccessDenied'];
      } else {
        bad = signatureFields(s, b64({ conditions }));
        codes = ['InvalidPolicyDocument'];
      }
      assert.ok('error' in outcome(() => verifyPostPolicySignature(new Map(Object.entries(bad)), lookup, NOW), codes));
    }),
    params(),
  );
});

// ---- Conditions -----------------------------------------------------------------------------

/** A field value without commas (content-type lists are split at commas for starts-with). */
const fieldValue = headerText(16).map((v) => v.replace(/,/g, ';'));
const FIELD_NAMES = ['key', 'content-type', 'acl', 'x-amz-meta-a', 'success_action_status', 'x-ignore-me', 'policy', 'x-amz-server-side-encryption'];

type Verdict = 'ok' | 'AccessDenied' | 'InvalidPolicyDocument' | 'EntityTooLarge' | 'EntityTooSmall';

/** One condition and the verdict it was built to have. */
function conditionFor(kind: string, name: string, actual: string, n: number, contentLength: number | undefined, upper: boolean): { condition: unknown; verdict: Verdict; covers?: string } {
  const ref = '$' + (upper ? name.toUpperCase() : name);
  switch (kind) {
    case 'eq-right':
      return n % 2 ? { condition: ['eq', ref, actual], verdict: 'ok', covers: name } : { condition: { [upper ? name.toUpperCase() : name]: actual }, verdict: 'ok', covers: name };
    case 'eq-wrong':
      return n % 2 ? { condition: ['eq', ref, actual + 'x'], verdict: 'AccessDenied', covers: name } : { condition: { [name]: actual + 'x' }, verdict: 'AccessDenied', covers: name };
    case 'starts-right':
      return { condition: ['starts-with', ref, actual.slice(0, n % (actual.length + 1))], verdict: 'ok', covers: name };
    case 'starts-wrong':
      return { condition: ['STARTS-WITH', ref, actual + 'x'], verdict: 'AccessDenied', covers: name };
    case 'length': {
      const min = n % 50;
      const max = min + (n % 7) * 10;
      const verdict: Verdict = contentLength === undefined ? 'ok' : contentLength > max ? 'EntityTooLarge' : contentLength < min ? 'EntityTooSmall' : 'ok';
      return { condition: ['content-length-range', n % 3 ? min : String(min), max], verdict };
    }
    case 'length-bad':
      return { condition: ['content-length-range', 'a', {}], verdict: 'InvalidPolicyDocument' };
    case 'bad-operator':
      return { condition: ['matches', ref, actual], verdict: 'InvalidPolicyDocument' };
    default:
      return { condition: [['eq', name, actual], ['eq', ref], 42, null, 'eq', ['eq', 7, actual], []][n % 7], verdict: 'InvalidPolicyDocument' };
  }
}

test('policy conditions pass or fail exactly as each was built to, first failure first, then uncovered fields', () => {
  const kinds = fc.constantFrom('eq-right', 'eq-right', 'starts-right', 'eq-wrong', 'starts-wrong', 'length', 'length-bad', 'bad-operator', 'malformed');
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom(...FIELD_NAMES), fieldValue, { maxKeys: 6 }),
      fc.array(fc.tuple(kinds, fc.constantFrom(...FIELD_NAMES, 'bucket'), fc.nat(), fc.boolean()), { maxLength: 8 }),
      fc.boolean(),
      fc.option(fc.nat({ max: 100 }), { nil: undefined }),
      fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,10}[a-z0-9]$/),
      (fieldsObject, plan, coverAll, contentLength, bucket) => {
        const fields = new Map(Object.entries(fieldsObject));
        const built = plan.map(([kind, name, n, upper]) => conditionFor(kind, name, name === 'bucket' ? bucket : fields.get(name) ?? '', n, contentLength, upper));
        if (coverAll) for (const name of fields.keys()) built.push({ condition: ['starts-with', '$' + name, ''], verdict: 'ok', covers: name });
        const covered = new Set(built.map((b) => b.covers));
        const firstFailure = built.find((b) => b.verdict !== 'ok')?.verdict;
        const uncovered = [...fields.keys()].some((name) => !isExempt(name) && !covered.has(name));
        const expected: Verdict = firstFailure ?? (uncovered ? 'AccessDenied' : 'ok');
        const policy: PostPolicy = { expiration: FUTURE, conditions: built.map((b) => b.condition) };
        const r = outcome(() => evaluatePostPolicyConditions(policy, fields, bucket, contentLength));
        assert.equal('value' in r ? 'ok' : r.error.code, expected, JSON.stringify(policy.conditions));
      },
    ),
    params(2),
  );
});

test('deeply nested policy conditions are refused with a 4xx, not a stack overflow', () => {
  let deep: unknown = 'x';
  for (let i = 0; i < 5000; i++) deep = [deep];
  outcome(() => evaluatePostPolicyConditions({ conditions: [deep] }, new Map(), 'bucket', undefined), ['InvalidPolicyDocument']);
  // Written as text: JSON.stringify itself cannot nest this deep.
  const policy = Buffer.from(`{"expiration":${'['.repeat(5010)}"x"${']'.repeat(5010)},"conditions":[]}`).toString('base64');
  outcome(() => verifyPostPolicySignature(new Map(Object.entries(signatureFields('v2', policy))), lookup, NOW), ['InvalidPolicyDocument']);
});

// ---- The form, through handlePostObject on real stores -------------------------------------

let dir: string;
let services: Services;
let metadata: SqliteMetadataStore;
const BUCKET: BucketRecord = { schema: 1, name: 'post-fuzz', owner: ACCESS_KEY, createdAt: NOW, region: 'us-east-1' };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'obscura-post-fuzz-'));
  metadata = new SqliteMetadataStore(':memory:');
  const blobs = new FsBlobStore(join(dir, 'blobs'));
  const kms = await BuiltinKms.open(metadata, randomBytes(32), { region: 'us-east-1' });
  const log = pino({ level: 'silent' });
  services = {
    metadata,
    blobs,
    sse: new SseService(randomBytes(32), kms),
    reaper: new BlobReaper(blobs, log),
    limits: defaultLimits,
    region: 'us-east-1',
    log,
    now: () => Date.now(),
    randomId: (bytes = 16) => randomBytes(bytes).toString('hex'),
  };
  await metadata.createBucket(BUCKET);
});

after(async () => {
  await services.reaper.flush();
  await metadata.close();
  await rm(dir, { recursive: true, force: true });
});

interface Part {
  name: string;
  value: string | Buffer;
  filename?: string;
}

function multipart(parts: Part[], boundary: string): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    out.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.filename !== undefined ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n`), Buffer.from(p.value), Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

/** Sends `body` to handlePostObject as a request would: its status, or the error it ended with. */
async function post(body: Buffer[], contentType: string | undefined, secure = true): Promise<{ value: number } | { error: Error }> {
  const req = Readable.from(body) as unknown as IncomingMessage;
  req.headers = contentType === undefined ? {} : { 'content-type': contentType };
  let written: number | undefined;
  const res = { writeHead: (status: number) => (written = status), end: () => undefined } as unknown as ServerResponse;
  const wire: WireRequest = { method: 'POST', rawPath: `/${BUCKET.name}`, rawQuery: '', query: new Map(), headers: req.headers, bucket: BUCKET.name, isSecure: secure, remoteAddress: '127.0.0.1' };
  const env = { services, requestId: 'fuzz', bucket: BUCKET, lookupSecret: lookup, renderKeyId: (_d: unknown, id: string) => id, hostId: 'h', setDialect: () => undefined, allowInsecureSse: false };
  const r = await settlesWithin(5000, outcomeAsync(() => handlePostObject(req, res, wire, env)), 'handlePostObject');
  if ('value' in r) assert.equal(written, r.value, 'the status answered is the status written');
  return r;
}

test('any body and content type sent as a POST form is answered with a 4xx, never a 5xx or a hang', async () => {
  const boundary = 'fuzzBoundary123';
  const part = fc.record({ name: fc.oneof(fc.constantFrom('key', 'file', 'policy', 'signature', 'AWSAccessKeyId', 'x-amz-meta-a'), headerText(10).map((t) => t.replace(/"/g, ''))), value: fc.oneof(headerText(30), fc.uint8Array({ maxLength: 50 }).map((b) => Buffer.from(b))), filename: fc.option(headerText(10).map((t) => t.replace(/"/g, '')), { nil: undefined }) });
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.array(part, { maxLength: 5 }).map((ps) => multipart(ps, boundary)), fc.array(part, { minLength: 1, maxLength: 3 }).map((ps) => multipart(ps, boundary).subarray(0, -10))),
      fc.option(fc.constantFrom(`multipart/form-data; boundary=${boundary}`, 'multipart/form-data', 'multipart/form-data; boundary=', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary="x"; charset=utf-8', '', ';;;'), { nil: undefined }),
      fc.array(fc.nat(), { maxLength: 4 }),
      async (body, contentType, cuts) => {
        const r = await post(splitAt(body, cuts), contentType);
        assert.ok('error' in r, 'an unsigned form was stored');
      },
    ),
    params(0.5),
  );
});

const validKey = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9._/-]{1,30}$/), fc.constant('uploads/${filename}'));

test('a signed form is stored or refused with a 4xx whatever its redirect, status, SSE and extra fields; the object exists when it is stored', async () => {
  const customerKey = randomBytes(32);
  const sseFields = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Record<string, string>>({}, { 'x-amz-server-side-encryption': 'AES256' }, { 'x-amz-server-side-encryption': 'aws:kms' }) },
    { weight: 1, arbitrary: fc.constant({ 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': customerKey.toString('base64'), 'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(customerKey).digest('base64') }) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ 'x-amz-server-side-encryption': 'rot13' }, { 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': 'short' }) },
  );
  await fc.assert(
    fc.asyncProperty(
      scheme,
      validKey,
      fc.option(fc.oneof(fc.webUrl(), headerText(30), fc.constantFrom('', 'not a url', 'http://', '//example.com/x', 'javascript:alert(1)', 'https://example.com/ok?a=b')), { nil: undefined }),
      fc.option(fc.oneof(fc.constantFrom('200', '201', '204', '303', '500', ''), headerText(5)), { nil: undefined }),
      sseFields,
      fc.dictionary(fc.constantFrom('content-type', 'x-amz-meta-a', 'cache-control', 'x-ignore-x', 'acl', 'expires'), headerText(20), { maxKeys: 3 }),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
      fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.tuple(fc.nat({ max: 3000 }), fc.nat({ max: 3000 })) }),
      fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      async (s, key, redirect, status, sse, extra, file, range, secure) => {
        const fields: Record<string, string> = { key, ...sse, ...extra };
        if (redirect !== undefined) fields['success_action_redirect'] = redirect;
        if (status !== undefined) fields['success_action_status'] = status;
        const conditions: unknown[] = Object.keys(fields).map((name) => ['starts-with', `$${name}`, '']);
        if (range !== undefined) conditions.push(['content-length-range', Math.min(...range), Math.max(...range)]);
        const policy = b64({ expiration: FUTURE, conditions });
        const parts: Part[] = [...Object.entries({ ...fields, ...signatureFields(s, policy) }).map(([name, value]) => ({ name, value })), { name: 'file', value: file, filename: 'photo.jpg' }];
        const r = await post([multipart(parts, 'B0undary')], 'multipart/form-data; boundary=B0undary', secure);
        if ('error' in r) return;
        assert.ok([200, 201, 204, 303].includes(r.value), `answered ${r.value}`);
        const stored = await metadata.getObject(BUCKET.name, key.replace('${filename}', 'photo.jpg'));
        assert.ok(stored !== undefined, 'the answer was a success but no object was stored');
        assert.equal(stored.size, file.length);
      },
    ),
    params(0.25),
  );
});
