/**
 * AES-256-GCM of one value in memory, as every seal and wrap here, and the opening of a content
 * package, use it: a 12-byte nonce, associated data, and a 16-byte tag. Opening states the tag
 * length (authTagLength): without it node:crypto checks a shorter tag given to setAuthTag against
 * the tag's first bytes. Pure; node:crypto only.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

export const GCM_TAG_BYTES = 16;

/** The ciphertext (as long as the plaintext) and the tag. */
export interface GcmSealed {
  ciphertext: Buffer;
  tag: Buffer;
}

export function gcmEncrypt(key: Buffer, nonce: Buffer, plaintext: Buffer, aad: Buffer): GcmSealed {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * The plaintext, in memory of its own (not Node's shared Buffer pool), released only after the tag
 * verified; throws otherwise (wrong key, nonce, data or tag), with the plaintext wiped.
 */
export function gcmDecrypt(key: Buffer, nonce: Buffer, sealed: GcmSealed, aad: Buffer): Buffer {
  let plaintext: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    plaintext = decipher.update(sealed.ciphertext);
    decipher.final(); // GCM releases nothing more: it checks the tag
    return plaintext;
  } catch (e) {
    plaintext?.fill(0);
    throw e;
  }
}
