/**
 * The aws-chunked decoder: the AWS documentation's streaming bodies (sigv4-streaming,
 * sigv4-streaming-trailers) decode to their exact payload under any split, and every framing,
 * length, signature and trailer fault fails with the error code the decoder raises.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createAwsChunkedDecoder, type AwsChunkedOptions } from '../../../src/http/aws-chunked.js';
import { createDigestStream } from '../../../src/http/checksums.js';

// The AWS example: secret, 20130524/us-east-1/s3, 64 KiB + 1 KiB of 'a'.
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text).digest();
const SIGNING_KEY = hmac(hmac(hmac(hmac('AWS4' + SECRET, '20130524'), 'us-east-1'), 's3'), 'aws4_request');
const DATETIME = '20130524T000000Z';
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const PAYLOAD = Buffer.alloc(66560, 'a');

const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const SIGS = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];
const TRAILER_SEED = '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e';
const TRAILER_SIGS = [
  'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
  '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
  '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
];
const TRAILER_SIGNATURE = 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435';

const signed = (seed = SEED, extra: Partial<AwsChunkedOptions> = {}): AwsChunkedOptions => ({
  mode: 'signed',
  signingKey: SIGNING_KEY,
  seedSignature: seed,
  datetime: DATETIME,
  scope: SCOPE,
  trailerNames: [],
  decodedLength: 66560,
  ...extra,
});
const unsigned = (extra: Partial<AwsChunkedOptions> = {}): AwsChunkedOptions => ({ mode: 'unsigned', trailerNames: [], decodedLength: 66560, ...extra });

/** `size[;chunk-signature=s]` CRLF data CRLF … for the 65536, 1024 and 0 byte chunks; then `tail`. */
function body(signatures: string[] | undefined, tail = '\r\n'): Buffer {
  const parts: Buffer[] = [];
  [65536, 1024, 0].forEach((n, i) => {
    parts.push(Buffer.from(`${n.toString(16)}${signatures ? `;chunk-signature=${signatures[i]}` : ''}\r\n`), Buffer.alloc(n, 'a'));
    if (n > 0) parts.push(Buffer.from('\r\n'));
  });
  parts.push(Buffer.from(tail));
  return Buffer.concat(parts);
}

const SIGNED_BODY = body(SIGS);
const UNSIGNED_BODY = body(undefined);

function slices(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

async function decode(input: Buffer | Buffer[], options: AwsChunkedOptions): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const decoder = createAwsChunkedDecoder(options);
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, callback) {
      out.push(chunk);
      callback();
    },
  });
  await pipeline(Readable.from(Array.isArray(input) ? input : [input]), decoder, sink);
  return { data: Buffer.concat(out), trailers: { ...decoder.trailers } };
}

/** Asserts the decoder fails with this table code (and its HTTP status). */
async function fails(input: Buffer | Buffer[], options: AwsChunkedOptions, code: string, status: number): Promise<void> {
  await assert.rejects(decode(input, options), (e: { code?: string; status?: number }) => {
    assert.deepEqual({ code: e.code, status: e.status }, { code, status });
    return true;
  });
}

function replace(data: Buffer, from: string, to: string): Buffer {
  const at = data.indexOf(from);
  assert.ok(at >= 0, `"${from}" occurs in the body`);
  return Buffer.concat([data.subarray(0, at), Buffer.from(to), data.subarray(at + from.length)]);
}

// ---- the documented bodies ----

test('the AWS signed example body is 66824 bytes, as its Content-Length says', () => {
  assert.equal(SIGNED_BODY.length, 66824);
});

for (const size of [SIGNED_BODY.length, 65536, 70000, 4096, 100, 7, 1]) {
  test(`the AWS signed example decodes to exactly 66560 bytes of "a" when fed in ${size}-byte pieces`, async () => {
    const { data, trailers } = await decode(slices(SIGNED_BODY, size), signed());
    assert.deepEqual(data, PAYLOAD);
    assert.deepEqual(trailers, {});
  });
}

