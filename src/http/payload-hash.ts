/** Verifies a SigV4 `x-amz-content-sha256` payload hash while the body streams through. */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { fail } from '../errors/index.js';

/** Buffering of each pass-through stage: 256 KiB, four 64 KiB network chunks (more only held memory per upload, with no gain in throughput). */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

export function createPayloadHashCheck(expectedHex: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    highWaterMark: STREAM_HIGH_WATER_MARK,
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
