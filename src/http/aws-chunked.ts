/**
 * Decodes `Content-Encoding: aws-chunked` bodies (SigV4 streaming): `hex-size[;chunk-signature=s]`
 * CRLF, data, CRLF, ..., a zero-size chunk, optional trailer lines, CRLF. In signed mode each
 * chunk's signature chains from the seed signature and is verified before its bytes go on; the
 * trailer signature too. Holds at most one chunk.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { fail } from '../errors/index.js';

export interface AwsChunkedOptions {
  mode: 'signed' | 'unsigned';
  signingKey?: Buffer;
  seedSignature?: string;
  datetime?: string;
  scope?: string;
  /** Lower-case names announced in x-amz-trailer. */
  trailerNames: string[];
  decodedLength?: number;
  /** Largest chunk accepted (default 16 MiB). */
  maxChunkBytes?: number;
}

export type AwsChunkedDecoder = Transform & { trailers: Record<string, string> };

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const MAX_LINE = 4096;

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmacHex(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createAwsChunkedDecoder(options: AwsChunkedOptions): AwsChunkedDecoder {
  const signed = options.mode === 'signed';
  if (signed && (!options.signingKey || !options.seedSignature || !options.datetime || !options.scope)) {
    throw new TypeError('signed aws-chunked decoding needs the signing key, seed signature, datetime and scope');
  }
  const maxChunk = options.maxChunkBytes ?? 16 * 1024 * 1024;
  let previous = options.seedSignature ?? '';
  type State = 'size' | 'data' | 'data-crlf' | 'trailer' | 'done';
  let state: State = 'size';
  let line = Buffer.alloc(0);
  let chunkSize = 0;
  let chunkSignature: string | undefined;
  let chunkParts: Buffer[] = [];
  let chunkHave = 0;
  let crlfHave = 0;
  let decoded = 0;
  const trailerLines: string[] = [];
  const trailers: Record<string, string> = {};

  const verifyChunk = (data: Buffer): void => {
    if (!signed) return;
    if (chunkSignature === undefined) throw fail('SignatureDoesNotMatch', 'A chunk is missing its signature.');
    const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', options.datetime, options.scope, previous, EMPTY_SHA256, sha256Hex(data)].join('\n');
    const expected = hmacHex(options.signingKey!, stringToSign);
    if (!sameHex(expected, chunkSignature)) throw fail('SignatureDoesNotMatch', 'The chunk signature does not match.');
    previous = expected;
  };

  const parseSizeLine = (text: string): void => {
    const m = /^([0-9a-fA-F]{1,8})(;chunk-signature=([0-9a-f]{64}))?$/.exec(text);
    if (!m) throw fail('IncompleteBody', 'The aws-chunked framing is invalid.');
    chunkSize = parseInt(m[1]!, 16);
    chunkSignature = m[3];
    if (chunkSize > maxChunk) throw fail('InvalidRequest', 'An aws-chunked chunk is larger than allowed.');
    if (signed && chunkSignature === undefined) throw fail('SignatureDoesNotMatch', 'A chunk is missing its signature.');
  };

  const finishTrailers = (): void => {
    const announced = new Set(options.trailerNames);
    let trailerSignature: string | undefined;
    const signedPart: string[] = [];
    for (const l of trailerLines) {
      const i = l.indexOf(':');
      if (i <= 0) throw fail('InvalidRequest', 'A trailing header is malformed.');
      const name = l.slice(0, i).trim().toLowerCase();
      const value = l.slice(i + 1).trim();
      if (name === 'x-amz-trailer-signature') {
        trailerSignature = value;
        continue;
      }
      if (!announced.has(name)) throw fail('InvalidRequest', `The trailing header ${name} was not announced in x-amz-trailer.`);
      trailers[name] = value;
      signedPart.push(`${name}:${value}\n`);
    }
    for (const name of announced) if (trailers[name] === undefined) throw fail('InvalidRequest', `The trailing header ${name} is missing.`);
    if (signed && announced.size > 0) {
      if (trailerSignature === undefined) throw fail('SignatureDoesNotMatch', 'The trailer signature is missing.');
      const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', options.datetime, options.scope, previous, sha256Hex(signedPart.join(''))].join('\n');
      if (!sameHex(hmacHex(options.signingKey!, stringToSign), trailerSignature)) throw fail('SignatureDoesNotMatch', 'The trailer signature does not match.');
    }
    if (options.decodedLength !== undefined && decoded !== options.decodedLength) throw fail('IncompleteBody');
  };

  const stream = new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      try {
        let data = chunk;
        while (data.length > 0) {
          switch (state) {
            case 'size':
            case 'trailer': {
              const nl = data.indexOf(0x0a);
              const piece = nl < 0 ? data : data.subarray(0, nl + 1);
              line = line.length ? Buffer.concat([line, piece]) : Buffer.from(piece);
              data = data.subarray(piece.length);
              if (line.length > MAX_LINE) throw fail('IncompleteBody', 'The aws-chunked framing is invalid.');
              if (nl < 0) break;
              if (line.length < 2 || line[line.length - 2] !== 0x0d) throw fail('IncompleteBody', 'The aws-chunked framing is invalid.');
              const text = line.subarray(0, line.length - 2).toString('latin1');
              line = Buffer.alloc(0);
              if (state === 'size') {
                parseSizeLine(text);
                if (chunkSize === 0) {
                  verifyChunk(Buffer.alloc(0));
                  state = 'trailer';
                } else state = 'data';
              } else if (text === '') {
                finishTrailers();
                state = 'done';
              } else {
                trailerLines.push(text);
                if (trailerLines.length > 16) throw fail('InvalidRequest', 'Too many trailing headers.');
              }
              break;
            }
            case 'data': {
              const take = Math.min(chunkSize - chunkHave, data.length);
              const piece = data.subarray(0, take);
              data = data.subarray(take);
              chunkHave += take;
              decoded += take;
              if (options.decodedLength !== undefined && decoded > options.decodedLength) throw fail('IncompleteBody', 'The body is longer than x-amz-decoded-content-length.');
              if (signed) chunkParts.push(piece);
              else this.push(piece);
              if (chunkHave === chunkSize) {
                if (signed) {
                  const whole = Buffer.concat(chunkParts, chunkSize);
                  chunkParts = [];
                  verifyChunk(whole);
                  this.push(whole);
                }
                chunkHave = 0;
                state = 'data-crlf';
                crlfHave = 0;
              }
              break;
            }
            case 'data-crlf': {
              const expected = crlfHave === 0 ? 0x0d : 0x0a;
              if (data[0] !== expected) throw fail('IncompleteBody', 'The aws-chunked framing is invalid.');
              data = data.subarray(1);
              crlfHave++;
              if (crlfHave === 2) state = 'size';
              break;
            }
            case 'done':
              throw fail('IncompleteBody', 'Bytes follow the final aws-chunked chunk.');
          }
        }
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
    flush(callback: TransformCallback) {
      // Some clients end after the zero chunk's CRLF with no trailer section at all.
      if (state === 'trailer' && line.length === 0 && trailerLines.length === 0 && options.trailerNames.length === 0) {
        try {
          finishTrailers();
          state = 'done';
        } catch (e) {
          return callback(e as Error);
        }
      }
      if (state !== 'done') return callback(fail('IncompleteBody'));
      callback();
    },
  }) as AwsChunkedDecoder;
  stream.trailers = trailers;
  return stream;
}
