/**
 * XAES-256-GCM (c2sp.org/XAES-256-GCM): AES-256-GCM under a key derived per message from a 256-bit
 * key and the first half of a 192-bit nonce, so random nonces are safe under one key for 2⁸⁰
 * messages at a collision risk of 2⁻³² (the specification's bound). The derivation is NIST SP
 * 800-108r1's counter-mode KDF with CMAC-AES-256, label "X", the nonce's first 12 bytes as context
 * and a 16-bit counter: two one-block CMACs, computed here as the specification's end-to-end
 * algorithm gives them, with node:crypto's AES-256 on single blocks (ECB, no padding). The GCM
 * itself is node:crypto's. Pure; no state kept between calls.
 */
import { createCipheriv, type KeyObject } from 'node:crypto';
import { gcmDecrypt, gcmEncrypt, type GcmSealed } from './gcm.js';

export const XAES_NONCE_BYTES = 24;
const BLOCK_BYTES = 16;
/** The KDF's label, the ASCII letter X. */
const LABEL = 0x58;

/**
 * Kx, the AES-256-GCM key for `nonce` (its first 12 bytes): L = AES(K, 0¹²⁸); K1 = L·x in GF(2¹²⁸)
 * (CMAC's first subkey); Kx = AES(K, M1 ⊕ K1) ‖ AES(K, M2 ⊕ K1), Mi = 0x00 ‖ i ‖ "X" ‖ 0x00 ‖ N[:12].
 * The caller wipes the result.
 */
export function deriveXaesKey(key: Buffer | KeyObject, nonce: Buffer): Buffer {
  if (nonce.length !== XAES_NONCE_BYTES) throw new RangeError('an XAES-256-GCM nonce is 24 bytes');
  const aes = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  const l = aes.update(Buffer.alloc(BLOCK_BYTES));
  const blocks = Buffer.alloc(2 * BLOCK_BYTES);
  try {
    for (let counter = 1; counter <= 2; counter++) {
      const at = (counter - 1) * BLOCK_BYTES;
      blocks[at + 1] = counter;
      blocks[at + 2] = LABEL;
      nonce.copy(blocks, at + 4, 0, 12);
      // M ⊕ K1, K1 = L shifted left one bit, reduced by x¹²⁸ + x⁷ + x² + x + 1 when L's top bit was set (no branch on it).
      for (let i = 0; i < BLOCK_BYTES; i++) {
        const next = i + 1 < BLOCK_BYTES ? l[i + 1]! >> 7 : 0;
        const reduce = i === BLOCK_BYTES - 1 ? 0x87 & -(l[0]! >> 7) : 0;
        blocks[at + i] ^= ((l[i]! << 1) | next) & 0xff ^ reduce;
      }
    }
    const derived = aes.update(blocks);
    aes.final();
    return derived;
  } finally {
    l.fill(0);
    blocks.fill(0);
  }
}

/** Encrypts `plaintext` with associated data `aad` under `key` and a 24-byte `nonce` that must never repeat under it (draw it at random). */
export function xaesEncrypt(key: Buffer | KeyObject, nonce: Buffer, plaintext: Buffer, aad: Buffer): GcmSealed {
  const derived = deriveXaesKey(key, nonce);
  try {
    return gcmEncrypt(derived, nonce.subarray(12), plaintext, aad);
  } finally {
    derived.fill(0);
  }
}

/** Decrypts and verifies (gcmDecrypt under the derived key): throws, releasing nothing, when the tag does not verify. */
export function xaesDecrypt(key: Buffer | KeyObject, nonce: Buffer, sealed: GcmSealed, aad: Buffer): Buffer {
  const derived = deriveXaesKey(key, nonce);
  try {
    return gcmDecrypt(derived, nonce.subarray(12), sealed, aad);
  } finally {
    derived.fill(0);
  }
}
