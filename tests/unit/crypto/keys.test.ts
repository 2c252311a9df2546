/**
 * Sealed object keys, part keys, sealed metadata and wrapped secrets (docs/KEYS.md) against the
 * stored vectors in tests/vectors/crypto/keys.json: golden values, one sealed key re-derived from
 * the document with node:crypto alone, and must-fail cases that all end in the same UnsealError.
 */
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto, { createCipheriv, createHash, hkdfSync } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  customerKeyMd5,
  derivePartKey,
  kekInfo,
  SEALED_KEY_BYTES,
  SEALED_KEY_V2_BYTES,
  SEALED_KEY_V3_BYTES,
  secretKeyObject,
  sealMetadata,
  sealObjectKey,
  sealObjectKeyUnderCustomerKey,
  sealObjectKeyUnderDataKey,
  unsealMetadata,
  unsealObjectKey,
  UnsealError,
  type KeyBinding,
} from '../../../src/crypto/keys.js';
import { unwrapSecret, wrapSecret } from '../../../src/crypto/wrap.js';
import { replay } from '../../helpers/replay-random.js';
import { repoRoot as root } from '../../helpers/server.js';


interface SealedVector {
  name: string;
  wrappingSecretHex: string;
  binding: KeyBinding;
  randomHex: string[];
  kekInfoHex: string;
  sealedHex: string;
}

interface SplitSealedVector {
  name: string;
  dataKeyHex: string;
  binding: KeyBinding;
  randomHex: string[];
  metadataKeyHex: string;
  sealedHex: string;
}

interface CustomerSealedVector {
  name: string;
  customerKeyHex: string;
  binding: KeyBinding;
  randomHex: string[];
  metadataKeyHex: string;
  sealedHex: string;
}

const vectors = JSON.parse(readFileSync(join(root, 'tests', 'vectors', 'crypto', 'keys.json'), 'utf8')) as {
  objectKeyHex: string;
  sealed: SealedVector[];
  sealedV2: { vectors: SplitSealedVector[] };
  sealedV3: { vectors: CustomerSealedVector[] };
  mustFail: Array<{ name: string; wrappingSecretHex: string; binding: KeyBinding; sealedHex: string }>;
  partKeys: Array<{ partNumber: number; keyHex: string }>;
  sealedMetadata: { plaintext: string; randomHex: string[]; sealedHex: string };
  sealedMetadataV2: { sealedKey: string; otherSealedKey: string; metadataKeyHex: string; plaintext: string; randomHex: string[]; sealedHex: string };
  wrappedSecret: { secretHex: string; label: string; plaintextHex: string; aadHex: string; randomHex: string[]; wrappedHex: string };
  customerKeyMd5: { customerKeyHex: string; md5Base64: string };
};
const objectKey = Buffer.from(vectors.objectKeyHex, 'hex');
const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');


for (const v of vectors.sealed) {
  test(`golden sealed key "${v.name}": reproduced byte for byte from the fixed inputs, and it opens`, () => {
    const secret = fromHex(v.wrappingSecretHex);
    assert.equal(kekInfo(v.binding).toString('hex'), v.kekInfoHex);
    const made = sealObjectKey(secret, objectKey, v.binding, replay(v.randomHex));
    assert.equal(made.sealed.toString('hex'), v.sealedHex);
    assert.equal(v.sealedHex.length / 2, SEALED_KEY_BYTES);
    const opened = unsealObjectKey(secret, fromHex(v.sealedHex), v.binding);
    assert.ok(opened.objectKey.equals(objectKey));
    // Sealing and opening give the same metadata key, one of its own for every seal.
    assert.ok(opened.metadataKey.equals(made.metadataKey));
    assert.ok(!opened.metadataKey.equals(objectKey));
    // The same secret as a KeyObject made once (the service master key's form) seals and opens the same.
    assert.equal(sealObjectKey(secretKeyObject(secret), objectKey, v.binding, replay(v.randomHex)).sealed.toString('hex'), v.sealedHex);
    assert.ok(unsealObjectKey(secretKeyObject(secret), fromHex(v.sealedHex), v.binding).objectKey.equals(objectKey));
  });
}