test('the same framing without signatures decodes in unsigned mode', async () => {
  const { data } = await decode(slices(UNSIGNED_BODY, 1000), unsigned());
  assert.deepEqual(data, PAYLOAD);
});

test('the AWS signed-trailer example decodes and yields x-amz-checksum-crc32c: sOO8/Q==', async () => {
  const input = body(TRAILER_SIGS, `x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:${TRAILER_SIGNATURE}\r\n\r\n`);
  for (const size of [input.length, 13]) {
    const { data, trailers } = await decode(slices(input, size), signed(TRAILER_SEED, { trailerNames: ['x-amz-checksum-crc32c'] }));
    assert.deepEqual(data, PAYLOAD);
    assert.deepEqual(trailers, { 'x-amz-checksum-crc32c': 'sOO8/Q==' });
  }
});

test('an unsigned body with a trailing checksum (STREAMING-UNSIGNED-PAYLOAD-TRAILER) yields the trailer', async () => {
  const { data, trailers } = await decode(body(undefined, 'x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n'), unsigned({ trailerNames: ['x-amz-checksum-crc32c'] }));
  assert.deepEqual(data, PAYLOAD);
  assert.deepEqual(trailers, { 'x-amz-checksum-crc32c': 'sOO8/Q==' });
});

test('a body that ends right after the final chunk line (no closing CRLF) is accepted when no trailer is announced', async () => {
  const { data } = await decode(body(SIGS, ''), signed());
  assert.deepEqual(data, PAYLOAD);
});

test('a signed decoder without its signing key, seed, datetime or scope is a programming error (TypeError)', () => {
  assert.throws(() => createAwsChunkedDecoder({ mode: 'signed', trailerNames: [] }), TypeError);
  assert.throws(() => createAwsChunkedDecoder({ ...signed(), scope: undefined }), TypeError);
});

// ---- framing faults ----

const framing: Array<[string, Buffer, string, number]> = [
  ['a chunk size that is not hex ("1000g")', replace(UNSIGNED_BODY, '10000\r\n', '1000g\r\n'), 'IncompleteBody', 400],
  ['a chunk size of nine hex digits', replace(UNSIGNED_BODY, '10000\r\n', '000010000\r\n'), 'IncompleteBody', 400],
  ['an empty chunk-size line', Buffer.concat([Buffer.from('\r\n'), UNSIGNED_BODY]), 'IncompleteBody', 400],
  ['a negative chunk size', replace(UNSIGNED_BODY, '400\r\n', '-400\r\n'), 'IncompleteBody', 400],
  ['an unknown chunk extension', replace(UNSIGNED_BODY, '400\r\n', '400;foo=bar\r\n'), 'IncompleteBody', 400],
  ['a size line ending in a bare LF', replace(UNSIGNED_BODY, '400\r\n', '400\n'), 'IncompleteBody', 400],
  ['chunk data not followed by CRLF', replace(UNSIGNED_BODY, 'a\r\n400', 'aXX400'), 'IncompleteBody', 400],
  ['chunk data followed by CR without LF', replace(UNSIGNED_BODY, 'a\r\n400', 'a\rX400'), 'IncompleteBody', 400],
  ['a chunk longer than its declared size (ffff for 65536 bytes)', replace(UNSIGNED_BODY, '10000\r\n', 'ffff\r\n'), 'IncompleteBody', 400],
  ['a chunk shorter than its declared size (10001 for 65536 bytes)', replace(UNSIGNED_BODY, '10000\r\n', '10001\r\n'), 'IncompleteBody', 400],
  ['a chunk-size line of 5000 bytes', Buffer.concat([Buffer.from('f'.repeat(5000)), UNSIGNED_BODY]), 'IncompleteBody', 400],
  ['a trailer line of 5000 bytes', body(undefined, `x-amz-checksum-crc32c:${'A'.repeat(5000)}\r\n\r\n`), 'IncompleteBody', 400],
  ['bytes after the final CRLF', Buffer.concat([UNSIGNED_BODY, Buffer.from('x')]), 'IncompleteBody', 400],
  ['a second body after the first', Buffer.concat([UNSIGNED_BODY, UNSIGNED_BODY]), 'IncompleteBody', 400],
];

