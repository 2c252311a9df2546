/**
 * Content in and out of the blob store: a plaintext stream is measured (MD5 and checksums only
 * when needed), encrypted in packages and written as one blob per segment; reads map a plaintext
 * range to the packages it touches and decrypt only those. Never holds a whole body in memory.
 */
import { createHash } from 'node:crypto';
import { systemRandom } from '../crypto/random.js';
import { PassThrough, Readable } from 'node:stream';
import { chain } from '../http/stream-chain.js';
import { fail, isObscuraError } from '../errors/index.js';
import {
  cipherSize,
  createDecryptStream,
  createEncryptStream,
  DEFAULT_PACKAGE_BYTES,
  HEADER_BYTES,
  IntegrityError,
  packageBytesOf,
  planRange,
  sealEnvelope,
  TAG_BYTES,
} from '../crypto/envelope.js';

/** Ciphertext per blob read for envelopes of `packageBytes` packages: whole packages, about 1 MiB. */
function readBytesFor(packageBytes: number): number {
  const stride = packageBytes + TAG_BYTES;
  return Math.max(1, Math.floor((1024 * 1024) / stride)) * stride;
}

/**
 * Reads of local blobs are sized for the writer's packages before any header is seen (envelopes
 * with other package sizes read as well, a package split between two reads being copied once).
 */
const READ_BYTES = readBytesFor(DEFAULT_PACKAGE_BYTES);
import { derivePartKey } from '../crypto/keys.js';
import { createDigests, createDigestStream, type ChecksumAlgorithm, type DigestResults } from '../http/checksums.js';
import { createLengthLimit, readBodyExactly } from '../http/limits.js';
import { BlobNotFoundError, BlobStoreFullError, BlobStoreUnavailableError, writeWholeBlob } from '../storage/blob-store.js';
import type { SegmentRecord } from '../metadata/records.js';
import { ContentStream, readWhole, type ContentPart } from './content-stream.js';
import type { ChecksumInput } from './types.js';
import type { Services } from './context.js';
import { IntegrityFailure } from '../sse/sse-service.js';

export interface WriteSegmentOptions {
  partNumber: number;
  /** Compute the plaintext MD5 (for an MD5 ETag). Content-MD5 forces it. */
  wantMd5: boolean;
  contentMd5?: string;
  checksum: ChecksumInput;
  /** Reads the trailers once the body has ended (aws-chunked trailing checksums). */
  trailers?: () => Record<string, string>;
  maxBytes: number;
  expectedBytes?: number;
  hint?: string;
}

