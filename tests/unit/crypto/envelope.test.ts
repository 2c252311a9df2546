/**
 * Envelope format v1 (docs/FORMAT.md) against the stored vectors in tests/vectors/crypto/envelope.json:
 * golden ciphertexts from both encryptors, one re-derived from the document with node:crypto alone,
 * must-fail cases (IntegrityError, and nothing released but verified plaintext), and range reads
 * that decrypt only the packages they touch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { cipherSize, createDecryptStream, createEncryptStream, DEFAULT_PACKAGE_BYTES, IntegrityError, packageBytesOf, packageCount, planRange, sealEnvelope, type RangePlan } from '../../../src/crypto/envelope.js';
import { replay } from '../../helpers/replay-random.js';
import { repoRoot as root } from '../../helpers/server.js';


interface GoldenEnvelope {
  name: string;
  plainBytes: number;
  packageBytes: number;
  randomHex: string[];
  headerHex: string;
  cipherBytes: number;
  cipherHex?: string;
  cipherSha256?: string;
}
interface MustFailEnvelope {
  name: string;
  why: string;
  plainBytes: number;
  contentKeyHex?: string;
  cipherHex: string;
  maxReleasedBytes: number;
}
interface RangeVector {
  name: string;
  plainBytes: number;
  first: number;
  last: number;
  packageBytes: number;
  plan: RangePlan;
}

const vectors = JSON.parse(readFileSync(join(root, 'tests', 'vectors', 'crypto', 'envelope.json'), 'utf8')) as {
  contentKeyHex: string;
  golden: GoldenEnvelope[];
  mustFail: MustFailEnvelope[];
  ranges: RangeVector[];
};
const key = Buffer.from(vectors.contentKeyHex, 'hex');
const H = 16;


/** Byte i is i mod 251, as in the vectors. */
function plaintextOf(length: number, offset = 0): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (offset + i) % 251;
  return out;
}