for (const [what, input, code, status] of framing) {
  test(`unsigned framing: ${what} fails with ${code}`, async () => {
    await fails(slices(input, 4096), unsigned({ decodedLength: undefined }), code, status);
  });
}

test('a chunk larger than maxChunkBytes fails with InvalidRequest before its data is read', async () => {
  await fails(UNSIGNED_BODY.subarray(0, 7), unsigned({ maxChunkBytes: 65535 }), 'InvalidRequest', 400);
});

test('a 16 MiB + 1 chunk size (over the default limit) fails with InvalidRequest', async () => {
  await fails(Buffer.from('1000001\r\n'), unsigned({ decodedLength: undefined }), 'InvalidRequest', 400);
});

// ---- truncation and length ----

const truncations: Array<[string, number]> = [
  ['inside the first chunk-size line', 10],
  ['inside the first chunk data', 88 + 1000],
  ['between a chunk and its CRLF', 88 + 65536],
  ['between the CR and LF after a chunk', 88 + 65536 + 1],
  ['before the final zero-size chunk', SIGNED_BODY.length - 86],
  ['inside the final chunk line', SIGNED_BODY.length - 10],
];

for (const [where, at] of truncations) {
  test(`a signed body truncated ${where} fails with IncompleteBody`, async () => {
    await fails(SIGNED_BODY.subarray(0, at), signed(), 'IncompleteBody', 400);
  });
}

test('an empty body fails with IncompleteBody', async () => {
  await fails(Buffer.alloc(0), unsigned(), 'IncompleteBody', 400);
});

test('a body cut after the final chunk line fails with IncompleteBody when a trailer was announced', async () => {
  await fails(body(undefined, ''), unsigned({ trailerNames: ['x-amz-checksum-crc32c'] }), 'IncompleteBody', 400);
});

test('decoded bytes beyond x-amz-decoded-content-length (66559) fail with IncompleteBody', async () => {
  await fails(SIGNED_BODY, signed(SEED, { decodedLength: 66559 }), 'IncompleteBody', 400);
});

test('fewer decoded bytes than x-amz-decoded-content-length (66561) fail with IncompleteBody', async () => {
  await fails(SIGNED_BODY, signed(SEED, { decodedLength: 66561 }), 'IncompleteBody', 400);
});

test('without x-amz-decoded-content-length any total length is accepted', async () => {
  const { data } = await decode(SIGNED_BODY, signed(SEED, { decodedLength: undefined }));
  assert.equal(data.length, 66560);
});

// ---- signature faults ----

const signatureFaults: Array<[string, Buffer, AwsChunkedOptions]> = [
  ['a tampered first chunk signature', body([SIGS[0]!.replace(/^ad/, 'ae'), SIGS[1]!, SIGS[2]!]), signed()],
  ['a tampered final chunk signature', body([SIGS[0]!, SIGS[1]!, SIGS[2]!.replace(/^b6/, 'b7')]), signed()],
  ['a flipped data byte', replace(SIGNED_BODY, '\r\naaaa', '\r\naaab'), signed()],
  ['the wrong seed signature', SIGNED_BODY, signed(TRAILER_SEED)],
  ['the chunk signatures of another upload (same data, other seed)', body(TRAILER_SIGS), signed()],
  ['a chunk without its signature', replace(SIGNED_BODY, `400;chunk-signature=${SIGS[1]}`, '400'), signed()],
  ['the final chunk without its signature', replace(SIGNED_BODY, `0;chunk-signature=${SIGS[2]}`, '0'), signed()],
];

