/**
 * Authenticated wrapping of small secrets (KMS data keys, the KMS keystore): AES-256-GCM under a
 * key derived by HKDF-SHA256 from a wrapping secret with a purpose label, with caller-supplied
 * associated data. Pure; node:crypto only; randomness is a parameter.
 */
import { hkdfSync } from 'node:crypto';
import { GCM_TAG_BYTES as TAG_BYTES, gcmDecrypt, gcmEncrypt } from './gcm.js';
import { systemRandom, type RandomSource } from './random.js';
import { UnsealError } from './keys.js';

const NONCE_BYTES = 12;

/**
 * The AES-256 key that wrapSecret derives from `secret` for `label`. A caller that wraps many
 * secrets under one long-lived secret (the KMS, per master key version) may keep it beside that
 * secret instead of deriving it each time.
 */
export function deriveWrappingKey(secret: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), Buffer.from(label, 'utf8'), 32));
}

/** nonce ‖ ciphertext ‖ tag. `aad` binds the context (header bytes, encryption context…). */
export function wrapSecret(secret: Buffer, label: string, plaintext: Buffer, aad: Buffer, random: RandomSource = systemRandom): Buffer {
  const key = deriveWrappingKey(secret, label);
  try {
    return wrapWithKey(key, plaintext, aad, random);
  } finally {
    key.fill(0);
  }
}

/** Opens what wrapSecret made; any failure is UnsealError. */
export function unwrapSecret(secret: Buffer, label: string, wrapped: Buffer, aad: Buffer): Buffer {
  const key = deriveWrappingKey(secret, label);
  try {
    return unwrapWithKey(key, wrapped, aad);
  } finally {
    key.fill(0);
  }
}

/** wrapSecret with the key deriveWrappingKey gave. */
export function wrapWithKey(key: Buffer, plaintext: Buffer, aad: Buffer, random: RandomSource = systemRandom): Buffer {
  const nonce = random(NONCE_BYTES);
  const { ciphertext, tag } = gcmEncrypt(key, nonce, plaintext, aad);
  return Buffer.concat([nonce, ciphertext, tag]);
}

/** unwrapSecret with the key deriveWrappingKey gave; any failure is UnsealError. */
export function unwrapWithKey(key: Buffer, wrapped: Buffer, aad: Buffer): Buffer {
  if (wrapped.length < NONCE_BYTES + TAG_BYTES) throw new UnsealError();
  const tagAt = wrapped.length - TAG_BYTES;
  try {
    return gcmDecrypt(key, wrapped.subarray(0, NONCE_BYTES), { ciphertext: wrapped.subarray(NONCE_BYTES, tagAt), tag: wrapped.subarray(tagAt) }, aad);
  } catch {
    throw new UnsealError();
  }
}
