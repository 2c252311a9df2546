/** Verifies a SigV4 `x-amz-content-sha256` payload hash while the body streams through. */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { fail } from '../errors/index.js';

export function createPayloadHashCheck(expectedHex: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (hash.digest('hex') !== expectedHex.toLowerCase()) return callback(fail('XAmzContentSHA256Mismatch'));
      callback();
    },
  });
}
