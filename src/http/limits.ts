/** Bounds on request bodies: object size, declared length, and small XML bodies. */
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { fail } from '../errors/index.js';

/** Buffering of each pass-through stage: 256 KiB, four 64 KiB network chunks (more only held memory per upload, with no gain in throughput). */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

/**
 * Errors with EntityTooLarge past `maxBytes`, and with IncompleteBody when the stream ends short
 * of `expectedBytes` (or runs past it).
 */
export function createLengthLimit(opts: { maxBytes: number; expectedBytes?: number }): Transform {
  let seen = 0;
  return new Transform({
    highWaterMark: STREAM_HIGH_WATER_MARK,
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > opts.maxBytes) return callback(fail('EntityTooLarge', undefined, { extra: { MaxSizeAllowed: String(opts.maxBytes) } }));
      if (opts.expectedBytes !== undefined && seen > opts.expectedBytes) return callback(fail('IncompleteBody', 'The request body is longer than its declared length.'));
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (opts.expectedBytes !== undefined && seen !== opts.expectedBytes) return callback(fail('IncompleteBody'));
      callback();
    },
  });
}

/** Reads a small body whole (XML documents); MaxMessageLengthExceeded past `maxBytes`. */
export async function readBodyLimited(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Not destroyed on refusal: the request pipeline drains what the client still sends, so it
  // reads the error instead of a reset connection.
  for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw fail('MaxMessageLengthExceeded');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
