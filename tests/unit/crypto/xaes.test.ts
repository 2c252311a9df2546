/**
 * XAES-256-GCM (src/crypto/xaes.ts) against its specification's vectors
 * (tests/vectors/crypto/xaes.json, from c2sp.org/XAES-256-GCM): the derived key, the ciphertext,
 * the 10,000-iteration accumulated test, and must-fail cases that release no plaintext.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveXaesKey, XAES_NONCE_BYTES, xaesDecrypt, xaesEncrypt } from '../../../src/crypto/xaes.js';
import type { GcmSealed } from '../../../src/crypto/gcm.js';
import { repoRoot as root } from '../../helpers/server.js';

interface XaesVector {
  name: string;
  keyHex: string;
  nonce: string;
  lHex: string;
  k1Hex: string;
  m1Hex: string;
  m2Hex: string;
  derivedKeyHex: string;
  derivedNonceHex: string;
  plaintext: string;
  aad: string;
  ciphertextHex: string;
}

const spec = JSON.parse(readFileSync(join(root, 'tests', 'vectors', 'crypto', 'xaes.json'), 'utf8')) as {
  vectors: XaesVector[];
  accumulated: { rngStartHex: string; iterations: number; hashHex: string };
};

const sealedOf = (v: XaesVector): GcmSealed => {
  const bytes = Buffer.from(v.ciphertextHex, 'hex');
  return { ciphertext: bytes.subarray(0, bytes.length - 16), tag: bytes.subarray(bytes.length - 16) };
};

for (const v of spec.vectors) {
  test(`XAES-256-GCM specification vector "${v.name}": derived key, ciphertext and tag, and it opens`, () => {
    const key = Buffer.from(v.keyHex, 'hex');
    const nonce = Buffer.from(v.nonce);
    assert.equal(deriveXaesKey(key, nonce).toString('hex'), v.derivedKeyHex);
    const sealed = xaesEncrypt(key, nonce, Buffer.from(v.plaintext), Buffer.from(v.aad));
    assert.equal(Buffer.concat([sealed.ciphertext, sealed.tag]).toString('hex'), v.ciphertextHex);
    assert.equal(xaesDecrypt(key, nonce, sealedOf(v), Buffer.from(v.aad)).toString(), v.plaintext);
    assert.equal(key.toString('hex'), v.keyHex, 'the key is left as it was');
  });
}

test("XAES-256-GCM specification vectors' intermediate values (L, K1, M1, M2, the GCM nonce), re-derived with node:crypto's AES-256-CBC (CMAC of one block)", () => {
  for (const v of spec.vectors) {
    const key = Buffer.from(v.keyHex, 'hex');
    const nonce = Buffer.from(v.nonce);
    const aes = (block: Buffer, iv = Buffer.alloc(16)): Buffer => createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false).update(block);
    const l = aes(Buffer.alloc(16));
    assert.equal(l.toString('hex'), v.lHex, v.name);
    const big = BigInt('0x' + v.lHex);
    const doubled = (big << 1n) & ((1n << 128n) - 1n);
    const k1 = Buffer.from((big >> 127n ? doubled ^ 0x87n : doubled).toString(16).padStart(32, '0'), 'hex');
    assert.equal(k1.toString('hex'), v.k1Hex, v.name);
    const m = (counter: number): Buffer => Buffer.concat([Buffer.from([0, counter, 0x58, 0]), nonce.subarray(0, 12)]);
    assert.equal(m(1).toString('hex'), v.m1Hex, v.name);
    assert.equal(m(2).toString('hex'), v.m2Hex, v.name);
    assert.equal(Buffer.concat([aes(m(1), k1), aes(m(2), k1)]).toString('hex'), v.derivedKeyHex, v.name);
    assert.equal(nonce.subarray(12).toString('hex'), v.derivedNonceHex, v.name);
  }
});

test('AES-256-ECB (the raw block cipher) is used by src/crypto/xaes.ts alone, for its one-block CMACs', () => {
  const dir = join(root, 'src');
  const users = (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => /-ecb\b/i.test(readFileSync(join(dir, f), 'utf8')));
  assert.deepEqual(users.map((f) => f.replaceAll('\\', '/')), ['crypto/xaes.ts']);
});

test('XAES-256-GCM specification: 10,000 accumulated randomized iterations hash as published', () => {
  const { rngStartHex, iterations, hashHex } = spec.accumulated;
  // SHAKE-128 is an extendable output: a longer output of the empty input starts with every shorter one.
  const stream = createHash('shake128', { outputLength: 4 << 20 }).digest();
  assert.equal(stream.subarray(0, 16).toString('hex'), rngStartHex);
  let at = 0;
  const read = (bytes: number): Buffer => {
    const out = stream.subarray(at, at + bytes);
    at += bytes;
    assert.equal(out.length, bytes, 'the stream is long enough');
    return out;
  };
  const hash = createHash('shake128', { outputLength: 32 });
  for (let i = 0; i < iterations; i++) {
    const key = read(32);
    const nonce = read(XAES_NONCE_BYTES);
    const plaintext = read(read(1)[0]!);
    const aad = read(read(1)[0]!);
    const sealed = xaesEncrypt(key, nonce, plaintext, aad);
    hash.update(sealed.ciphertext).update(sealed.tag);
    if (i % 997 === 0) assert.ok(xaesDecrypt(key, nonce, sealed, aad).equals(plaintext), `iteration ${i} opens`);
  }
  assert.equal(hash.digest('hex'), hashHex);
});

test('XAES-256-GCM must fail: any changed key, nonce, associated data, ciphertext or tag bit is refused', () => {
  const v = spec.vectors[1]!;
  const key = Buffer.from(v.keyHex, 'hex');
  const nonce = Buffer.from(v.nonce);
  const aad = Buffer.from(v.aad);
  const good = sealedOf(v);
  const flip = (b: Buffer, at: number): Buffer => {
    const out = Buffer.from(b);
    out[at] = out[at]! ^ 0x01;
    return out;
  };
  const cases: Array<[string, () => unknown]> = [
    ['key bit', () => xaesDecrypt(flip(key, 31), nonce, good, aad)],
    ...[0, 11, 12, 23].map((at): [string, () => unknown] => [`nonce byte ${at}`, () => xaesDecrypt(key, flip(nonce, at), good, aad)]),
    ['associated data bit', () => xaesDecrypt(key, nonce, good, flip(aad, 0))],
    ['associated data left out', () => xaesDecrypt(key, nonce, good, Buffer.alloc(0))],
    ['ciphertext bit', () => xaesDecrypt(key, nonce, { ...good, ciphertext: flip(good.ciphertext, 3) }, aad)],
    ['ciphertext cut', () => xaesDecrypt(key, nonce, { ...good, ciphertext: good.ciphertext.subarray(1) }, aad)],
    ['tag bit', () => xaesDecrypt(key, nonce, { ...good, tag: flip(good.tag, 15) }, aad)],
    ['tag cut to 12 bytes', () => xaesDecrypt(key, nonce, { ...good, tag: good.tag.subarray(0, 12) }, aad)],
    ['tag empty', () => xaesDecrypt(key, nonce, { ...good, tag: Buffer.alloc(0) }, aad)],
    ['the other vector\'s key', () => xaesDecrypt(Buffer.from(spec.vectors[0]!.keyHex, 'hex'), nonce, good, aad)],
  ];
  for (const [name, open] of cases) assert.throws(open, Error, name);
});

test('XAES-256-GCM takes a 24-byte nonce and a 32-byte key only', () => {
  const key = Buffer.alloc(32, 1);
  for (const bytes of [0, 12, 23, 25]) assert.throws(() => xaesEncrypt(key, Buffer.alloc(bytes), Buffer.from('x'), Buffer.alloc(0)), RangeError, `${bytes}-byte nonce`);
  for (const bytes of [16, 31, 33, 64]) assert.throws(() => xaesEncrypt(Buffer.alloc(bytes, 1), Buffer.alloc(24), Buffer.from('x'), Buffer.alloc(0)), Error, `${bytes}-byte key`);
});

test('XAES-256-GCM: random nonces under one key give a different GCM key and ciphertext every time', () => {
  const key = Buffer.alloc(32, 5);
  const plaintext = Buffer.alloc(64, 7);
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const nonce = Buffer.alloc(24);
    nonce.writeUInt32BE(i, 0); // only the half that feeds the KDF changes
    seen.add(deriveXaesKey(key, nonce).toString('hex'));
    seen.add(xaesEncrypt(key, nonce, plaintext, Buffer.alloc(0)).ciphertext.toString('hex'));
  }
  assert.equal(seen.size, 100);
});