/** Length-prefixed fields as docs/KEYS.md states them: u32 big-endian length, then UTF-8. */
function fields(values: string[]): Buffer {
  return Buffer.concat(values.flatMap((s) => {
    const bytes = Buffer.from(s, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  }));
}

test('golden sealed keys re-derived from docs/KEYS.md with node:crypto alone', () => {
  for (const v of vectors.sealed) {
    const [salt, nonce] = v.randomHex.map(fromHex) as [Buffer, Buffer];
    const identity = fields([v.binding.bucket, v.binding.key, v.binding.versionId]);
    const info = fields(['obscura sealed object key v1', v.binding.mode, createHash('sha256').update(identity).digest('hex')]);
    assert.equal(info.toString('hex'), v.kekInfoHex, v.name);
    const kek = Buffer.from(hkdfSync('sha256', fromHex(v.wrappingSecretHex), salt, info, 32));
    const head = Buffer.concat([Buffer.from([1, 1]), salt, nonce]);
    const cipher = createCipheriv('aes-256-gcm', kek, nonce);
    cipher.setAAD(Buffer.concat([head, fields([v.binding.mode]), identity]));
    const sealed = Buffer.concat([head, cipher.update(objectKey), cipher.final(), cipher.getAuthTag()]);
    assert.equal(sealed.toString('hex'), v.sealedHex, v.name);
  }
});

for (const v of vectors.sealedV2.vectors) {
  test(`golden sealed key version 2 "${v.name}": reproduced byte for byte, opens with its 64-byte data key, and hands on the second half as the metadata key`, () => {
    const dataKey = fromHex(v.dataKeyHex);
    const made = sealObjectKeyUnderDataKey(dataKey, objectKey, v.binding, replay(v.randomHex));
    assert.equal(made.sealed.toString('hex'), v.sealedHex);
    assert.equal(v.sealedHex.length / 2, SEALED_KEY_V2_BYTES);
    assert.equal(made.metadataKey.toString('hex'), v.metadataKeyHex);
    assert.ok(made.metadataKey.equals(dataKey.subarray(32)));
    assert.equal(dataKey.toString('hex'), v.dataKeyHex, "the caller's data key is left for the caller to wipe");
    const opened = unsealObjectKey(dataKey, fromHex(v.sealedHex), v.binding);
    assert.ok(opened.objectKey.equals(objectKey));
    assert.ok(opened.metadataKey.equals(made.metadataKey));
    assert.equal(dataKey.toString('hex'), v.dataKeyHex, 'opening leaves the data key to its caller too');
    // The seal checks the KEK half only; a data key whose other half differs gives a metadata key that opens nothing.
    const metadata = sealMetadata(made.metadataKey, Buffer.from('{}'));
    assert.equal(unsealMetadata(opened, metadata).toString(), '{}');
    const otherHalf = unsealObjectKey(Buffer.concat([dataKey.subarray(0, 32), Buffer.alloc(32, 1)]), fromHex(v.sealedHex), v.binding);
    assert.ok(otherHalf.objectKey.equals(objectKey));
    assert.throws(() => unsealMetadata(otherHalf, metadata), UnsealError);
    // Format 1 metadata (under the object key alone) was never written beside a version 2 seal: put there, it does not open.
    assert.throws(() => unsealMetadata(opened, fromHex(vectors.sealedMetadata.sealedHex)), UnsealError);
    assert.equal(unsealMetadata({ objectKey, metadataKey: opened.metadataKey }, fromHex(vectors.sealedMetadata.sealedHex)).toString(), vectors.sealedMetadata.plaintext, 'it would under a version 1 seal');
  });
}

test('golden sealed keys version 2 re-derived from docs/KEYS.md with node:crypto alone: the data key\'s first half is the KEK', () => {
  for (const v of vectors.sealedV2.vectors) {
    const [nonce] = v.randomHex.map(fromHex) as [Buffer];
    const dataKey = fromHex(v.dataKeyHex);
    const head = Buffer.concat([Buffer.from([2, 2]), nonce]);
    const cipher = createCipheriv('aes-256-gcm', dataKey.subarray(0, 32), nonce);
    cipher.setAAD(Buffer.concat([head, fields([v.binding.mode]), fields([v.binding.bucket, v.binding.key, v.binding.versionId])]));
    const sealed = Buffer.concat([head, cipher.update(objectKey), cipher.final(), cipher.getAuthTag()]);
    assert.equal(sealed.toString('hex'), v.sealedHex, v.name);
    assert.equal(v.metadataKeyHex, dataKey.subarray(32).toString('hex'), v.name);
  }
});

test('a version 2 seal takes a 64-byte data key and the sse-kms mode only', () => {
  const binding: KeyBinding = { mode: 'sse-kms', bucket: 'b', key: 'k', versionId: 'v' };
  for (const bytes of [32, 63, 65]) assert.throws(() => sealObjectKeyUnderDataKey(Buffer.alloc(bytes, 1), objectKey, binding), RangeError, `${bytes} bytes`);
  for (const mode of ['sse-c', 'sse-s3', 'none'] as const) assert.throws(() => sealObjectKeyUnderDataKey(Buffer.alloc(64, 1), objectKey, { ...binding, mode }), RangeError, mode);
  assert.throws(() => sealObjectKeyUnderDataKey(Buffer.alloc(64, 1), Buffer.alloc(16), binding), RangeError);
});

for (const v of vectors.sealedV3.vectors) {
  test(`golden sealed key version 3 "${v.name}": reproduced byte for byte, opens with the customer key, and hands on the fresh metadata key sealed in it`, () => {
    const customerKey = fromHex(v.customerKeyHex);
    const made = sealObjectKeyUnderCustomerKey(customerKey, objectKey, v.binding, replay(v.randomHex));
    assert.equal(made.sealed.toString('hex'), v.sealedHex);
    assert.equal(v.sealedHex.length / 2, SEALED_KEY_V3_BYTES);
    assert.equal(SEALED_KEY_V3_BYTES, 106);
    assert.equal(made.metadataKey.toString('hex'), v.metadataKeyHex);
    assert.equal(v.metadataKeyHex, v.randomHex[1], 'the metadata key is the second random draw, drawn for this seal');
    const opened = unsealObjectKey(customerKey, fromHex(v.sealedHex), v.binding);
    assert.ok(opened.objectKey.equals(objectKey));
    assert.ok(opened.metadataKey.equals(made.metadataKey));
    assert.equal(customerKey.toString('hex'), v.customerKeyHex, 'sealing and opening leave the customer key to its caller');
    const metadata = sealMetadata(made.metadataKey, Buffer.from('{}'));
    assert.equal(unsealMetadata(opened, metadata).toString(), '{}');
    // Format 1 metadata was never written beside a version 3 seal: put there, it does not open.
    assert.throws(() => unsealMetadata(opened, fromHex(vectors.sealedMetadata.sealedHex)), UnsealError);
    // The same customer key still opens the version 1 seals written before version 3.
    const v1 = vectors.sealed.find((s) => s.name === 'sse-c')!;
    assert.equal(v1.wrappingSecretHex, v.customerKeyHex);
    assert.ok(unsealObjectKey(customerKey, fromHex(v1.sealedHex), v1.binding).objectKey.equals(objectKey));
  });
}

/** AES-256 of one block by CBC with `iv` (a single-block CBC encryption is AES(K, block ⊕ iv)). */
function aesBlock(key: Buffer, block: Buffer, iv: Buffer = Buffer.alloc(16)): Buffer {
  return createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false).update(block);
}

