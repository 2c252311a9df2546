/**
 * Sealed metadata format 1 (docs/KEYS.md), which the server wrote before format 2 and still reads:
 * AES-256-GCM under HKDF-SHA256(object key, no salt, fields("obscura metadata key v1")), the 13-byte
 * head as associated data. Made here from the document with node:crypto alone, for the vectors and
 * for records "written by an earlier release" in the end-to-end tests.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { RandomSource } from '../../src/crypto/random.js';

export function sealMetadataFormatOne(objectKey: Buffer, plaintext: Buffer, random: RandomSource = randomBytes): Buffer {
  const label = Buffer.from('obscura metadata key v1', 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(label.length);
  const key = Buffer.from(hkdfSync('sha256', objectKey, Buffer.alloc(0), Buffer.concat([length, label]), 32));
  const nonce = random(12);
  const head = Buffer.concat([Buffer.from([1]), nonce]);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(head);
  return Buffer.concat([head, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}
