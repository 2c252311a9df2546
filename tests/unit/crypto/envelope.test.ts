/**
 * Envelope format v1 (docs/FORMAT.md): golden vectors, an independent re-derivation of one vector
 * from the document alone, must-fail vectors (each refused with IntegrityError and no altered byte
 * released), and ranges that decrypt only the packages they touch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createDecryptStream, createEncryptStream, IntegrityError, planRange, type RangePlan } from '../../../src/crypto/envelope.js';
import { repoRoot } from '../../helpers/server.js';
import { deterministicRandom, plaintextOf } from '../../vectors/crypto/generate.js';

interface EnvelopeVector {
  name: string;
  plainBytes: number;
  packageBytes: number;
  seed: string;
  cipherHex: string;
}

const vectors = JSON.parse(readFileSync(join(repoRoot, 'tests', 'vectors', 'crypto', 'vectors.json'), 'utf8')) as { contentKeyHex: string; envelopes: EnvelopeVector[] };
const key = Buffer.from(vectors.contentKeyHex, 'hex');

/** Feeds `input` through `stream` in uneven pieces; returns what came out, or the error and what came out before it. */
async function run(stream: NodeJS.ReadWriteStream, input: Buffer, piece = 7): Promise<{ out: Buffer; error?: unknown }> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += piece) pieces.push(input.subarray(i, i + piece));
  const out: Buffer[] = [];
  try {
    for await (const c of Readable.from(pieces).pipe(stream)) out.push(c as Buffer);
    return { out: Buffer.concat(out) };
  } catch (error) {
    return { out: Buffer.concat(out), error };
  }
}

for (const v of vectors.envelopes) {
  test(`golden envelope "${v.name}": both encryptors produce it, the decryptor returns the plaintext`, async () => {
    const plain = plaintextOf(v.plainBytes);
    const buffered = await run(createEncryptStream(key, { packageBytes: v.packageBytes, random: deterministicRandom(v.seed) }), plain);
    assert.equal(buffered.out.toString('hex'), v.cipherHex);
    const streaming = await run(createEncryptStream(key, { packageBytes: v.packageBytes, random: deterministicRandom(v.seed), plainBytes: v.plainBytes }), plain, 5);
    assert.equal(streaming.out.toString('hex'), v.cipherHex);
    const opened = await run(createDecryptStream(key, { plainBytes: v.plainBytes }), Buffer.from(v.cipherHex, 'hex'), 3);
    assert.equal(opened.error, undefined);
    assert.deepEqual(opened.out, plain);
  });
}

test('one golden vector re-derived from docs/FORMAT.md with node:crypto alone', () => {
  const v = vectors.envelopes.find((e) => e.name === 'three packages, last partial')!;
  const P = v.packageBytes;
  const plain = plaintextOf(v.plainBytes);
  const prefix = deterministicRandom(v.seed)(7);
  const header = Buffer.concat([Buffer.from([1, 1, Math.log2(P), 0]), prefix, Buffer.alloc(5)]);
  const parts = [header];
  const count = Math.ceil(v.plainBytes / P);
  for (let i = 0; i < count; i++) {
    const nonce = Buffer.alloc(12);
    prefix.copy(nonce);
    nonce.writeUInt32BE(i, 7);
    nonce[11] = i === count - 1 ? 1 : 0;
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(header);
    parts.push(cipher.update(plain.subarray(i * P, (i + 1) * P)), cipher.final(), cipher.getAuthTag());
  }
  assert.equal(Buffer.concat(parts).toString('hex'), v.cipherHex);
});

