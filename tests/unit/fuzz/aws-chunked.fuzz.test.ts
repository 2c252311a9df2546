/**
 * Fuzzing of the aws-chunked decoder (src/http/aws-chunked.ts): any body, cut anywhere, decodes
 * or fails with a 4xx and never hangs; encoded payloads round-trip, signed or not, with trailers;
 * a signed body changed in any byte never yields other data; declared sizes up to 2^53 are refused
 * without being allocated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { createAwsChunkedDecoder, type AwsChunkedOptions } from '../../../src/http/aws-chunked.js';
import { outcomeAsync, params, settlesWithin, splitAt } from './fuzz-support.js';

const CODES = ['IncompleteBody', 'InvalidRequest', 'SignatureDoesNotMatch'];
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const SIGNING_KEY = hmac(hmac(hmac(hmac('AWS4' + 'fuzz-secret', '20261123'), 'us-east-1'), 's3'), 'aws4_request');
const DATETIME = '20261123T120000Z';
const SCOPE = '20261123/us-east-1/s3/aws4_request';
const SEED = sha256('seed');

interface Encoding {
  body: Buffer;
  payload: Buffer;
  trailers: Record<string, string>;
  options: AwsChunkedOptions;
}

/** Frames `chunks` as a client does, signing each chunk and the trailer when `signed`. */
function encode(chunks: Buffer[], trailers: Record<string, string>, signed: boolean, hexCase: 'lower' | 'upper' = 'lower'): Encoding {
  const parts: Buffer[] = [];
  let previous = SEED;
  const size = (n: number): string => (hexCase === 'upper' ? n.toString(16).toUpperCase() : n.toString(16));
  for (const data of [...chunks.filter((c) => c.length > 0), Buffer.alloc(0)]) {
    let line = size(data.length);
    if (signed) {
      previous = hmac(SIGNING_KEY, ['AWS4-HMAC-SHA256-PAYLOAD', DATETIME, SCOPE, previous, sha256(''), sha256(data)].join('\n')).toString('hex');
      line += `;chunk-signature=${previous}`;
    }
    parts.push(Buffer.from(line + '\r\n'), data);
    if (data.length > 0) parts.push(Buffer.from('\r\n'));
  }
  const names = Object.keys(trailers);
  for (const name of names) parts.push(Buffer.from(`${name}:${trailers[name]}\r\n`));
  if (signed && names.length > 0) {
    const canonical = names.map((n) => `${n}:${trailers[n]}\n`).join('');
    const signature = hmac(SIGNING_KEY, ['AWS4-HMAC-SHA256-TRAILER', DATETIME, SCOPE, previous, sha256(canonical)].join('\n')).toString('hex');
    parts.push(Buffer.from(`x-amz-trailer-signature:${signature}\r\n`));
  }
  parts.push(Buffer.from('\r\n'));
  const payload = Buffer.concat(chunks);
  const options: AwsChunkedOptions = signed
    ? { mode: 'signed', signingKey: SIGNING_KEY, seedSignature: SEED, datetime: DATETIME, scope: SCOPE, trailerNames: names, decodedLength: payload.length }
    : { mode: 'unsigned', trailerNames: names, decodedLength: payload.length };
  return { body: Buffer.concat(parts), payload, trailers, options };
}

/** Feeds `pieces` through a decoder: its output and trailers, or the error it failed with. */
async function decode(pieces: Buffer[], options: AwsChunkedOptions): Promise<{ value: { data: Buffer; trailers: Record<string, string> } } | { error: Error }> {
  const decoder = createAwsChunkedDecoder(options);
  const run = async (): Promise<{ data: Buffer; trailers: Record<string, string> }> => {
    const out: Buffer[] = [];
    for await (const chunk of Readable.from(pieces, { objectMode: false }).pipe(decoder)) out.push(chunk as Buffer);
    return { data: Buffer.concat(out), trailers: { ...decoder.trailers } };
  };
  return settlesWithin(2000, outcomeAsync(run, CODES), 'the aws-chunked decoder');
}

