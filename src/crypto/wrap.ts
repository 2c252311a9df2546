/**
 * Authenticated wrapping of small secrets (KMS data keys, the KMS keystore): AES-256-GCM under a
 * key derived by HKDF-SHA256 from a wrapping secret with a purpose label, with caller-supplied
 * associated data. Pure; node:crypto only; randomness is a parameter.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { systemRandom, type RandomSource } from './random.js';
import { UnsealError } from './keys.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

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
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** unwrapSecret with the key deriveWrappingKey gave; any failure is UnsealError. */
export function unwrapWithKey(key: Buffer, wrapped: Buffer, aad: Buffer): Buffer {
  if (wrapped.length < NONCE_BYTES + TAG_BYTES) throw new UnsealError();
  let plaintext: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
    plaintext = decipher.update(wrapped.subarray(NONCE_BYTES, wrapped.length - TAG_BYTES));
    decipher.final(); // GCM releases nothing more: it checks the tag
    return plaintext;
  } catch {
    plaintext?.fill(0);
    throw new UnsealError();
  }
}