// Must-fail vectors, all from the 3-package golden envelope (P = 16, 48 bytes: stride 32).
const golden = vectors.envelopes.find((e) => e.name === 'three full packages')!;
const sealed = Buffer.from(golden.cipherHex, 'hex');
const H = 16;
const S = golden.packageBytes + 16;
const flip = (at: number): Buffer => {
  const b = Buffer.from(sealed);
  b[at] = b[at]! ^ 0x01;
  return b;
};
const mustFail: Array<[string, Buffer, number]> = [
  ['a flipped bit in the header (package size)', flip(2), 48],
  ['a flipped bit in the nonce prefix', flip(5), 48],
  ['a flipped bit in a reserved header byte', flip(12), 48],
  ['a flipped bit in the first package', flip(H + 3), 48],
  ['a flipped bit in the last package', flip(H + 2 * S + 1), 48],
  ['a flipped bit in a tag', flip(H + S - 1), 48],
  ['packages 0 and 1 swapped', Buffer.concat([sealed.subarray(0, H), sealed.subarray(H + S, H + 2 * S), sealed.subarray(H, H + S), sealed.subarray(H + 2 * S)]), 48],
  ['the final package dropped (metadata says 48)', sealed.subarray(0, H + 2 * S), 48],
  ['the final package dropped and the length rewritten to 32', sealed.subarray(0, H + 2 * S), 32],
  ['truncated inside a package', sealed.subarray(0, H + S + 10), 48],
  ['trailing bytes after the final package', Buffer.concat([sealed, Buffer.from([0])]), 48],
  ['a whole extra package appended', Buffer.concat([sealed, sealed.subarray(H + 2 * S)]), 48],
  ['the header alone', sealed.subarray(0, H), 48],
  ['nothing at all', Buffer.alloc(0), 48],
  ['a declared length longer than the envelope', sealed, 64],
];
for (const [what, bytes, plainBytes] of mustFail) {
  test(`must fail: ${what}`, async () => {
    const { out, error } = await run(createDecryptStream(key, { plainBytes }), bytes, 5);
    assert.ok(error instanceof IntegrityError, `expected IntegrityError, got ${String(error)}`);
    // Whatever was released before the failure is an exact prefix of the true plaintext.
    assert.deepEqual(out, plaintextOf(48).subarray(0, out.length));
  });
}

test('must fail: the right envelope under another key releases nothing', async () => {
  const { out, error } = await run(createDecryptStream(randomBytes(32), { plainBytes: 48 }), sealed);
  assert.ok(error instanceof IntegrityError);
  assert.equal(out.length, 0);
});

test('must fail: the encryptor refuses more or less plaintext than it was told', async () => {
  assert.ok((await run(createEncryptStream(key, { plainBytes: 10 }), Buffer.alloc(11))).error instanceof RangeError);
  assert.ok((await run(createEncryptStream(key, { plainBytes: 10 }), Buffer.alloc(9))).error instanceof RangeError);
});

/** Decrypts a range the way a GET does: header, then only the planned bytes. */
async function readRange(envelope: Buffer, plainBytes: number, first: number, last: number, packageBytes: number): Promise<{ out: Buffer; plan: RangePlan; packages: number }> {
  const plan = planRange(plainBytes, first, last, packageBytes);
  const stream = createDecryptStream(key, { plainBytes, range: plan });
  const input = Buffer.concat([envelope.subarray(0, H), envelope.subarray(H + plan.cipherStart, H + plan.cipherEnd + 1)]);
  const { out, error } = await run(stream, input, 65536);
  assert.equal(error, undefined);
  return { out, plan, packages: stream.packagesDecrypted };
}

test('ranges return exact bytes: inside a package, across boundaries, first and last byte, the whole', async () => {
  const P = 16;
  const plain = randomBytes(1000);
  const envelope = (await run(createEncryptStream(key, { packageBytes: P }), plain)).out;
  const cases: Array<[number, number, number]> = [
    [3, 9, 1],
    [15, 16, 2],
    [10, 40, 3],
    [0, 0, 1],
    [999, 999, 1],
    [992, 999, 1],
    [0, 999, 63],
    [500, 999, 32],
  ];
  for (const [first, last, packages] of cases) {
    const r = await readRange(envelope, plain.length, first, last, P);
    assert.deepEqual(r.out, plain.subarray(first, last + 1), `${first}-${last}`);
    assert.equal(r.packages, packages, `${first}-${last} packages`);
  }
});

test('a 1 MiB range decrypts 16 packages at the start and 16 at the end of a 64 MiB object', async () => {
  const MiB = 1024 * 1024;
  const N = 64 * MiB;
  const plain = randomBytes(N);
  const envelope = (await run(createEncryptStream(key, { plainBytes: N }), plain, MiB)).out;
  const start = await readRange(envelope, N, 0, MiB - 1, 65536);
  const end = await readRange(envelope, N, N - MiB, N - 1, 65536);
  assert.equal(start.packages, 16);
  assert.equal(end.packages, start.packages);
  assert.equal(end.plan.cipherEnd - end.plan.cipherStart, start.plan.cipherEnd - start.plan.cipherStart, 'the same number of blob bytes is read');
  assert.deepEqual(start.out, plain.subarray(0, MiB));
  assert.deepEqual(end.out, plain.subarray(N - MiB));
});

test('the worked example of docs/FORMAT.md: the last 1 MiB of a 1 GiB object', () => {
  const plan = planRange(2 ** 30, 2 ** 30 - 2 ** 20, 2 ** 30 - 1);
  assert.deepEqual([plan.firstPackage, plan.lastPackage], [16368, 16383]);
  assert.deepEqual([H + plan.cipherStart, H + plan.cipherEnd], [1_072_955_152, 1_074_003_983]);
});
