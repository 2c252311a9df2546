/**
 * The S3 additional checksums: the standard CRC check values of "123456789", FIPS 180 digests,
 * the base64 forms S3 sends, the published crc32c of the AWS trailer example, incremental updates
 * across every split, the table-driven CRCs against bit-at-a-time references, the COMPOSITE
 * multipart form, the pass-through digest stream and the same digests fed directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  checksumAlgorithms,
  compositeChecksum,
  crc32cUpdate,
  createChecksum,
  createDigests,
  createDigestStream,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
} from '../../../src/http/checksums.js';

const CHECK = Buffer.from('123456789');

function digest(alg: ChecksumAlgorithm, ...pieces: Buffer[]): Buffer {
  const c = createChecksum(alg);
  for (const p of pieces) c.update(p);
  return c.digest();
}

/** Bit-at-a-time reflected CRC-32 with init and xorout all ones (independent of the tables under test). */
function crc32Reference(poly: number, data: Buffer): Buffer {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out;
}

/** Bit-at-a-time CRC-64/NVME (reflected poly 0x9A6C9329AC4BC9B5, init and xorout all ones). */
function crc64NvmeReference(data: Buffer): Buffer {
  const poly = 0x9a6c9329ac4bc9b5n;
  const mask = 0xffffffffffffffffn;
  let c = mask;
  for (const byte of data) {
    c ^= BigInt(byte);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(c ^ mask);
  return out;
}

function reference(alg: ChecksumAlgorithm, data: Buffer): Buffer {
  switch (alg) {
    case 'crc32':
      return crc32Reference(0xedb88320, data);
    case 'crc32c':
      return crc32Reference(0x82f63b78, data);
    case 'crc64nvme':
      return crc64NvmeReference(data);
    case 'sha1':
    case 'sha256':
      return createHash(alg).update(data).digest();
  }
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
function bytes(n: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

// ---- known answers ----

const checkValues: Array<[ChecksumAlgorithm, string, string]> = [
  ['crc32', 'cbf43926', 'y/Q5Jg=='],
  ['crc32c', 'e3069283', '4waSgw=='],
  ['crc64nvme', 'ae8b14860a799888', 'rosUhgp5mIg='],
  ['sha1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441', '98O8HYCOBHMq32eZZczDTKeuNEE='],
  ['sha256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225', 'FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU='],
];

for (const [alg, hex, b64] of checkValues) {
  test(`${alg} of "123456789" is ${hex}, sent by S3 as ${b64}`, () => {
    const d = digest(alg, CHECK);
    assert.equal(d.toString('hex'), hex);
    assert.equal(d.toString('base64'), b64);
  });
}

const emptyValues: Array<[ChecksumAlgorithm, string]> = [
  ['crc32', 'AAAAAA=='],
  ['crc32c', 'AAAAAA=='],
  ['crc64nvme', 'AAAAAAAAAAA='],
  ['sha1', '2jmj7l5rSw0yVb/vlWAYkK/YBwk='],
  ['sha256', '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='],
];

for (const [alg, b64] of emptyValues) {
  test(`${alg} of the empty body is ${b64}`, () => {
    assert.equal(digest(alg).toString('base64'), b64);
  });
}

test('sha1 and sha256 of "abc" are the FIPS 180 example digests', () => {
  assert.equal(digest('sha1', Buffer.from('abc')).toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(digest('sha256', Buffer.from('abc')).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(digest('sha1', Buffer.from('abc')).toString('base64'), 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0=');
  assert.equal(digest('sha256', Buffer.from('abc')).toString('base64'), 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
});

test('crc32c of the 66560 "a" bytes of the AWS trailer example is the published sOO8/Q==', () => {
  assert.equal(digest('crc32c', Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')).toString('base64'), 'sOO8/Q==');
});

test('crc32cUpdate continues from a previous value: crc32c("12345") then "6789" is e3069283', () => {
  assert.equal(crc32cUpdate(crc32cUpdate(0, CHECK.subarray(0, 5)), CHECK.subarray(5)).toString(16), 'e3069283');
});

// ---- incremental updates ----

for (const alg of checksumAlgorithms) {
  test(`${alg}: "123456789" split at every position equals the one-shot digest`, () => {
    const whole = digest(alg, CHECK).toString('hex');
    for (let i = 0; i <= CHECK.length; i++) {
      assert.equal(digest(alg, CHECK.subarray(0, i), CHECK.subarray(i)).toString('hex'), whole, `split at ${i}`);
    }
  });

  test(`${alg}: 10000 bytes fed in uneven pieces (1, 3, 7, 8, 9, 13, 64, 1000, rest) equal the one-shot digest`, () => {
    const data = bytes(10000);
    const pieces: Buffer[] = [];
    let at = 0;
    for (const n of [1, 3, 7, 8, 9, 13, 64, 1000]) {
      pieces.push(data.subarray(at, at + n));
      at += n;
    }
    pieces.push(data.subarray(at));
    assert.equal(digest(alg, ...pieces).toString('hex'), digest(alg, data).toString('hex'));
    assert.equal(digest(alg, data).toString('hex'), reference(alg, data).toString('hex'));
  });
}

for (const alg of ['crc32', 'crc32c', 'crc64nvme'] as const) {
  test(`${alg}: the table-driven CRC equals the bit-at-a-time reference for every length 0..40 and 1021`, () => {
    for (const n of [...Array.from({ length: 41 }, (_, i) => i), 1021]) {
      const data = bytes(n, 0x1234567 + n);
      assert.equal(digest(alg, data).toString('hex'), reference(alg, data).toString('hex'), `length ${n}`);
    }
  });
}

// ---- names ----

test('parseChecksumAlgorithm accepts the five names in any case, with or without the header prefix', () => {
  assert.equal(parseChecksumAlgorithm('CRC32'), 'crc32');
  assert.equal(parseChecksumAlgorithm('x-amz-checksum-crc32c'), 'crc32c');
  assert.equal(parseChecksumAlgorithm(' CRC64NVME '), 'crc64nvme');
  assert.equal(parseChecksumAlgorithm('X-Amz-Checksum-SHA256'), 'sha256');
  assert.equal(parseChecksumAlgorithm('sha1'), 'sha1');
  assert.equal(parseChecksumAlgorithm('md5'), undefined);
  assert.equal(parseChecksumAlgorithm('crc64'), undefined);
  assert.equal(parseChecksumAlgorithm(''), undefined);
});

// ---- COMPOSITE multipart checksums ----

// AWS: the checksum of the concatenated binary part checksums, base64, then "-" and the part count.
const parts = [Buffer.from('123456789'), Buffer.from('abc'), bytes(5000)];

for (const alg of ['crc32', 'crc32c', 'sha1', 'sha256'] as const) {
  test(`${alg}: the composite checksum of three parts is checksum(part digests concatenated) in base64, then "-3"`, () => {
    const partDigests = parts.map((p) => reference(alg, p));
    const expected = `${reference(alg, Buffer.concat(partDigests)).toString('base64')}-3`;
    assert.equal(compositeChecksum(alg, parts.map((p) => digest(alg, p))), expected);
  });
}

test('crc32: the composite of the "123456789" and "abc" parts is the literal pinned value', () => {
  // crc32("123456789") = cbf43926, crc32("abc") = 352441c2; crc32 of the 8 bytes cbf43926352441c2 = db922d74.
  assert.equal(digest('crc32', Buffer.from('abc')).toString('hex'), '352441c2');
  assert.equal(crc32Reference(0xedb88320, Buffer.from('cbf43926352441c2', 'hex')).toString('hex'), 'db922d74');
  assert.equal(compositeChecksum('crc32', [digest('crc32', CHECK), digest('crc32', Buffer.from('abc'))]), '25ItdA==-2');
});

test('a composite of one part is the checksum of that part\'s digest, not the part\'s digest itself', () => {
  const one = digest('sha256', CHECK);
  assert.equal(compositeChecksum('sha256', [one]), `${createHash('sha256').update(one).digest('base64')}-1`);
  assert.notEqual(compositeChecksum('sha256', [one]), `${one.toString('base64')}-1`);
});

// ---- the pass-through digest stream ----

test('the digest stream passes bytes through unchanged and reports MD5, the asked checksums and the length', async () => {
  const data = bytes(200_000);
  const stream = createDigestStream({ md5: 'compute', checksums: { crc32c: 'compute', sha256: 'compute' } });
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  await pipeline(Readable.from([data.subarray(0, 1), data.subarray(1, 70_001), data.subarray(70_001)]), stream);
  assert.deepEqual(Buffer.concat(out), data);
  const results = stream.results();
  assert.deepEqual(results, {
    md5: createHash('md5').update(data).digest(),
    checksums: { crc32c: reference('crc32c', data).toString('base64'), sha256: createHash('sha256').update(data).digest('base64') },
    bytes: 200_000,
  });
  assert.equal(stream.results(), results);
});

test('the digest stream computes no MD5 unless asked', async () => {
  const stream = createDigestStream({ checksums: { crc32: 'compute' } });
  stream.resume();
  await pipeline(Readable.from([CHECK]), stream);
  assert.deepEqual(stream.results(), { checksums: { crc32: 'y/Q5Jg==' }, bytes: 9 });
});

test('digests fed directly equal the digest stream over the same bytes, in any split', async () => {
  const data = bytes(70_003);
  const stream = createDigestStream({ md5: 'compute', checksums: { crc64nvme: 'compute', sha1: 'compute' } });
  stream.resume();
  await pipeline(Readable.from([data]), stream);
  for (const at of [0, 1, 65_536, 70_003]) {
    const d = createDigests({ md5: 'compute', checksums: { crc64nvme: 'compute', sha1: 'compute' } });
    d.update(data.subarray(0, at));
    d.update(data.subarray(at));
    assert.deepEqual(d.results(), stream.results(), `split at ${at}`);
  }
  assert.deepEqual(createDigests({}).results(), { checksums: {}, bytes: 0 });
});
