/**
 * Writes envelope.json and keys.json in this folder, once, from fixed keys and a deterministic
 * random source; the tests compare the code against the stored values, so a format change fails
 * a test instead of regenerating vectors. Every random draw is stored with its vector, and
 * must-fail cases are stored as the altered bytes, so another implementation can use the files
 * without this script. Refuses to overwrite existing files without --force.
 * Run: npx tsc -p . && node dist/tests/vectors/crypto/generate.js
 */
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createEncryptStream } from '../../../src/crypto/envelope.js';
import { customerKeyMd5, derivePartKey, kekInfo, sealMetadata, sealObjectKey, sealObjectKeyUnderCustomerKey, sealObjectKeyUnderDataKey, type KeyBinding } from '../../../src/crypto/keys.js';
import type { RandomSource } from '../../../src/crypto/random.js';
import { wrapSecret } from '../../../src/crypto/wrap.js';
import { sealMetadataFormatOne } from '../../helpers/metadata-format-one.js';
import { repoRoot as root } from '../../helpers/server.js';


/** SHA-256 in counter mode over a seed, recording every draw so the vector can list it. */
function seededRandom(seed: string): { random: RandomSource; draws: string[] } {
  let counter = 0;
  const draws: string[] = [];
  const random: RandomSource = (bytes) => {
    const blocks: Buffer[] = [];
    for (let have = 0; have < bytes; have += 32) blocks.push(createHash('sha256').update(`${seed}/${counter++}`).digest());
    const out = Buffer.concat(blocks).subarray(0, bytes);
    draws.push(out.toString('hex'));
    return out;
  };
  return { random, draws };
}

/** The plaintext of every envelope vector: byte i is i mod 251. */
function plaintextOf(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => i % 251));
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const hex = (b: Buffer): string => b.toString('hex');

async function encrypt(key: Buffer, plain: Buffer, packageBytes: number, random: RandomSource): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from([plain]).pipe(createEncryptStream(key, { packageBytes, random }))) out.push(c as Buffer);
  return Buffer.concat(out);
}

// ---- envelope.json ----

const CONTENT_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const OTHER_CONTENT_KEY = Buffer.from('ff'.repeat(32), 'hex');
/** Ciphertexts longer than this are stored as length and SHA-256 (a 64 KiB package is 128 KiB of hex). */
const MAX_HEX_BYTES = 4096;

const ENVELOPE_CASES: Array<{ name: string; plainBytes: number; packageBytes: number }> = [
  { name: 'empty', plainBytes: 0, packageBytes: 65536 },
  { name: 'one byte', plainBytes: 1, packageBytes: 65536 },
  { name: 'one 64 KiB package less one byte', plainBytes: 65535, packageBytes: 65536 },
  { name: 'exactly one 64 KiB package', plainBytes: 65536, packageBytes: 65536 },
  { name: 'one 64 KiB package and one byte', plainBytes: 65537, packageBytes: 65536 },
  { name: 'three 64 KiB packages and 100 bytes', plainBytes: 3 * 65536 + 100, packageBytes: 65536 },
  { name: 'empty, 16-byte packages', plainBytes: 0, packageBytes: 16 },
  { name: 'one 16-byte package less one byte', plainBytes: 15, packageBytes: 16 },
  { name: 'exactly one 16-byte package', plainBytes: 16, packageBytes: 16 },
  { name: 'one package and one byte', plainBytes: 17, packageBytes: 16 },
  { name: 'three full packages', plainBytes: 48, packageBytes: 16 },
  { name: 'three packages, last partial', plainBytes: 45, packageBytes: 16 },
  { name: 'three 1 KiB packages and 1 byte', plainBytes: 3073, packageBytes: 1024 },
];