const payloadChunks = fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }).map((b) => Buffer.from(b)), { maxLength: 6 });
const trailerSet = fc.dictionary(fc.constantFrom('x-amz-checksum-crc32', 'x-amz-checksum-sha256', 'x-amz-checksum-crc64nvme'), fc.base64String({ minLength: 4, maxLength: 44 }), { maxKeys: 2 });
const cuts = fc.array(fc.nat(), { maxLength: 8 });

test('any payload, chunked any way, with or without signatures and trailers, decodes to itself under any network split', async () => {
  await fc.assert(
    fc.asyncProperty(payloadChunks, trailerSet, fc.boolean(), fc.constantFrom('lower', 'upper') as fc.Arbitrary<'lower' | 'upper'>, cuts, async (chunks, trailers, signed, hexCase, at) => {
      const e = encode(chunks, trailers, signed, hexCase);
      const r = await decode(splitAt(e.body, at), e.options);
      assert.ok('value' in r, `refused: ${'error' in r ? r.error.message : ''}`);
      assert.deepEqual(r.value.data, e.payload);
      assert.deepEqual(r.value.trailers, { ...trailers });
    }),
    params(),
  );
});

test('any bytes, in any pieces, decode or fail with a 4xx, and the decoder never hangs', async () => {
  const framing = fc.constantFrom('0\r\n\r\n', '5\r\nhello\r\n', 'ffffffff\r\n', '20000000000000\r\n', '-1\r\n', '5;chunk-signature=x\r\n', '0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n', '\r\n', '\n', 'zz\r\n');
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), fc.array(framing, { maxLength: 5 }).map((f) => Buffer.from(f.join('')))),
      cuts,
      fc.boolean(),
      fc.option(fc.nat({ max: 300 }), { nil: undefined }),
      async (body, at, signed, decodedLength) => {
        const options: AwsChunkedOptions = signed
          ? { mode: 'signed', signingKey: SIGNING_KEY, seedSignature: SEED, datetime: DATETIME, scope: SCOPE, trailerNames: ['x-amz-checksum-crc32'] }
          : { mode: 'unsigned', trailerNames: [], ...(decodedLength !== undefined ? { decodedLength } : {}) };
        await decode(splitAt(body, at), options);
      },
    ),
    params(),
  );
});

test('a signed body changed in any one byte never yields other data: the same payload or a 4xx', async () => {
  await fc.assert(
    fc.asyncProperty(payloadChunks, trailerSet, fc.nat(), fc.integer({ min: 1, max: 255 }), cuts, async (chunks, trailers, at, xor, cut) => {
      const e = encode(chunks, trailers, true);
      const body = Buffer.from(e.body);
      const i = at % body.length;
      body[i] = body[i]! ^ xor;
      const r = await decode(splitAt(body, cut), e.options);
      if ('value' in r) {
        assert.deepEqual(r.value.data, e.payload, `byte ${i} changed and other data came out`);
        assert.deepEqual(r.value.trailers, { ...trailers });
      }
    }),
    params(),
  );
});

test('an unsigned body changed in any one byte decodes or fails with a 4xx, never hangs', async () => {
  await fc.assert(
    fc.asyncProperty(payloadChunks, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom('replace', 'insert', 'remove'), async (chunks, at, b, how) => {
      const e = encode(chunks, {}, false);
      const i = at % e.body.length;
      const body = how === 'replace' ? Buffer.concat([e.body.subarray(0, i), Buffer.from([b]), e.body.subarray(i + 1)]) : how === 'insert' ? Buffer.concat([e.body.subarray(0, i), Buffer.from([b]), e.body.subarray(i)]) : Buffer.concat([e.body.subarray(0, i), e.body.subarray(i + 1)]);
      const r = await decode([body], e.options);
      if ('value' in r) assert.equal(r.value.data.length, e.payload.length, 'x-amz-decoded-content-length holds');
    }),
    params(),
  );
});