test('golden sealed keys version 3 re-derived from docs/KEYS.md and c2sp.org/XAES-256-GCM with node:crypto alone (CMAC as one-block CBC)', () => {
  for (const v of vectors.sealedV3.vectors) {
    const [nonce, metadataKey] = v.randomHex.map(fromHex) as [Buffer, Buffer];
    const customerKey = fromHex(v.customerKeyHex);
    // K1 = L·x in GF(2^128), L = AES(K, 0): as a 128-bit integer, doubled and reduced by 0x87.
    const l = BigInt('0x' + aesBlock(customerKey, Buffer.alloc(16)).toString('hex'));
    const doubled = (l << 1n) & ((1n << 128n) - 1n);
    const k1 = Buffer.from((l >> 127n ? doubled ^ 0x87n : doubled).toString(16).padStart(32, '0'), 'hex');
    const m = (counter: number): Buffer => Buffer.concat([Buffer.from([0, counter, 0x58, 0]), nonce.subarray(0, 12)]);
    const kx = Buffer.concat([aesBlock(customerKey, m(1), k1), aesBlock(customerKey, m(2), k1)]);
    const head = Buffer.concat([Buffer.from([3, 3]), nonce]);
    const cipher = createCipheriv('aes-256-gcm', kx, nonce.subarray(12));
    cipher.setAAD(Buffer.concat([head, fields([v.binding.mode]), fields([v.binding.bucket, v.binding.key, v.binding.versionId])]));
    const sealed = Buffer.concat([head, cipher.update(Buffer.concat([objectKey, metadataKey])), cipher.final(), cipher.getAuthTag()]);
    assert.equal(sealed.toString('hex'), v.sealedHex, v.name);
  }
});