/** Feeds `input` through `stream` in pieces of `piece` bytes; returns the output, and the error if any. */
async function run(stream: NodeJS.ReadWriteStream, input: Buffer, piece: number): Promise<{ out: Buffer; error?: unknown }> {
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

function assertGolden(v: GoldenEnvelope, cipher: Buffer, how: string): void {
  assert.equal(cipher.length, v.cipherBytes, `${how}: length`);
  assert.equal(cipher.subarray(0, H).toString('hex'), v.headerHex, `${how}: header`);
  if (v.cipherHex !== undefined) assert.equal(cipher.toString('hex'), v.cipherHex, how);
  else assert.equal(createHash('sha256').update(cipher).digest('hex'), v.cipherSha256, how);
}

for (const v of vectors.golden) {
  test(`golden envelope "${v.name}": all three encryptors write it and the decryptor reads it back`, async () => {
    const plain = plaintextOf(v.plainBytes);
    // Small pieces exercise buffering across package boundaries; they cost too much on 64 KiB packages.
    const piece = v.packageBytes > 1024 ? 4099 : 1;
    const unknownLength = await run(createEncryptStream(key, { packageBytes: v.packageBytes, random: replay(v.randomHex) }), plain, piece);
    assert.equal(unknownLength.error, undefined);
    assertGolden(v, unknownLength.out, 'length not declared');
    const declared = await run(createEncryptStream(key, { packageBytes: v.packageBytes, random: replay(v.randomHex), plainBytes: v.plainBytes }), plain, piece + 2);
    assert.equal(declared.error, undefined);
    assertGolden(v, declared.out, 'length declared');
    assertGolden(v, sealEnvelope(key, plain, { packageBytes: v.packageBytes, random: replay(v.randomHex) }), 'sealed whole');
    assert.equal(v.cipherBytes, cipherSize(v.plainBytes, v.packageBytes));

    const cipher = v.cipherHex !== undefined ? Buffer.from(v.cipherHex, 'hex') : declared.out;
    for (const p of [3, 65536]) {
      const stream = createDecryptStream(key, { plainBytes: v.plainBytes });
      const opened = await run(stream, cipher, p);
      assert.equal(opened.error, undefined);
      assert.ok(opened.out.equals(plain));
      assert.equal(stream.packagesDecrypted, packageCount(v.plainBytes, v.packageBytes));
    }
  });
}

test('a golden envelope re-derived from docs/FORMAT.md with node:crypto alone', () => {
  for (const v of vectors.golden.filter((g) => g.cipherHex !== undefined)) {
    const P = v.packageBytes;
    const prefix = Buffer.from(v.randomHex[0]!, 'hex');
    const header = Buffer.concat([Buffer.from([1, 1, Math.log2(P), 0]), prefix, Buffer.alloc(5)]);
    const plain = plaintextOf(v.plainBytes);
    const count = Math.max(1, Math.ceil(v.plainBytes / P));
    const parts = [header];
    for (let i = 0; i < count; i++) {
      const nonce = Buffer.concat([prefix, Buffer.alloc(5)]);
      nonce.writeUInt32BE(i, 7);
      nonce[11] = i === count - 1 ? 1 : 0;
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(header);
      parts.push(cipher.update(plain.subarray(i * P, (i + 1) * P)), cipher.final(), cipher.getAuthTag());
    }
    assert.equal(Buffer.concat(parts).toString('hex'), v.cipherHex, v.name);
  }
});

const truth = plaintextOf(48);
for (const v of vectors.mustFail) {
  test(`must fail: ${v.name} (${v.why})`, async () => {
    for (const piece of [1, 7, 4096]) {
      const stream = createDecryptStream(v.contentKeyHex ? Buffer.from(v.contentKeyHex, 'hex') : key, { plainBytes: v.plainBytes });
      const { out, error } = await run(stream, Buffer.from(v.cipherHex, 'hex'), piece);
      assert.ok(error instanceof IntegrityError, `pieces of ${piece}: expected IntegrityError, got ${String(error)}`);
      assert.ok(out.length <= v.maxReleasedBytes, `pieces of ${piece}: released ${out.length} bytes, at most ${v.maxReleasedBytes} verified`);
      assert.ok(out.equals(truth.subarray(0, out.length)), `pieces of ${piece}: released bytes that are not the true plaintext`);
    }
  });
}

test('must fail: the encryptor refuses more or less plaintext than declared', async () => {
  assert.ok((await run(createEncryptStream(key, { plainBytes: 10 }), Buffer.alloc(11), 4)).error instanceof RangeError);
  assert.ok((await run(createEncryptStream(key, { plainBytes: 10 }), Buffer.alloc(9), 4)).error instanceof RangeError);
});

test('planRange matches the stored range table, including the 1 GiB worked example of docs/FORMAT.md', () => {
  for (const r of vectors.ranges) {
    assert.deepEqual(planRange(r.plainBytes, r.first, r.last, r.packageBytes), r.plan, r.name);
  }
  const start = vectors.ranges.find((r) => r.name === 'first 1 MiB of 1 GiB')!.plan;
  const end = vectors.ranges.find((r) => r.name === 'last 1 MiB of 1 GiB')!.plan;
  assert.equal(end.lastPackage - end.firstPackage, start.lastPackage - start.firstPackage);
  assert.equal(H + end.cipherEnd + 1, cipherSize(2 ** 30, 65536), 'the last range ends on the last byte of the envelope');
  assert.throws(() => planRange(10, 5, 10), RangeError);
  assert.throws(() => planRange(10, 6, 5), RangeError);
});

/** Decrypts a range as a GET does: the header, then only the planned bytes. */
async function readRange(envelope: Buffer, plainBytes: number, first: number, last: number, packageBytes: number, piece: number) {
  const plan = planRange(plainBytes, first, last, packageBytes);
  const stream = createDecryptStream(key, { plainBytes, range: plan });
  const input = Buffer.concat([envelope.subarray(0, H), envelope.subarray(H + plan.cipherStart, H + plan.cipherEnd + 1)]);
  const { out, error } = await run(stream, input, piece);
  assert.equal(error, undefined, `${first}-${last}`);
  return { out, plan, packages: stream.packagesDecrypted };
}

test('ranges return exact bytes: inside a package, across boundaries, at the start and the end', async () => {
  const P = 16;
  const N = 1000;
  const plain = plaintextOf(N, 17);
  const envelope = (await run(createEncryptStream(key, { packageBytes: P }), plain, 100)).out;
  const cases: Array<[first: number, last: number, packages: number]> = [
    [3, 9, 1],
    [16, 31, 1],
    [15, 16, 2],
    [10, 40, 3],
    [0, 0, 1],
    [0, 15, 1],
    [999, 999, 1],
    [992, 999, 1],
    [991, 992, 2],
    [0, 999, 63],
    [500, 999, 32],
  ];
  for (const [first, last, packages] of cases) {
    for (const piece of [1, 1000]) {
      const r = await readRange(envelope, N, first, last, P, piece);
      assert.ok(r.out.equals(plain.subarray(first, last + 1)), `${first}-${last}`);
      assert.equal(r.packages, packages, `${first}-${last}: packages decrypted`);
    }
  }
});

test('must fail: a range whose packages are damaged, or with bytes past the plan', async () => {
  const v = vectors.golden.find((g) => g.name === 'three full packages')!;
  const envelope = Buffer.from(v.cipherHex!, 'hex');
  const plan = planRange(48, 20, 40, 16);
  const input = Buffer.concat([envelope.subarray(0, H), envelope.subarray(H + plan.cipherStart, H + plan.cipherEnd + 1)]);
  const damaged = Buffer.from(input);
  damaged[H + 40] = damaged[H + 40]! ^ 1;
  const bad = await run(createDecryptStream(key, { plainBytes: 48, range: plan }), damaged, 5);
  assert.ok(bad.error instanceof IntegrityError);
  assert.ok(bad.out.equals(plaintextOf(48).subarray(20, 20 + bad.out.length)));
  const extended = await run(createDecryptStream(key, { plainBytes: 48, range: plan }), Buffer.concat([input, Buffer.from([0])]), 5);
  assert.ok(extended.error instanceof IntegrityError);
  const onlyPackage1 = planRange(48, 20, 25, 16);
  const withPackage2 = Buffer.concat([envelope.subarray(0, H), envelope.subarray(H + onlyPackage1.cipherStart)]);
  const beyond = await run(createDecryptStream(key, { plainBytes: 48, range: onlyPackage1 }), withPackage2, 5);
  assert.ok(beyond.error instanceof IntegrityError, 'a genuine package past the plan');
  const shifted = await run(createDecryptStream(key, { plainBytes: 48, range: { ...plan, firstPackage: 0 } }), input, 5);
  assert.ok(shifted.error instanceof IntegrityError, 'packages presented at another index');
});

for (const packageBytes of [65536, DEFAULT_PACKAGE_BYTES]) {
  test(`a 1 MiB range decrypts as many packages at the end of a 64 MiB object as at the start (${packageBytes / 1024} KiB packages)`, async () => {
    const MiB = 2 ** 20;
    const N = 64 * MiB;
    // A streamed plaintext: 1 MiB slices of the i mod 251 pattern, never whole in memory.
    const pattern = plaintextOf(MiB + 251);
    const source = Readable.from((function* () {
      for (let at = 0; at < N; at += MiB) yield pattern.subarray(at % 251, (at % 251) + MiB);
    })());
    const chunks: Buffer[] = [];
    for await (const c of source.pipe(createEncryptStream(key, { plainBytes: N, packageBytes }))) chunks.push(c as Buffer);
    const envelope = Buffer.concat(chunks);
    assert.equal(envelope.length, cipherSize(N, packageBytes));

    const start = await readRange(envelope, N, 0, MiB - 1, packageBytes, MiB);
    const end = await readRange(envelope, N, N - MiB, N - 1, packageBytes, MiB);
    const middle = await readRange(envelope, N, 12345, 12345 + MiB - 1, packageBytes, MiB);
    assert.equal(start.packages, MiB / packageBytes);
    assert.equal(end.packages, start.packages);
    assert.equal(middle.packages, MiB / packageBytes + 1, 'an unaligned 1 MiB range touches one package more');
    assert.equal(end.plan.cipherEnd - end.plan.cipherStart, start.plan.cipherEnd - start.plan.cipherStart, 'as many blob bytes read');
    assert.ok(start.out.equals(plaintextOf(MiB, 0)));
    assert.ok(end.out.equals(plaintextOf(MiB, N - MiB)));
    assert.ok(middle.out.equals(plaintextOf(MiB, 12345)));
  });
}

test('the writer uses 1 MiB packages by default, and its envelopes say so in their header', async () => {
  assert.equal(DEFAULT_PACKAGE_BYTES, 1024 * 1024);
  const out = await run(createEncryptStream(key, { plainBytes: 3 }), Buffer.from('abc'), 3);
  assert.equal(out.out[2], 20, 'log2 of the package size');
  assert.equal(packageBytesOf(out.out.subarray(0, H)), DEFAULT_PACKAGE_BYTES);
  assert.throws(() => packageBytesOf(Buffer.concat([Buffer.from([1, 1, 25, 0]), Buffer.alloc(12)])), IntegrityError);
});
