/**
 * Randomness as a parameter, so vectors are reproducible (STYLE.md §4).
 *
 * systemRandom serves small requests (ids, nonces, object keys) from a 4 KiB buffer filled by
 * node:crypto's CSPRNG, refilled when used up: one call into OpenSSL per ~100 requests instead of
 * seven per small PUT. Bytes handed out are copied into their own buffer and wiped from the pool,
 * so no two callers share memory and no key stays behind in the pool.
 */
import { randomBytes, randomFillSync } from 'node:crypto';

export type RandomSource = (bytes: number) => Buffer;

const POOL_BYTES = 4096;
/** Larger requests go straight to randomBytes. */
const POOLED_MAX_BYTES = 64;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

export const systemRandom: RandomSource = (bytes) => {
  if (bytes > POOLED_MAX_BYTES) return randomBytes(bytes);
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.allocUnsafeSlow(bytes);
  pool.copy(out, 0, poolOffset, poolOffset + bytes);
  pool.fill(0, poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
};
