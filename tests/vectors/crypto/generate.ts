/**
 * Writes tests/vectors/crypto/vectors.json once: envelopes and sealed keys made from fixed keys and
 * a deterministic random source. The tests compare against the stored values, so a change to the
 * format shows up as a failing test, not as silently regenerated vectors.
 * Run: npx tsc -p . && node dist/tests/vectors/crypto/generate.js
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createEncryptStream } from '../../../src/crypto/envelope.js';
import { derivePartKey, sealMetadata, sealObjectKey, type KeyBinding } from '../../../src/crypto/keys.js';
import { wrapSecret } from '../../../src/crypto/wrap.js';
import { repoRoot } from '../../helpers/server.js';

/** Counter-mode SHA-256 of a seed: the same "random" bytes every run. */
export function deterministicRandom(seed: string): (bytes: number) => Buffer {
  let counter = 0;
  return (bytes) => {
    const out: Buffer[] = [];
    let have = 0;
    while (have < bytes) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
      out.push(block);
      have += block.length;
    }
    return Buffer.concat(out).subarray(0, bytes);
  };
}

export const CONTENT_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
export const WRAPPING_SECRET = Buffer.from('c0ffee00c0ffee01c0ffee02c0ffee03c0ffee04c0ffee05c0ffee06c0ffee07', 'hex');
export const OBJECT_KEY = Buffer.from('a5'.repeat(32), 'hex');
export const BINDING: KeyBinding = { mode: 'sse-c', bucket: 'photos', key: 'albums/2026/cat.jpg', versionId: 'v-0001' };

/** Plaintext of a given length: bytes 0, 1, 2, … mod 251. */
export function plaintextOf(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => i % 251));
}

export const ENVELOPE_CASES = [
  { name: 'empty', plainBytes: 0, packageBytes: 65536 },
  { name: 'one byte', plainBytes: 1, packageBytes: 65536 },
  { name: 'exactly one 16-byte package', plainBytes: 16, packageBytes: 16 },
  { name: 'one package and one byte', plainBytes: 17, packageBytes: 16 },
  { name: 'three full packages', plainBytes: 48, packageBytes: 16 },
  { name: 'three packages, last partial', plainBytes: 45, packageBytes: 16 },
];

async function encrypt(plain: Buffer, packageBytes: number, seed: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of Readable.from([plain]).pipe(createEncryptStream(CONTENT_KEY, { packageBytes, random: deterministicRandom(seed) }))) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function main(): Promise<void> {
  const envelopes = [];
  for (const c of ENVELOPE_CASES) {
    envelopes.push({ ...c, seed: c.name, cipherHex: (await encrypt(plaintextOf(c.plainBytes), c.packageBytes, c.name)).toString('hex') });
  }
  const vectors = {
    about: 'Golden vectors for envelope version 1 and sealed keys version 1 (docs/FORMAT.md, docs/KEYS.md). Generated once by generate.ts.',
    contentKeyHex: CONTENT_KEY.toString('hex'),
    envelopes,
    sealedKey: {
      wrappingSecretHex: WRAPPING_SECRET.toString('hex'),
      objectKeyHex: OBJECT_KEY.toString('hex'),
      binding: BINDING,
      seed: 'sealed key',
      sealedHex: sealObjectKey(WRAPPING_SECRET, OBJECT_KEY, BINDING, deterministicRandom('sealed key')).toString('hex'),
    },
    partKeys: [1, 2, 10000].map((n) => ({ partNumber: n, keyHex: derivePartKey(OBJECT_KEY, n).toString('hex') })),
    sealedMetadata: { plaintext: '{"contentType":"image/jpeg"}', seed: 'metadata', sealedHex: sealMetadata(OBJECT_KEY, Buffer.from('{"contentType":"image/jpeg"}'), deterministicRandom('metadata')).toString('hex') },
    wrappedSecret: {
      label: 'obscura kms data key v1',
      aadHex: Buffer.from('context').toString('hex'),
      seed: 'wrap',
      wrappedHex: wrapSecret(WRAPPING_SECRET, 'obscura kms data key v1', OBJECT_KEY, Buffer.from('context'), deterministicRandom('wrap')).toString('hex'),
    },
  };
  writeFileSync(join(repoRoot, 'tests', 'vectors', 'crypto', 'vectors.json'), JSON.stringify(vectors, null, 2) + '\n');
}

if (process.argv[1]?.endsWith('generate.js')) await main();