test('a decoded length that differs from the payload is 400 IncompleteBody', async () => {
  await fc.assert(
    fc.asyncProperty(payloadChunks, fc.integer({ min: -50, max: 50 }).filter((d) => d !== 0), fc.boolean(), async (chunks, delta, signed) => {
      const e = encode(chunks, {}, signed);
      if (e.payload.length + delta < 0) return;
      const r = await decode([e.body], { ...e.options, decodedLength: e.payload.length + delta });
      assert.ok('error' in r && (r.error as { code?: string }).code === 'IncompleteBody');
    }),
    params(0.5),
  );
});

test('declared chunk sizes past the limit, up to 2^53 and beyond, are refused without being allocated', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.integer({ min: 16 * 1024 * 1024 + 1, max: 0xffffffff }).map((n) => n.toString(16)), fc.constantFrom('20000000000000', 'ffffffffffffffff', '1fffffffffffff', '100000000', '0000000001000001'), fc.bigInt({ min: 1n << 32n, max: 1n << 64n }).map((n) => n.toString(16))),
      fc.boolean(),
      fc.uint8Array({ maxLength: 100 }),
      async (size, signed, tail) => {
        const before = process.memoryUsage().arrayBuffers;
        const signature = signed ? `;chunk-signature=${'0'.repeat(64)}` : '';
        const options: AwsChunkedOptions = signed ? { mode: 'signed', signingKey: SIGNING_KEY, seedSignature: SEED, datetime: DATETIME, scope: SCOPE, trailerNames: [] } : { mode: 'unsigned', trailerNames: [] };
        const r = await decode([Buffer.from(`${size}${signature}\r\n`), Buffer.from(tail)], options);
        assert.ok('error' in r, `a chunk of 0x${size} bytes was accepted`);
        assert.ok(['InvalidRequest', 'IncompleteBody'].includes((r.error as { code?: string }).code ?? ''));
        assert.ok(process.memoryUsage().arrayBuffers - before < 8 * 1024 * 1024, 'memory grew with the declared size');
      },
    ),
    params(0.5),
  );
});

test('a chunk just under the limit is buffered only as far as its bytes arrive', async () => {
  const before = process.memoryUsage().arrayBuffers;
  const r = await decode([Buffer.from(`ffffff;chunk-signature=${'0'.repeat(64)}\r\n`), Buffer.alloc(1000)], { mode: 'signed', signingKey: SIGNING_KEY, seedSignature: SEED, datetime: DATETIME, scope: SCOPE, trailerNames: [] });
  assert.ok('error' in r && (r.error as { code?: string }).code === 'IncompleteBody');
  assert.ok(process.memoryUsage().arrayBuffers - before < 8 * 1024 * 1024);
});

test('lines without an end, too many trailers and unannounced trailers are refused', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 4097, max: 20000 }), fc.integer({ min: 17, max: 40 }), fc.constantFrom('x-amz-checksum-crc32', 'x-amz-meta-a', 'host'), async (lineBytes, trailerCount, unannounced) => {
      const long = await decode([Buffer.alloc(lineBytes, '1')], { mode: 'unsigned', trailerNames: [] });
      assert.ok('error' in long);
      const many = Array.from({ length: trailerCount }, (_, i) => `x-amz-checksum-crc32:${i}\r\n`).join('');
      const tooMany = await decode([Buffer.from(`0\r\n${many}\r\n`)], { mode: 'unsigned', trailerNames: ['x-amz-checksum-crc32'] });
      assert.ok('error' in tooMany && (tooMany.error as { code?: string }).code === 'InvalidRequest');
      const stray = await decode([Buffer.from(`0\r\n${unannounced}:AAAAAA==\r\n\r\n`)], { mode: 'unsigned', trailerNames: [] });
      assert.ok('error' in stray && (stray.error as { code?: string }).code === 'InvalidRequest');
    }),
    params(0.25),
  );
});