export interface WrittenSegment {
  segment: SegmentRecord;
  md5?: Buffer;
  /** Verified or computed checksums, base64. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/** The content key of a segment: the object key itself for a single PUT, a derived part key for parts. */
export function segmentKey(objectKey: Buffer, partNumber: number): Buffer {
  return partNumber === 0 ? objectKey : derivePartKey(objectKey, partNumber);
}

/** Translates lower-layer storage errors into table errors (STYLE.md §3). */
export function translateStorageError(e: unknown): unknown {
  if (isObscuraError(e)) return e;
  if (e instanceof BlobStoreFullError) return fail('ServiceUnavailable', 'The storage is full. Please retry later.', undefined, e);
  if (e instanceof BlobStoreUnavailableError) return fail('ServiceUnavailable', undefined, undefined, e);
  if (e instanceof BlobNotFoundError) return fail('InternalError', undefined, undefined, new IntegrityFailure('blob missing', e));
  if (e instanceof IntegrityError) return fail('InternalError', undefined, undefined, new IntegrityFailure('ciphertext failed authentication', e));
  return e;
}

/**
 * Plaintext up to this is handled whole, with no stream per stage: a body of a declared length is
 * read, checked and sealed in memory and written as one row (writeWholeSegment), and a read of as
 * much (its ciphertext) is decrypted into one buffer (readObjectBody).
 */
const WHOLE_MAX_BYTES = 64 * 1024;

/** Encrypts `source` under `contentKey` into one blob, verifying digests on the way. */
export async function writeSegment(services: Services, source: Readable, contentKey: Buffer, options: WriteSegmentOptions): Promise<WrittenSegment> {
  if (options.expectedBytes !== undefined && options.expectedBytes <= WHOLE_MAX_BYTES) return writeWholeSegment(services, source, contentKey, options as WriteSegmentOptions & { expectedBytes: number });
  const digest = createDigestStream(digestsWanted(options));
  const limit = createLengthLimit({ maxBytes: options.maxBytes, ...(options.expectedBytes !== undefined ? { expectedBytes: options.expectedBytes } : {}) });
  // With a declared length the encryptor streams each package without buffering or copying.
  const encrypt = createEncryptStream(contentKey, options.expectedBytes !== undefined ? { plainBytes: options.expectedBytes } : {});
  let plainBytes = 0;
  digest.on('data', (chunk: Buffer) => {
    plainBytes += chunk.length;
  });
  const encrypted: Readable = chain([source, limit, digest, encrypt], () => undefined);
  let written;
  try {
    written = await services.blobs.write(encrypted, options.hint);
  } catch (e) {
    source.destroy();
    throw translateStorageError(e);
  }
  const results = digest.results();
  try {
    checkDigests(results, options);
  } catch (e) {
    await services.blobs.delete(written.locator).catch(() => undefined);
    throw e;
  }
  return {
    segment: { partNumber: options.partNumber, locator: written.locator, plainBytes, cipherBytes: written.bytes },
    ...(results.md5 ? { md5: results.md5 } : {}),
    checksums: results.checksums,
  };
}

/** writeSegment of a small body: read whole, its digests checked before anything is stored. */
async function writeWholeSegment(services: Services, source: Readable, contentKey: Buffer, options: WriteSegmentOptions & { expectedBytes: number }): Promise<WrittenSegment> {
  const plaintext = await readBodyExactly(source, { maxBytes: options.maxBytes, expectedBytes: options.expectedBytes });
  const digests = createDigests(digestsWanted(options));
  digests.update(plaintext);
  const results = digests.results();
  checkDigests(results, options);
  const envelope = sealEnvelope(contentKey, plaintext);
  let written;
  try {
    written = await writeWholeBlob(services.blobs, envelope, options.hint);
  } catch (e) {
    throw translateStorageError(e);
  }
  return {
    segment: { partNumber: options.partNumber, locator: written.locator, plainBytes: plaintext.length, cipherBytes: written.bytes },
    ...(results.md5 ? { md5: results.md5 } : {}),
    checksums: results.checksums,
  };
}

/** The digests a write computes: MD5 for an MD5 ETag or a Content-MD5, and the checksums asked for. */
function digestsWanted(options: WriteSegmentOptions): { md5?: 'compute'; checksums: Partial<Record<ChecksumAlgorithm, 'compute'>> } {
  const checksums: Partial<Record<ChecksumAlgorithm, 'compute'>> = {};
  for (const alg of Object.keys(options.checksum.expected) as ChecksumAlgorithm[]) checksums[alg] = 'compute';
  if (options.checksum.algorithm) checksums[options.checksum.algorithm] = 'compute';
  return { ...(options.wantMd5 || options.contentMd5 !== undefined ? { md5: 'compute' as const } : {}), checksums };
}

/** BadDigest unless the body matches its Content-MD5 and every checksum sent (headers or trailers). */
function checkDigests(results: DigestResults, options: WriteSegmentOptions): void {
  if (options.contentMd5 !== undefined) {
    const sent = Buffer.from(options.contentMd5, 'base64');
    if (!results.md5 || !sent.equals(results.md5)) throw fail('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const trailers = options.trailers?.() ?? {};
  const expected: Partial<Record<ChecksumAlgorithm, string>> = { ...options.checksum.expected };
  for (const [name, value] of Object.entries(trailers)) {
    const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(name);
    if (m) expected[m[1] as ChecksumAlgorithm] = value;
  }
  for (const [alg, value] of Object.entries(expected) as Array<[ChecksumAlgorithm, string]>) {
    if (results.checksums[alg] !== value) {
      throw fail('BadDigest', `The ${alg.toUpperCase()} you specified did not match the calculated checksum.`);
    }
  }
}

/** A random ETag for content whose ETag must not be its MD5 (SSE-C, SSE-KMS). */
export function randomEtag(): string {
  return systemRandom(16).toString('hex');
}

/** ETag of a multipart object: MD5 of the binary part ETags, then `-N`. */
export function multipartEtag(partEtags: string[]): string {
  const md5 = createHash('md5');
  for (const etag of partEtags) md5.update(Buffer.from(etag, 'hex'));
  return `${md5.digest('hex')}-${partEtags.length}`;
}

/**
 * The plaintext bytes first..last (inclusive) of an object made of `segments`, decrypting only the
 * packages touched. `keyFor` gives each segment's content key.
 */
export function readContent(services: Services, segments: SegmentRecord[], keyFor: (partNumber: number) => Buffer, first: number, last: number): Readable {
  return streamContent(services, segmentRanges(segments, first, last), keyFor);
}

/**
 * readContent for an answer (GetObject): a small read (ciphertext within cipherSize(WHOLE_MAX_BYTES),
 * from a store with random access) as one buffer, all of it authenticated, since it leaves in one
 * write anyway; any other as readContent's stream.
 */
export function readObjectBody(services: Services, segments: SegmentRecord[], keyFor: (partNumber: number) => Buffer, first: number, last: number): Promise<Buffer> | Readable {
  const parts = segmentRanges(segments, first, last);
  const { blobs } = services;
  if (!blobs.open || parts.reduce((n, p) => n + p.segment.cipherBytes, 0) > cipherSize(WHOLE_MAX_BYTES)) return streamContent(services, parts, keyFor);
  return readWhole(contentParts(blobs, parts, keyFor)).catch((e: unknown) => {
    throw translateStorageError(e);
  });
}

/** The plaintext of the slices of a read, streamed: by random access where the store has it. */
function streamContent(services: Services, parts: SegmentSlice[], keyFor: (partNumber: number) => Buffer): Readable {
  const { blobs } = services;
  if (blobs.open) return new ContentStream(contentParts(blobs, parts, keyFor), READ_BYTES, (e) => translateStorageError(e) as Error);
  return readContentFromStreams(services, parts, keyFor);
}

/** The slices of a read as ContentStream / readWhole parts, read by random access (`blobs.open`). */
function contentParts(blobs: Services['blobs'], parts: SegmentSlice[], keyFor: (partNumber: number) => Buffer): ContentPart[] {
  return parts.map(({ segment, range }) => ({
    open: () => blobs.open!(segment.locator),
    contentKey: keyFor(segment.partNumber),
    plainBytes: segment.plainBytes,
    cipherBytes: segment.cipherBytes,
    ...(range ? { range } : {}),
  }));
}

/** A segment a read touches, with the plaintext range within it (undefined: all of it). */
interface SegmentSlice {
  segment: SegmentRecord;
  range: { first: number; last: number } | undefined;
}

/** The segments a plaintext range touches. */
function segmentRanges(segments: SegmentRecord[], first: number, last: number): SegmentSlice[] {
  const parts: SegmentSlice[] = [];
  if (last < first) {
    // A zero-length object: still authenticate its (empty) envelopes.
    for (const segment of segments) parts.push({ segment, range: undefined });
  } else {
    let offset = 0;
    for (const segment of segments) {
      const segFirst = offset;
      const segLast = offset + segment.plainBytes - 1;
      offset += segment.plainBytes;
      if (segment.plainBytes === 0 || segLast < first || segFirst > last) continue;
      const from = Math.max(first, segFirst) - segFirst;
      const to = Math.min(last, segLast) - segFirst;
      parts.push({ segment, range: from === 0 && to === segment.plainBytes - 1 ? undefined : { first: from, last: to } });
    }
  }
  return parts;
}

/** readContent for stores without random access (an upstream S3 store): their read streams, in turn. */
function readContentFromStreams(services: Services, parts: SegmentSlice[], keyFor: (partNumber: number) => Buffer): Readable {
  // Chunks are handed on one by one ('data' events, not async iteration, which would concatenate
  // buffered chunks into a new buffer).
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  let current: Readable | undefined;
  out.on('close', () => current?.destroy());
  (async () => {
    for (const { segment, range } of parts) {
      if (out.destroyed) return;
      current = await decryptSegment(services, segment, keyFor(segment.partNumber), range);
      await new Promise<void>((resolve, reject) => {
        current!.once('end', resolve);
        current!.once('error', reject);
        current!.pipe(out, { end: false });
      });
    }
    out.end();
  })().catch((e: unknown) => out.destroy(translateStorageError(e) as Error));
  return out;
}

/** The plaintext of one segment (or a range of it), decrypted package by package. */
async function decryptSegment(services: Services, segment: SegmentRecord, contentKey: Buffer, range: { first: number; last: number } | undefined): Promise<Readable> {
  let input: Readable;
  let decrypt: Readable;
  try {
    // The header is read on its own: a range is planned with the envelope's package size, and the
    // packages are then read in chunks of whole packages, which the decryptor opens with no copying.
    const header = await collectBytes(await services.blobs.read(segment.locator, { start: 0, end: HEADER_BYTES - 1 }));
    if (header.length < HEADER_BYTES) throw new IntegrityError('envelope truncated');
    const packageBytes = packageBytesOf(header);
    const plan = range ? planRange(segment.plainBytes, range.first, range.last, packageBytes) : undefined;
    decrypt = createDecryptStream(contentKey, { plainBytes: segment.plainBytes, ...(plan ? { range: plan } : {}) });
    const cipherStart = plan?.cipherStart ?? 0;
    const cipherEnd = plan?.cipherEnd ?? segment.cipherBytes - HEADER_BYTES - 1;
    const body = await services.blobs.read(segment.locator, { start: HEADER_BYTES + cipherStart, end: HEADER_BYTES + cipherEnd }, { chunkBytes: readBytesFor(packageBytes) });
    input = concatStreams([Readable.from([header], { objectMode: false }), body]);
  } catch (e) {
    throw translateStorageError(e);
  }
  return chain([input, decrypt], () => undefined);
}

async function collectBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Streams one after the other, chunk by chunk, with backpressure. */
function concatStreams(streams: Readable[]): Readable {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  (async () => {
    for (const s of streams) {
      await new Promise<void>((resolve, reject) => {
        s.once('end', resolve);
        s.once('error', reject);
        s.pipe(out, { end: false });
      });
    }
    out.end();
  })().catch((e: unknown) => {
    for (const s of streams) s.destroy();
    out.destroy(e as Error);
  });
  out.on('close', () => {
    for (const s of streams) s.destroy();
  });
  return out;
}