/** planRange by the formula of docs/FORMAT.md, written out independently of the code. */
function rangeByFormula(plainBytes: number, first: number, last: number, packageBytes: number) {
  const stride = packageBytes + 16;
  const firstPackage = Math.floor(first / packageBytes);
  const lastPackage = Math.floor(last / packageBytes);
  const lastPlain = Math.min(packageBytes, plainBytes - lastPackage * packageBytes);
  return {
    firstPackage,
    lastPackage,
    cipherStart: firstPackage * stride,
    cipherEnd: lastPackage * stride + lastPlain + 16 - 1,
    skipBytes: first - firstPackage * packageBytes,
    takeBytes: last - first + 1,
  };
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const RANGE_CASES: Array<{ name: string; plainBytes: number; first: number; last: number; packageBytes: number }> = [
  { name: 'first 1 MiB of 1 GiB', plainBytes: GiB, first: 0, last: MiB - 1, packageBytes: 65536 },
  { name: 'last 1 MiB of 1 GiB', plainBytes: GiB, first: GiB - MiB, last: GiB - 1, packageBytes: 65536 },
  { name: '1 MiB of 1 GiB starting mid-package', plainBytes: GiB, first: 100_000, last: 100_000 + MiB - 1, packageBytes: 65536 },
  { name: 'one byte inside a package', plainBytes: 200_000, first: 70_000, last: 70_000, packageBytes: 65536 },
  { name: 'two bytes across a package boundary', plainBytes: 200_000, first: 65535, last: 65536, packageBytes: 65536 },
  { name: 'last byte, short final package', plainBytes: 200_000, first: 199_999, last: 199_999, packageBytes: 65536 },
  { name: 'whole object', plainBytes: 200_000, first: 0, last: 199_999, packageBytes: 65536 },
  { name: 'inside a 16-byte package', plainBytes: 45, first: 3, last: 9, packageBytes: 16 },
  { name: 'across two 16-byte boundaries', plainBytes: 45, first: 10, last: 40, packageBytes: 16 },
];

async function envelopeVectors(): Promise<object> {
  const golden = [];
  const bytesOf = new Map<string, Buffer>();
  for (const c of ENVELOPE_CASES) {
    const { random, draws } = seededRandom(c.name);
    const cipher = await encrypt(CONTENT_KEY, plaintextOf(c.plainBytes), c.packageBytes, random);
    bytesOf.set(c.name, cipher);
    golden.push({
      ...c,
      randomHex: draws,
      headerHex: hex(cipher.subarray(0, 16)),
      cipherBytes: cipher.length,
      ...(cipher.length <= MAX_HEX_BYTES ? { cipherHex: hex(cipher) } : { cipherSha256: sha256(cipher) }),
    });
  }

  // Must-fail cases: all from "three full packages" (P = 16, stride S = 32, 48 plaintext bytes).
  // maxReleasedBytes: plaintext that verified before the damage and may be released (a prefix of
  // the true plaintext); nothing past it, and nothing altered.
  const base = bytesOf.get('three full packages')!;
  const H = 16;
  const S = 32;
  const flip = (at: number): Buffer => {
    const b = Buffer.from(base);
    b[at] = b[at]! ^ 0x01;
    return b;
  };
  const pkg = (i: number): Buffer => base.subarray(H + i * S, H + (i + 1) * S);
  const other = await encrypt(CONTENT_KEY, plaintextOf(48), 16, seededRandom('another envelope under the same key').random);
  const cases: Array<{ name: string; why: string; bytes: Buffer; plainBytes?: number; key?: Buffer; maxReleasedBytes: number }> = [
    { name: 'header: version byte flipped', why: 'unknown version: the header is refused', bytes: flip(0), maxReleasedBytes: 0 },
    { name: 'header: algorithm byte flipped', why: 'unknown algorithm: the header is refused', bytes: flip(1), maxReleasedBytes: 0 },
    { name: 'header: package size byte flipped', why: 'the header is associated data (and the package lengths change): package 0 fails', bytes: flip(2), maxReleasedBytes: 0 },
    { name: 'header: reserved byte 3 flipped', why: 'reserved bytes must be zero: the header is refused', bytes: flip(3), maxReleasedBytes: 0 },
    { name: 'header: nonce prefix bit flipped', why: 'wrong nonce and wrong associated data: package 0 fails', bytes: flip(5), maxReleasedBytes: 0 },
    { name: 'header: reserved byte 12 flipped', why: 'reserved bytes must be zero: the header is refused', bytes: flip(12), maxReleasedBytes: 0 },
    { name: 'package 0: body bit flipped', why: 'GCM tag of package 0', bytes: flip(H + 3), maxReleasedBytes: 0 },
    { name: 'package 2 (final): body bit flipped', why: 'GCM tag of package 2', bytes: flip(H + 2 * S + 1), maxReleasedBytes: 32 },
    { name: 'package 0: tag bit flipped', why: 'GCM tag of package 0', bytes: flip(H + S - 1), maxReleasedBytes: 0 },
    { name: 'package 2 (final): last tag byte flipped', why: 'GCM tag of package 2', bytes: flip(base.length - 1), maxReleasedBytes: 32 },
    { name: 'packages 0 and 1 swapped', why: 'the counter is in the nonce: package 1 does not open as package 0', bytes: Buffer.concat([base.subarray(0, H), pkg(1), pkg(0), pkg(2)]), maxReleasedBytes: 0 },
    { name: 'packages 1 and 2 (final) swapped', why: 'counter and final flag are in the nonce', bytes: Buffer.concat([base.subarray(0, H), pkg(0), pkg(2), pkg(1)]), maxReleasedBytes: 16 },
    { name: 'final package dropped', why: 'the stream ends before the final package the declared length calls for', bytes: base.subarray(0, H + 2 * S), maxReleasedBytes: 32 },
    { name: 'final package dropped, declared length rewritten to 32', why: 'package 1 was sealed without the final flag', bytes: base.subarray(0, H + 2 * S), plainBytes: 32, maxReleasedBytes: 16 },
    { name: 'truncated inside package 1', why: 'the stream ends inside a package', bytes: base.subarray(0, H + S + 10), maxReleasedBytes: 16 },
    { name: 'last byte cut', why: 'the final package is one byte short: its tag is wrong or the stream ends early', bytes: base.subarray(0, base.length - 1), maxReleasedBytes: 32 },
    { name: 'header only', why: 'no package at all', bytes: base.subarray(0, H), maxReleasedBytes: 0 },
    { name: 'nothing', why: 'no header', bytes: Buffer.alloc(0), maxReleasedBytes: 0 },
    { name: 'one trailing byte', why: 'nothing may follow the final package', bytes: Buffer.concat([base, Buffer.from([0])]), maxReleasedBytes: 48 },
    { name: 'final package appended again', why: 'nothing may follow the final package', bytes: Buffer.concat([base, pkg(2)]), maxReleasedBytes: 48 },
    { name: 'declared length 47 instead of 48', why: 'the final package is read one byte short: its tag fails', bytes: base, plainBytes: 47, maxReleasedBytes: 32 },
    { name: 'declared length 64 instead of 48', why: 'package 2 is not final under that length: it fails', bytes: base, plainBytes: 64, maxReleasedBytes: 32 },
    { name: 'package 1 from another envelope under the same key', why: 'another nonce prefix (nonce and associated data differ)', bytes: Buffer.concat([base.subarray(0, H + S), other.subarray(H + S, H + 2 * S), pkg(2)]), maxReleasedBytes: 16 },
    { name: 'header from another envelope under the same key', why: 'the packages were sealed under the other nonce prefix and header', bytes: Buffer.concat([other.subarray(0, H), base.subarray(H)]), maxReleasedBytes: 0 },
    { name: 'wrong content key', why: 'every tag fails', bytes: base, key: OTHER_CONTENT_KEY, maxReleasedBytes: 0 },
  ];

  return {
    about:
      'Golden and must-fail vectors for envelope version 1 (docs/FORMAT.md), written once by generate.ts. ' +
      'Plaintext of n bytes: byte i = i mod 251. randomHex lists the random draws in order (the 7-byte nonce prefix). ' +
      'Ciphertexts over 4096 bytes are pinned by length and SHA-256. Range offsets count from the end of the 16-byte header.',
    contentKeyHex: hex(CONTENT_KEY),
    golden,
    mustFail: cases.map((c) => ({
      name: c.name,
      why: c.why,
      plainBytes: c.plainBytes ?? 48,
      ...(c.key ? { contentKeyHex: hex(c.key) } : {}),
      cipherHex: hex(c.bytes),
      maxReleasedBytes: c.maxReleasedBytes,
    })),
    ranges: RANGE_CASES.map((r) => ({ ...r, plan: rangeByFormula(r.plainBytes, r.first, r.last, r.packageBytes) })),
  };
}

// ---- keys.json ----

const OBJECT_KEY = Buffer.from('a5'.repeat(32), 'hex');
const CUSTOMER_KEY = Buffer.from('c0ffee00c0ffee01c0ffee02c0ffee03c0ffee04c0ffee05c0ffee06c0ffee07', 'hex');
const SERVICE_MASTER_KEY = Buffer.from('5e'.repeat(32), 'hex');
const KMS_DATA_KEY = Buffer.from('d7'.repeat(32), 'hex');
/** A version 2 seal's data key: the KEK, then the metadata key. */
const KMS_SPLIT_DATA_KEY = Buffer.from('d7'.repeat(32) + 'e8'.repeat(32), 'hex');
const OBJECT: Omit<KeyBinding, 'mode'> = { bucket: 'photos', key: 'albums/2026/cat.jpg', versionId: 'v-0001' };

function keyVectors(): object {
  const sealed: object[] = [];
  const sealedOf = new Map<string, Buffer>();
  const metadataKeyOf = new Map<string, Buffer>();
  const seal = (name: string, secret: Buffer, binding: KeyBinding): void => {
    // The first vector keeps the seed of the earlier vectors.json, so its value carries over.
    const { random, draws } = seededRandom(name === 'sse-c' ? 'sealed key' : `sealed key ${name}`);
    const { sealed: bytes, metadataKey } = sealObjectKey(secret, OBJECT_KEY, binding, random);
    sealedOf.set(name, bytes);
    metadataKeyOf.set(name, metadataKey);
    sealed.push({ name, wrappingSecretHex: hex(secret), binding, randomHex: draws, kekInfoHex: hex(kekInfo(binding)), sealedHex: hex(bytes) });
  };
  seal('sse-c', CUSTOMER_KEY, { mode: 'sse-c', ...OBJECT });
  seal('sse-s3', SERVICE_MASTER_KEY, { mode: 'sse-s3', ...OBJECT });
  seal('sse-kms', KMS_DATA_KEY, { mode: 'sse-kms', ...OBJECT });
  seal('none', SERVICE_MASTER_KEY, { mode: 'none', ...OBJECT });
  const other: KeyBinding = { mode: 'sse-s3', bucket: 'photos', key: 'albums/2026/dog.jpg', versionId: 'v-0042' };
  seal('sse-s3, another object', SERVICE_MASTER_KEY, other);
  const longName: KeyBinding = { mode: 'sse-c', bucket: 'photos', key: 'é'.repeat(512), versionId: 'v-0001' };
  seal('sse-c, 1,024-byte object name', CUSTOMER_KEY, longName);

  const sealedV2: object[] = [];
  const sealSplit = (name: string, dataKey: Buffer, binding: KeyBinding): void => {
    const { random, draws } = seededRandom(`sealed key v2 ${name}`);
    const { sealed: bytes, metadataKey } = sealObjectKeyUnderDataKey(dataKey, OBJECT_KEY, binding, random);
    sealedOf.set(name, bytes);
    sealedV2.push({ name, dataKeyHex: hex(dataKey), binding, randomHex: draws, metadataKeyHex: hex(metadataKey), sealedHex: hex(bytes) });
  };
  const sseKms: KeyBinding = { mode: 'sse-kms', ...OBJECT };
  sealSplit('sse-kms, 64-byte data key', KMS_SPLIT_DATA_KEY, sseKms);
  sealSplit('sse-kms, 64-byte data key, 1,024-byte object name', KMS_SPLIT_DATA_KEY, { ...longName, mode: 'sse-kms' });

  const sealedV3: object[] = [];
  const sealXaes = (name: string, customerKey: Buffer, binding: KeyBinding): void => {
    const { random, draws } = seededRandom(`sealed key v3 ${name}`);
    const { sealed: bytes, metadataKey } = sealObjectKeyUnderCustomerKey(customerKey, OBJECT_KEY, binding, random);
    sealedOf.set(name, bytes);
    sealedV3.push({ name, customerKeyHex: hex(customerKey), binding, randomHex: draws, metadataKeyHex: hex(metadataKey), sealedHex: hex(bytes) });
  };
  sealXaes('sse-c, XAES-256-GCM', CUSTOMER_KEY, { mode: 'sse-c', ...OBJECT });
  sealXaes('sse-c, XAES-256-GCM, 1,024-byte object name', CUSTOMER_KEY, longName);

  const c = sealedOf.get('sse-c')!;
  const v2 = sealedOf.get('sse-kms, 64-byte data key')!;
  const v3 = sealedOf.get('sse-c, XAES-256-GCM')!;
  const s3 = sealedOf.get('sse-s3')!;
  const sseC: KeyBinding = { mode: 'sse-c', ...OBJECT };
  const sseS3: KeyBinding = { mode: 'sse-s3', ...OBJECT };
  const flip = (b: Buffer, at: number): Buffer => {
    const out = Buffer.from(b);
    out[at] = out[at]! ^ 0x80;
    return out;
  };
  const mustFail: Array<{ name: string; secret: Buffer; binding: KeyBinding; bytes: Buffer }> = [
    { name: 'wrong customer key', secret: Buffer.alloc(32, 7), binding: sseC, bytes: c },
    { name: 'customer key with its last bit flipped', secret: flip(CUSTOMER_KEY, 31), binding: sseC, bytes: c },
    { name: 'another bucket', secret: CUSTOMER_KEY, binding: { ...sseC, bucket: 'photos2' }, bytes: c },
    { name: 'another object name', secret: CUSTOMER_KEY, binding: { ...sseC, key: 'albums/2026/dog.jpg' }, bytes: c },
    { name: 'another version', secret: CUSTOMER_KEY, binding: { ...sseC, versionId: 'v-0002' }, bytes: c },
    { name: 'bytes shifted between bucket and object name', secret: CUSTOMER_KEY, binding: { ...sseC, bucket: 'photosa', key: 'lbums/2026/cat.jpg' }, bytes: c },
    { name: 'mode label sse-c relabelled sse-s3', secret: CUSTOMER_KEY, binding: { ...sseC, mode: 'sse-s3' }, bytes: c },
    { name: 'mode label sse-s3 relabelled none', secret: SERVICE_MASTER_KEY, binding: { ...sseS3, mode: 'none' }, bytes: s3 },
    { name: 'mode label none relabelled sse-s3', secret: SERVICE_MASTER_KEY, binding: sseS3, bytes: sealedOf.get('none')! },
    { name: 'mode label sse-kms relabelled sse-c', secret: KMS_DATA_KEY, binding: { ...sseC, mode: 'sse-c' }, bytes: sealedOf.get('sse-kms')! },
    { name: "sealed key of one object placed in another object's record", secret: SERVICE_MASTER_KEY, binding: other, bytes: s3 },
    { name: 'long object name differing in its last byte', secret: CUSTOMER_KEY, binding: { ...longName, key: 'é'.repeat(511) + 'e' }, bytes: sealedOf.get('sse-c, 1,024-byte object name')! },
    { name: 'version byte flipped', secret: CUSTOMER_KEY, binding: sseC, bytes: flip(c, 0) },
    { name: 'algorithm byte flipped', secret: CUSTOMER_KEY, binding: sseC, bytes: flip(c, 1) },
    { name: 'salt byte flipped', secret: CUSTOMER_KEY, binding: sseC, bytes: flip(c, 2) },
    { name: 'nonce byte flipped', secret: CUSTOMER_KEY, binding: sseC, bytes: flip(c, 40) },
    { name: 'sealed object key byte flipped', secret: CUSTOMER_KEY, binding: sseC, bytes: flip(c, 50) },
    { name: 'tag byte flipped', secret: CUSTOMER_KEY, binding: sseC, bytes: flip(c, 93) },
    { name: 'cut to 93 bytes', secret: CUSTOMER_KEY, binding: sseC, bytes: c.subarray(0, 93) },
    { name: 'extended to 95 bytes', secret: CUSTOMER_KEY, binding: sseC, bytes: Buffer.concat([c, Buffer.from([0])]) },
    { name: 'empty', secret: CUSTOMER_KEY, binding: sseC, bytes: Buffer.alloc(0) },
    { name: 'v2: wrong data key', secret: Buffer.alloc(64, 7), binding: sseKms, bytes: v2 },
    { name: "v2: the data key's halves swapped", secret: Buffer.concat([KMS_SPLIT_DATA_KEY.subarray(32), KMS_SPLIT_DATA_KEY.subarray(0, 32)]), binding: sseKms, bytes: v2 },
    { name: 'v2: the KEK half alone as a 32-byte secret', secret: KMS_SPLIT_DATA_KEY.subarray(0, 32), binding: sseKms, bytes: v2 },
    { name: 'v2: another object name', secret: KMS_SPLIT_DATA_KEY, binding: { ...sseKms, key: 'albums/2026/dog.jpg' }, bytes: v2 },
    { name: 'v2: another version', secret: KMS_SPLIT_DATA_KEY, binding: { ...sseKms, versionId: 'v-0002' }, bytes: v2 },
    { name: 'v2: another bucket', secret: KMS_SPLIT_DATA_KEY, binding: { ...sseKms, bucket: 'photos2' }, bytes: v2 },
    { name: 'v2: mode label sse-kms relabelled sse-c (a 64-byte secret opens version 2 for sse-kms only)', secret: KMS_SPLIT_DATA_KEY, binding: sseC, bytes: v2 },
    { name: 'v2: mode label sse-kms relabelled sse-s3', secret: KMS_SPLIT_DATA_KEY, binding: sseS3, bytes: v2 },
    { name: 'v2: version byte set to 1', secret: KMS_SPLIT_DATA_KEY, binding: sseKms, bytes: Buffer.concat([Buffer.from([1]), v2.subarray(1)]) },
    { name: 'v2: algorithm byte set to 1', secret: KMS_SPLIT_DATA_KEY, binding: sseKms, bytes: Buffer.concat([v2.subarray(0, 1), Buffer.from([1]), v2.subarray(2)]) },
    { name: 'v2: nonce byte flipped', secret: KMS_SPLIT_DATA_KEY, binding: sseKms, bytes: flip(v2, 5) },
    { name: 'v2: sealed object key byte flipped', secret: KMS_SPLIT_DATA_KEY, binding: sseKms, bytes: flip(v2, 20) },
    { name: 'v2: tag byte flipped', secret: KMS_SPLIT_DATA_KEY, binding: sseKms, bytes: flip(v2, 61) },
    { name: 'v2: cut to 61 bytes', secret: KMS_SPLIT_DATA_KEY, binding: sseKms, bytes: v2.subarray(0, 61) },
    { name: 'v2: extended to 63 bytes', secret: KMS_SPLIT_DATA_KEY, binding: sseKms, bytes: Buffer.concat([v2, Buffer.from([0])]) },
    { name: 'v1 seal made with a 64-byte data key as HKDF input (never written): a 64-byte data key opens version 2 only', secret: KMS_SPLIT_DATA_KEY, binding: sseKms, bytes: sealObjectKey(KMS_SPLIT_DATA_KEY, OBJECT_KEY, sseKms, seededRandom('sealed key v1 under a 64-byte data key').random).sealed },
    { name: 'v1 sealed key (a 32-byte data key) opened with a 64-byte data key that begins with it', secret: Buffer.concat([KMS_DATA_KEY, Buffer.alloc(32)]), binding: sseKms, bytes: sealedOf.get('sse-kms')! },
    { name: 'v3: wrong customer key', secret: Buffer.alloc(32, 7), binding: sseC, bytes: v3 },
    { name: 'v3: customer key with its last bit flipped', secret: flip(CUSTOMER_KEY, 31), binding: sseC, bytes: v3 },
    { name: 'v3: another bucket', secret: CUSTOMER_KEY, binding: { ...sseC, bucket: 'photos2' }, bytes: v3 },
    { name: 'v3: another object name', secret: CUSTOMER_KEY, binding: { ...sseC, key: 'albums/2026/dog.jpg' }, bytes: v3 },
    { name: 'v3: another version', secret: CUSTOMER_KEY, binding: { ...sseC, versionId: 'v-0002' }, bytes: v3 },
    { name: 'v3: bytes shifted between bucket and object name', secret: CUSTOMER_KEY, binding: { ...sseC, bucket: 'photosa', key: 'lbums/2026/cat.jpg' }, bytes: v3 },
    { name: 'v3: long object name differing in its last byte', secret: CUSTOMER_KEY, binding: { ...longName, key: 'é'.repeat(511) + 'e' }, bytes: sealedOf.get('sse-c, XAES-256-GCM, 1,024-byte object name')! },
    { name: 'v3: mode label sse-c relabelled sse-s3 (version 3 opens for sse-c only)', secret: CUSTOMER_KEY, binding: sseS3, bytes: v3 },
    { name: 'v3: mode label sse-c relabelled sse-kms', secret: CUSTOMER_KEY, binding: sseKms, bytes: v3 },
    { name: 'v3: version byte set to 1', secret: CUSTOMER_KEY, binding: sseC, bytes: Buffer.concat([Buffer.from([1]), v3.subarray(1)]) },
    { name: 'v3: version byte set to 2', secret: CUSTOMER_KEY, binding: sseC, bytes: Buffer.concat([Buffer.from([2]), v3.subarray(1)]) },
    { name: 'v3: algorithm byte set to 1', secret: CUSTOMER_KEY, binding: sseC, bytes: Buffer.concat([v3.subarray(0, 1), Buffer.from([1]), v3.subarray(2)]) },
    { name: "v3: nonce byte flipped in the half that derives the GCM key", secret: CUSTOMER_KEY, binding: sseC, bytes: flip(v3, 5) },
    { name: "v3: nonce byte flipped in the half that is GCM's nonce", secret: CUSTOMER_KEY, binding: sseC, bytes: flip(v3, 20) },
    { name: 'v3: sealed object key byte flipped', secret: CUSTOMER_KEY, binding: sseC, bytes: flip(v3, 30) },
    { name: 'v3: sealed metadata key byte flipped', secret: CUSTOMER_KEY, binding: sseC, bytes: flip(v3, 70) },
    { name: 'v3: tag byte flipped', secret: CUSTOMER_KEY, binding: sseC, bytes: flip(v3, 105) },
    { name: 'v3: cut to 105 bytes', secret: CUSTOMER_KEY, binding: sseC, bytes: v3.subarray(0, 105) },
    { name: 'v3: extended to 107 bytes', secret: CUSTOMER_KEY, binding: sseC, bytes: Buffer.concat([v3, Buffer.from([0])]) },
    { name: 'v3: the sealed object key and metadata key swapped', secret: CUSTOMER_KEY, binding: sseC, bytes: Buffer.concat([v3.subarray(0, 26), v3.subarray(58, 90), v3.subarray(26, 58), v3.subarray(90)]) },
    { name: 'v3: opened with the customer key as a 64-byte secret padded with zeros', secret: Buffer.concat([CUSTOMER_KEY, Buffer.alloc(32)]), binding: sseC, bytes: v3 },
  ];

  const metadataPlain = '{"contentType":"image/jpeg","user":{"camera":"x100"}}';
  const meta = seededRandom('metadata');
  const metadataSealed = sealMetadataFormatOne(OBJECT_KEY, Buffer.from(metadataPlain), meta.random);
  const metaV2 = seededRandom('metadata v2');
  const metadataSealedV2 = sealMetadata(metadataKeyOf.get('sse-c')!, Buffer.from(metadataPlain), metaV2.random);
  const wrapRandom = seededRandom('wrap');
  const wrapped = wrapSecret(CUSTOMER_KEY, 'obscura kms data key v1', OBJECT_KEY, Buffer.from('context'), wrapRandom.random);

  return {
    about:
      'Golden and must-fail vectors for sealed object keys versions 1, 2 and 3, part keys, sealed metadata (formats 1 and 2) and wrapped secrets (docs/KEYS.md), ' +
      'written once by generate.ts. randomHex lists the random draws in order (sealed key: salt, then nonce).',
    objectKeyHex: hex(OBJECT_KEY),
    sealed,
    sealedV2: {
      about: 'Sealed object keys version 2 (SSE-KMS): the 64-byte data key\'s first half is the KEK, its second half the metadata key; no HKDF. randomHex: the nonce.',
      vectors: sealedV2,
    },
    sealedV3: {
      about: 'Sealed object keys version 3 (SSE-C): XAES-256-GCM (c2sp.org/XAES-256-GCM) under the customer key, sealing the object key then a fresh metadata key; no HKDF. randomHex: the 24-byte nonce, then the metadata key.',
      vectors: sealedV3,
    },
    mustFail: mustFail.map((m) => ({ name: m.name, wrappingSecretHex: hex(m.secret), binding: m.binding, sealedHex: hex(m.bytes) })),
    partKeys: [1, 2, 10000].map((n) => ({ partNumber: n, keyHex: hex(derivePartKey(OBJECT_KEY, n)) })),
    sealedMetadata: { plaintext: metadataPlain, randomHex: meta.draws, sealedHex: hex(metadataSealed) },
    sealedMetadataV2: {
      about: "Format 2: under the metadata key of the sealed key named by sealedKey (the second 32 bytes of its KEK's HKDF); otherSealedKey seals the same object key, and its metadata key must not open this",
      sealedKey: 'sse-c',
      otherSealedKey: 'sse-s3',
      metadataKeyHex: hex(metadataKeyOf.get('sse-c')!),
      plaintext: metadataPlain,
      randomHex: metaV2.draws,
      sealedHex: hex(metadataSealedV2),
    },
    wrappedSecret: { secretHex: hex(CUSTOMER_KEY), label: 'obscura kms data key v1', plaintextHex: hex(OBJECT_KEY), aadHex: hex(Buffer.from('context')), randomHex: wrapRandom.draws, wrappedHex: hex(wrapped) },
    customerKeyMd5: { customerKeyHex: hex(CUSTOMER_KEY), md5Base64: customerKeyMd5(CUSTOMER_KEY) },
  };
}

const dir = join(root, 'tests', 'vectors', 'crypto');
const files: Array<[string, () => Promise<object> | object]> = [
  ['envelope.json', envelopeVectors],
  ['keys.json', keyVectors],
];
for (const [name, make] of files) {
  const path = join(dir, name);
  if (existsSync(path) && !process.argv.includes('--force')) {
    console.log(`${path} exists; kept (vectors are written once; --force to overwrite)`);
    continue;
  }
  writeFileSync(path, JSON.stringify(await make(), null, 2) + '\n');
  console.log(`wrote ${path}`);
}
