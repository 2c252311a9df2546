/**
 * Customer keys (SSE-C) in the browser: generating one from crypto.getRandomValues, parsing one a
 * user typed or pasted (base64 of 32 bytes, or 64 hex digits), and the MD5 S3 wants beside it.
 * A customer key lives only in memory: nothing here stores, logs or puts one in a URL.
 */
import { md5 } from '@noble/hashes/legacy.js';
import type { CustomerKey } from './contract.js';
import { base64ToBytes, bytesToBase64 } from './bytes.js';

/** AES-256: S3 accepts only 256-bit customer keys. */
export const CUSTOMER_KEY_BYTES = 32;

/** The key as S3 headers carry it: base64 of the raw bytes and of their MD5. */
export function customerKeyOf(raw: Uint8Array): CustomerKey {
  if (raw.length !== CUSTOMER_KEY_BYTES) throw new Error(`A customer key is ${CUSTOMER_KEY_BYTES} bytes; got ${raw.length}.`);
  return { keyBase64: bytesToBase64(raw), keyMd5Base64: bytesToBase64(md5(raw)) };
}

/** A fresh random customer key (crypto.getRandomValues; the caller shows it once and keeps it in memory). */
export function generateCustomerKey(): CustomerKey {
  const raw = new Uint8Array(CUSTOMER_KEY_BYTES);
  globalThis.crypto.getRandomValues(raw);
  const key = customerKeyOf(raw);
  raw.fill(0);
  return key;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * Parses a key the user typed or pasted (surrounding white space ignored): 64 hex digits, or the
 * base64 of 32 bytes. Throws an Error whose message says what is wrong, never echoing the text.
 */
export function parseCustomerKey(text: string): CustomerKey {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('Enter a customer key: 64 hexadecimal digits or the base64 of 32 bytes.');
  if (/^[0-9a-fA-F]+$/.test(trimmed)) {
    if (trimmed.length !== CUSTOMER_KEY_BYTES * 2) throw new Error(`A hexadecimal customer key has 64 digits; this one has ${trimmed.length}.`);
    return customerKeyOf(hexToBytes(trimmed));
  }
  if (trimmed.length === CUSTOMER_KEY_BYTES * 2) throw new Error('This has 64 characters but is not hexadecimal: a hexadecimal key uses only 0-9 and a-f.');
  const raw = base64ToBytes(trimmed);
  if (raw === undefined) throw new Error('This is neither 64 hexadecimal digits nor valid base64 (44 characters ending in "=").');
  if (raw.length !== CUSTOMER_KEY_BYTES) throw new Error(`A customer key is 32 bytes (256 bits); this base64 holds ${raw.length} bytes.`);
  const key = customerKeyOf(raw);
  raw.fill(0);
  return key;
}