test('a version 3 seal takes a 32-byte customer key, a 32-byte object key and the sse-c mode only', () => {
  const binding: KeyBinding = { mode: 'sse-c', bucket: 'b', key: 'k', versionId: 'v' };
  for (const bytes of [0, 16, 31, 33, 64]) assert.throws(() => sealObjectKeyUnderCustomerKey(Buffer.alloc(bytes, 1), objectKey, binding), RangeError, `${bytes} bytes`);
  for (const mode of ['sse-kms', 'sse-s3', 'none'] as const) assert.throws(() => sealObjectKeyUnderCustomerKey(Buffer.alloc(32, 1), objectKey, { ...binding, mode }), RangeError, mode);
  assert.throws(() => sealObjectKeyUnderCustomerKey(Buffer.alloc(32, 1), Buffer.alloc(16), binding), RangeError);
});

test('version 3 seals of one object key under one customer key differ every time, and each hands on its own metadata key', () => {
  const customerKey = Buffer.alloc(32, 3);
  const binding: KeyBinding = { mode: 'sse-c', bucket: 'b', key: 'k', versionId: 'v' };
  const seals = Array.from({ length: 20 }, () => sealObjectKeyUnderCustomerKey(customerKey, objectKey, binding));
  assert.equal(new Set(seals.map((s) => s.sealed.toString('hex'))).size, 20);
  assert.equal(new Set(seals.map((s) => s.metadataKey.toString('hex'))).size, 20);
  for (const s of seals) assert.ok(unsealObjectKey(customerKey, s.sealed, binding).metadataKey.equals(s.metadataKey));
});

/**
 * Counts the node:crypto calls `fn` makes that tell the versions apart: XAES's AES-256 block
 * derivation (version 3), HKDF (version 1) and GCM deciphers (every version). The named imports of
 * src/crypto see the counting functions through syncBuiltinESMExports.
 */
function cryptoCalls(fn: () => void): { xaes: number; hkdf: number; gcm: number } {
  const calls = { xaes: 0, hkdf: 0, gcm: 0 };
  const { createCipheriv: cipher, createDecipheriv: decipher, hkdfSync: hkdf } = crypto;
  mock.method(crypto, 'createCipheriv', (...args: Parameters<typeof cipher>) => {
    if (args[0] === 'aes-256-ecb') calls.xaes++;
    return cipher(...args);
  });
  mock.method(crypto, 'createDecipheriv', (...args: Parameters<typeof decipher>) => {
    if (args[0] === 'aes-256-gcm') calls.gcm++;
    return decipher(...args);
  });
  mock.method(crypto, 'hkdfSync', (...args: Parameters<typeof hkdf>) => {
    calls.hkdf++;
    return hkdf(...args);
  });
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    mock.restoreAll();
    syncBuiltinESMExports();
  }
  return calls;
}

