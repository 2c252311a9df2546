/**
 * Sealed object keys, part keys, sealed metadata and wrapped secrets (docs/KEYS.md): golden vectors
 * and must-fail vectors (wrong secret, wrong mode label, moved to another bucket, object or version,
 * damaged bytes), all refused the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { derivePartKey, sealMetadata, sealObjectKey, unsealMetadata, unsealObjectKey, UnsealError, type KeyBinding } from '../../../src/crypto/keys.js';
import { unwrapSecret, wrapSecret } from '../../../src/crypto/wrap.js';
import { repoRoot } from '../../helpers/server.js';
import { BINDING, deterministicRandom, OBJECT_KEY, WRAPPING_SECRET } from '../../vectors/crypto/generate.js';

const vectors = JSON.parse(readFileSync(join(repoRoot, 'tests', 'vectors', 'crypto', 'vectors.json'), 'utf8')) as {
  sealedKey: { sealedHex: string; seed: string; binding: KeyBinding };
  partKeys: Array<{ partNumber: number; keyHex: string }>;
  sealedMetadata: { plaintext: string; seed: string; sealedHex: string };
  wrappedSecret: { label: string; aadHex: string; seed: string; wrappedHex: string };
};
const sealed = Buffer.from(vectors.sealedKey.sealedHex, 'hex');

test('golden sealed key: 94 bytes, reproduced from the fixed inputs, and it opens', () => {
  assert.deepEqual(vectors.sealedKey.binding, BINDING);
  assert.equal(sealed.length, 94);
  assert.deepEqual([sealed[0], sealed[1]], [1, 1]);
  assert.equal(sealObjectKey(WRAPPING_SECRET, OBJECT_KEY, BINDING, deterministicRandom(vectors.sealedKey.seed)).toString('hex'), vectors.sealedKey.sealedHex);
  assert.deepEqual(unsealObjectKey(WRAPPING_SECRET, sealed, BINDING), OBJECT_KEY);
});

const moved: Array<[string, Buffer, KeyBinding]> = [
  ['another wrapping secret', Buffer.alloc(32, 7), BINDING],
  ['another mode label (sse-c relabelled sse-s3)', WRAPPING_SECRET, { ...BINDING, mode: 'sse-s3' }],
  ['another mode label (none)', WRAPPING_SECRET, { ...BINDING, mode: 'none' }],
  ['another bucket', WRAPPING_SECRET, { ...BINDING, bucket: 'photos2' }],
  ['another object name', WRAPPING_SECRET, { ...BINDING, key: 'albums/2026/dog.jpg' }],
  ['another version', WRAPPING_SECRET, { ...BINDING, versionId: 'v-0002' }],
  ['fields shifted between bucket and name', WRAPPING_SECRET, { ...BINDING, bucket: 'photosa', key: 'lbums/2026/cat.jpg' }],
];
for (const [what, secret, binding] of moved) {
  test(`must fail: the sealed key with ${what}`, () => {
    assert.throws(() => unsealObjectKey(secret, sealed, binding), UnsealError);
  });
}

for (const at of [0, 1, 2, 40, 50, 80, 93]) {
  test(`must fail: the sealed key with byte ${at} flipped`, () => {
    const damaged = Buffer.from(sealed);
    damaged[at] = damaged[at]! ^ 0x80;
    assert.throws(() => unsealObjectKey(WRAPPING_SECRET, damaged, BINDING), UnsealError);
  });
}

test('must fail: a sealed key cut short or extended', () => {
  assert.throws(() => unsealObjectKey(WRAPPING_SECRET, sealed.subarray(0, 93), BINDING), UnsealError);
  assert.throws(() => unsealObjectKey(WRAPPING_SECRET, Buffer.concat([sealed, Buffer.from([0])]), BINDING), UnsealError);
});

test('object names up to 1,024 bytes bind in full (HKDF info carries their hash, the AAD the name)', () => {
  const long: KeyBinding = { ...BINDING, key: 'é'.repeat(512) };
  const s = sealObjectKey(WRAPPING_SECRET, OBJECT_KEY, long);
  assert.deepEqual(unsealObjectKey(WRAPPING_SECRET, s, long), OBJECT_KEY);
  assert.throws(() => unsealObjectKey(WRAPPING_SECRET, s, { ...long, key: 'é'.repeat(511) + 'e' }), UnsealError);
});

test('golden part keys: distinct per part, fixed by the object key', () => {
  for (const { partNumber, keyHex } of vectors.partKeys) assert.equal(derivePartKey(OBJECT_KEY, partNumber).toString('hex'), keyHex);
  assert.equal(new Set(vectors.partKeys.map((p) => p.keyHex)).size, vectors.partKeys.length);
  assert.ok(!vectors.partKeys.some((p) => p.keyHex === OBJECT_KEY.toString('hex')));
  assert.throws(() => derivePartKey(OBJECT_KEY, 0), RangeError);
});

test('golden sealed metadata, and it refuses another object key or a flipped byte', () => {
  const m = vectors.sealedMetadata;
  assert.equal(sealMetadata(OBJECT_KEY, Buffer.from(m.plaintext), deterministicRandom(m.seed)).toString('hex'), m.sealedHex);
  const bytes = Buffer.from(m.sealedHex, 'hex');
  assert.equal(unsealMetadata(OBJECT_KEY, bytes).toString(), m.plaintext);
  assert.throws(() => unsealMetadata(Buffer.alloc(32, 1), bytes), UnsealError);
  const damaged = Buffer.from(bytes);
  damaged[20] = damaged[20]! ^ 1;
  assert.throws(() => unsealMetadata(OBJECT_KEY, damaged), UnsealError);
});

test('golden wrapped secret (KMS data keys, the keystore), bound to its label and associated data', () => {
  const w = vectors.wrappedSecret;
  const aad = Buffer.from(w.aadHex, 'hex');
  assert.equal(wrapSecret(WRAPPING_SECRET, w.label, OBJECT_KEY, aad, deterministicRandom(w.seed)).toString('hex'), w.wrappedHex);
  const wrapped = Buffer.from(w.wrappedHex, 'hex');
  assert.deepEqual(unwrapSecret(WRAPPING_SECRET, w.label, wrapped, aad), OBJECT_KEY);
  assert.throws(() => unwrapSecret(WRAPPING_SECRET, 'obscura kms keystore v1', wrapped, aad), UnsealError);
  assert.throws(() => unwrapSecret(WRAPPING_SECRET, w.label, wrapped, Buffer.from('other context')), UnsealError);
});