for (const [what, input, options] of signatureFaults) {
  test(`signed mode: ${what} fails with SignatureDoesNotMatch`, async () => {
    await fails(slices(input, 8192), options, 'SignatureDoesNotMatch', 403);
  });
}

test('signed mode: the first two chunks swapped fail with SignatureDoesNotMatch', async () => {
  const first = Buffer.concat([Buffer.from(`10000;chunk-signature=${SIGS[0]}\r\n`), Buffer.alloc(65536, 'a'), Buffer.from('\r\n')]);
  const second = Buffer.concat([Buffer.from(`400;chunk-signature=${SIGS[1]}\r\n`), Buffer.alloc(1024, 'a'), Buffer.from('\r\n')]);
  await fails(Buffer.concat([second, first, Buffer.from(`0;chunk-signature=${SIGS[2]}\r\n\r\n`)]), signed(), 'SignatureDoesNotMatch', 403);
});

// ---- trailer faults ----

const trailerOptions = (): AwsChunkedOptions => signed(TRAILER_SEED, { trailerNames: ['x-amz-checksum-crc32c'] });
const trailerBody = (lines: string): Buffer => body(TRAILER_SIGS, `${lines}\r\n`);

const trailerFaults: Array<[string, Buffer, AwsChunkedOptions, string, number]> = [
  ['a changed checksum value under the published trailer signature', trailerBody(`x-amz-checksum-crc32c:AAAAAA==\r\nx-amz-trailer-signature:${TRAILER_SIGNATURE}\r\n`), trailerOptions(), 'SignatureDoesNotMatch', 403],
  ['a tampered trailer signature', trailerBody(`x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:${TRAILER_SIGNATURE.replace(/^d8/, 'd9')}\r\n`), trailerOptions(), 'SignatureDoesNotMatch', 403],
  ['no trailer signature', trailerBody('x-amz-checksum-crc32c:sOO8/Q==\r\n'), trailerOptions(), 'SignatureDoesNotMatch', 403],
  ['a trailer that was not announced in x-amz-trailer', trailerBody(`x-amz-checksum-sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\r\nx-amz-trailer-signature:${TRAILER_SIGNATURE}\r\n`), trailerOptions(), 'InvalidRequest', 400],
  ['the announced trailer missing', trailerBody(`x-amz-trailer-signature:${TRAILER_SIGNATURE}\r\n`), trailerOptions(), 'InvalidRequest', 400],
  ['a trailer line without a colon', trailerBody('x-amz-checksum-crc32c sOO8/Q==\r\n'), trailerOptions(), 'InvalidRequest', 400],
  ['seventeen trailer lines', body(undefined, `${'x-amz-checksum-crc32c:sOO8/Q==\r\n'.repeat(17)}\r\n`), unsigned({ trailerNames: ['x-amz-checksum-crc32c'] }), 'InvalidRequest', 400],
];

for (const [what, input, options, code, status] of trailerFaults) {
  test(`trailers: ${what} fails with ${code}`, async () => {
    await fails(input, options, code, status);
  });
}

test('an unsigned trailing checksum that does not match is passed on: comparing it is the caller\'s job (BadDigest there)', async () => {
  // The decoder does not check checksum values; writeSegment compares the trailer with the digest
  // stream's result and answers BadDigest. This pins the two values that comparison sees.
  const decoder = createAwsChunkedDecoder(unsigned({ trailerNames: ['x-amz-checksum-crc32c'] }));
  const digest = createDigestStream({ checksums: { crc32c: 'compute' } });
  digest.resume();
  await pipeline(Readable.from([body(undefined, 'x-amz-checksum-crc32c:AAAAAA==\r\n\r\n')]), decoder, digest);
  assert.deepEqual(decoder.trailers, { 'x-amz-checksum-crc32c': 'AAAAAA==' });
  assert.deepEqual(digest.results().checksums, { crc32c: 'sOO8/Q==' });
});