test('which version a sealed value opens as: for sse-c the first byte (1: version 1, anything else version 3, malformed ones through XAES and GCM on zeros); version 3 never for another mode', () => {
  const v3 = vectors.sealedV3.vectors[0]!;
  const v1 = vectors.sealed.find((v) => v.name === 'sse-c')!;
  const split = vectors.sealedV2.vectors[0]!;
  const customerKey = fromHex(v3.customerKeyHex);
  const sealed = fromHex(v3.sealedHex);
  const fails = (secret: Buffer, bytes: Buffer, binding: KeyBinding) => cryptoCalls(() => assert.throws(() => unsealObjectKey(secret, bytes, binding), UnsealError));
  const opens = cryptoCalls(() => assert.ok(unsealObjectKey(customerKey, sealed, v3.binding).objectKey.equals(objectKey)));
  assert.deepEqual(opens, { xaes: 1, hkdf: 0, gcm: 1 }, 'a version 3 seal');
  const asVersion3 = { xaes: 1, hkdf: 0, gcm: 1 };
  assert.deepEqual(fails(Buffer.alloc(32, 7), sealed, v3.binding), asVersion3, 'a wrong customer key');
  for (const [name, bytes] of [
    ['empty', Buffer.alloc(0)],
    ['cut to 105 bytes', sealed.subarray(0, 105)],
    ['extended to 107 bytes', Buffer.concat([sealed, Buffer.alloc(1)])],
    ['first byte 0', Buffer.concat([Buffer.from([0]), sealed.subarray(1)])],
    ['first byte 0x81', Buffer.concat([Buffer.from([0x81]), sealed.subarray(1)])],
    ['algorithm byte 1', Buffer.concat([sealed.subarray(0, 1), Buffer.from([1]), sealed.subarray(2)])],
    ['a version 2 value', fromHex(split.sealedHex)],
  ] as const) {
    assert.deepEqual(fails(customerKey, bytes, v3.binding), asVersion3, `sse-c, ${name}: the same calls as a wrong key`);
  }
  assert.deepEqual(cryptoCalls(() => assert.ok(unsealObjectKey(customerKey, fromHex(v1.sealedHex), v1.binding).objectKey.equals(objectKey))), { xaes: 0, hkdf: 1, gcm: 1 }, 'a version 1 seal, sse-c');
  assert.deepEqual(fails(customerKey, Buffer.concat([Buffer.from([1]), sealed.subarray(1)]), v3.binding), { xaes: 0, hkdf: 1, gcm: 1 }, 'first byte 1: version 1, malformed');
  for (const mode of ['sse-s3', 'none', 'sse-kms'] as const) {
    assert.deepEqual(fails(customerKey, sealed, { ...v3.binding, mode }), { xaes: 0, hkdf: 1, gcm: 1 }, `a version 3 value under ${mode}: version 1, malformed`);
  }
  assert.deepEqual(fails(fromHex(split.dataKeyHex), sealed, { ...v3.binding, mode: 'sse-kms' }), { xaes: 0, hkdf: 0, gcm: 1 }, 'a version 3 value under a 64-byte data key: version 2, malformed');
});

test('HKDF info stays under 1,024 bytes for a 1,024-byte object name; the AAD still binds the full name', () => {
  const long = vectors.sealed.find((v) => v.name.includes('1,024-byte'))!;
  assert.equal(Buffer.byteLength(long.binding.key, 'utf8'), 1024);
  assert.ok(fromHex(long.kekInfoHex).length < 1024);
});

for (const v of vectors.mustFail) {
  test(`must fail to unseal: ${v.name}`, () => {
    assert.throws(() => unsealObjectKey(fromHex(v.wrappingSecretHex), fromHex(v.sealedHex), v.binding), (e: unknown) => e instanceof UnsealError && e.message === 'sealed value does not open');
  });
}

test('golden part keys: one per part number, none equal to the object key', () => {
  for (const { partNumber, keyHex } of vectors.partKeys) assert.equal(derivePartKey(objectKey, partNumber).toString('hex'), keyHex);
  const all = [vectors.objectKeyHex, ...vectors.partKeys.map((p) => p.keyHex)];
  assert.equal(new Set(all).size, all.length);
  for (const n of [0, -1, 1.5]) assert.throws(() => derivePartKey(objectKey, n), RangeError);
});

/** The keys a format 1 reader has: the object key; its metadata key plays no part in format 1. */
const formatOneKeys = (key: Buffer): { objectKey: Buffer; metadataKey: Buffer } => ({ objectKey: key, metadataKey: Buffer.alloc(32, 9) });

test('golden sealed metadata, format 1 (written before format 2): still opens; another object key or a flipped byte does not', () => {
  const m = vectors.sealedMetadata;
  const sealed = fromHex(m.sealedHex);
  assert.equal(sealed[0], 1);
  assert.equal(unsealMetadata(formatOneKeys(objectKey), sealed).toString(), m.plaintext);
  assert.throws(() => unsealMetadata(formatOneKeys(Buffer.alloc(32, 1)), sealed), UnsealError);
  for (const at of [0, 5, 20, sealed.length - 1]) {
    const damaged = Buffer.from(sealed);
    damaged[at] = damaged[at]! ^ 1;
    assert.throws(() => unsealMetadata(formatOneKeys(objectKey), damaged), UnsealError, `byte ${at}`);
  }
  assert.throws(() => unsealMetadata(formatOneKeys(objectKey), sealed.subarray(0, 28)), UnsealError);
});

test("golden sealed metadata, format 2: under its seal's metadata key, which another seal of the same object key does not have", () => {
  const m = vectors.sealedMetadataV2;
  const own = vectors.sealed.find((v) => v.name === m.sealedKey)!;
  const other = vectors.sealed.find((v) => v.name === m.otherSealedKey)!;
  const keys = unsealObjectKey(fromHex(own.wrappingSecretHex), fromHex(own.sealedHex), own.binding);
  assert.equal(keys.metadataKey.toString('hex'), m.metadataKeyHex);
  assert.equal(sealMetadata(keys.metadataKey, Buffer.from(m.plaintext), replay(m.randomHex)).toString('hex'), m.sealedHex);
  const sealed = fromHex(m.sealedHex);
  assert.equal(sealed[0], 2);
  assert.equal(unsealMetadata(keys, sealed).toString(), m.plaintext);
  // A copy keeps the object key and seals it again: the source's sealed metadata does not open under the copy's seal.
  const copy = unsealObjectKey(fromHex(other.wrappingSecretHex), fromHex(other.sealedHex), other.binding);
  assert.ok(copy.objectKey.equals(keys.objectKey));
  assert.throws(() => unsealMetadata(copy, sealed), UnsealError);
  for (const at of [0, 5, 20, sealed.length - 1]) {
    const damaged = Buffer.from(sealed);
    damaged[at] = damaged[at]! ^ 1;
    assert.throws(() => unsealMetadata(keys, damaged), UnsealError, `byte ${at}`);
  }
  for (const version of [0, 3]) assert.throws(() => unsealMetadata(keys, Buffer.concat([Buffer.from([version]), sealed.subarray(1)])), UnsealError, `version ${version}`);
  assert.throws(() => unsealMetadata(keys, sealed.subarray(0, 28)), UnsealError);
});

test('format 2 metadata keys re-derived from docs/KEYS.md with node:crypto alone: the second 32 bytes of the KEK\'s HKDF', () => {
  for (const v of vectors.sealed) {
    const [salt] = v.randomHex.map(fromHex) as [Buffer];
    const both = Buffer.from(hkdfSync('sha256', fromHex(v.wrappingSecretHex), salt, fromHex(v.kekInfoHex), 64));
    const kek = Buffer.from(hkdfSync('sha256', fromHex(v.wrappingSecretHex), salt, fromHex(v.kekInfoHex), 32));
    assert.ok(both.subarray(0, 32).equals(kek), v.name);
    assert.ok(unsealObjectKey(fromHex(v.wrappingSecretHex), fromHex(v.sealedHex), v.binding).metadataKey.equals(both.subarray(32)), v.name);
  }
});

test('golden wrapped secret (KMS data keys, the keystore), bound to its label and associated data', () => {
  const w = vectors.wrappedSecret;
  const secret = fromHex(w.secretHex);
  const aad = fromHex(w.aadHex);
  assert.equal(wrapSecret(secret, w.label, fromHex(w.plaintextHex), aad, replay(w.randomHex)).toString('hex'), w.wrappedHex);
  const wrapped = fromHex(w.wrappedHex);
  assert.equal(unwrapSecret(secret, w.label, wrapped, aad).toString('hex'), w.plaintextHex);
  assert.throws(() => unwrapSecret(secret, 'obscura kms keystore v1', wrapped, aad), UnsealError);
  assert.throws(() => unwrapSecret(secret, w.label, wrapped, Buffer.from('other context')), UnsealError);
  assert.throws(() => unwrapSecret(Buffer.alloc(32), w.label, wrapped, aad), UnsealError);
});

test('golden customer key MD5 (the only trace of a customer key that is stored)', () => {
  const c = vectors.customerKeyMd5;
  assert.equal(customerKeyMd5(fromHex(c.customerKeyHex)), c.md5Base64);
});
