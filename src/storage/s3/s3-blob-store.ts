/**
 * Blobs as objects in an upstream S3-compatible bucket (Ceph RGW, MinIO, AWS S3, OBS), spoken to
 * through our own SDK with SigV4. It holds ciphertext only, so the upstream needs no encryption of
 * its own. Object names never reach the upstream: a blob's key is `<prefix><locator>`, the locator
 * random and of the file store's shape, so metadata moves between the two stores unchanged.
 *
 * Durability: a write resolves only after the upstream acknowledged it (the single PUT or the
 * CompleteMultipartUpload). A small blob is buffered (up to one part) and sent in one PUT; a large
 * one goes as a multipart upload of `partBytes` parts, a few in flight, so memory stays bounded
 * at about (partsInFlight + 1) × partBytes per write. A write that fails aborts its upload; an
 * upload left by a crash is aborted by `cleanTemporary` once it is an hour old (younger ones may
 * belong to another node that is still writing). Reads are ranged GETs, streamed.
 *
 * Errors: 404 → BlobNotFoundError; quota and 507 → BlobStoreFullError; network failures, timeouts,
 * 5xx (after the SDK's retries), throttling and refused credentials → BlobStoreUnavailableError.
 * This file never logs, and no error it makes carries a credential.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { ObsClient, ObsResultError, type ObsResult, type PartInfo } from '../../sdk/index.js';
import { BlobNotFoundError, BlobStoreFullError, BlobStoreUnavailableError, type BlobLocator, type BlobStore, type BlobWriteResult, type ByteRange } from '../blob-store.js';

/** The file store's locator shape (src/storage/fs/fs-blob-store.ts); metadata stores it as is. */
const LOCATOR = /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{32}$/;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** S3 limits: parts but the last are 5 MiB to 5 GiB; at most 10,000 parts; one PUT or copy up to 5 GiB. */
const MIN_PART_BYTES = 5 * MiB;
const MAX_PART_BYTES = 5 * GiB;
const MAX_PARTS = 10_000;

/** An upload younger than this may be another node's write in progress; `cleanTemporary` leaves it. */
export const STALE_UPLOAD_MS = 60 * 60 * 1000;

/** Status codes and error codes that mean "out of space or quota" (S3, Ceph RGW, MinIO, OBS). */
const FULL_CODES = new Set(['QuotaExceeded', 'InsufficientStorage', 'InsufficientCapacity', 'InsufficientStorageSpace', 'StorageFull', 'XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded']);
/** 4xx answers that pass: a retry later, or the operator fixing credentials or clock, helps. */
const TRANSIENT_CODES = new Set(['RequestTimeout', 'RequestTimeTooSkewed', 'SlowDown', 'OperationAborted', 'TooManyRequests', 'ServiceUnavailable']);

export interface S3BlobStoreOptions {
  /** e.g. `http://127.0.0.1:7480` or `https://s3.eu-west-1.amazonaws.com`. */
  endpoint: string;
  bucket: string;
  /** SigV4 region (default us-east-1). */
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Prepended to every locator (e.g. `obscura/`); blobs of other prefixes are never touched. */
  prefix?: string;
  /** Path-style addressing (default true: what Ceph RGW, MinIO and IP endpoints need). */
  pathStyle?: boolean;
  /** Multipart part size; a blob up to this size is one PUT (default 16 MiB, at least 5 MiB). */
  partBytes?: number;
  /** Parts of one write uploaded at once (default 3). */
  partsInFlight?: number;
  /** Larger blobs are copied with UploadPartCopy (default 5 GiB, the S3 limit of one copy). */
  maxCopyObjectBytes?: number;
  /** Range of each UploadPartCopy (default 1 GiB). */
  copyPartBytes?: number;
  /** Idle time before a request is given up, ms (default 60 s). */
  timeoutMs?: number;
  /** Retries of a failed request (5xx, network) before it counts as unavailable (default 3). */
  maxRetries?: number;
  /** Trust this CA for an HTTPS upstream with its own certificate. */
  ca?: string | Buffer;
  /** The clock, for the age of abandoned uploads (tests fake it). */
  now?: () => number;
}

/** An upstream answer no BlobStore error describes (a bug on one side or the other): status, code, request id. */
export class S3UpstreamError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly requestId: string | undefined,
    upstreamMessage?: string,
  ) {
    super(`upstream ${operation} answered ${status}${code ? ` ${code}` : ''}${upstreamMessage ? `: ${upstreamMessage.slice(0, 200)}` : ''}`);
    this.name = 'S3UpstreamError';
  }
}

/** Where `fromUrl` finds the upstream credentials (OBSCURA_BLOBS_* first, else the AWS names). */
export interface S3BlobStoreEnv {
  OBSCURA_BLOBS_ACCESS_KEY?: string;
  OBSCURA_BLOBS_SECRET_KEY?: string;
  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  AWS_SESSION_TOKEN?: string;
  [name: string]: string | undefined;
}

const URL_PARAMS = new Set(['endpoint', 'region', 'prefix', 'partBytes', 'pathStyle']);

/**
 * Whether a failed PUT or copy may still have stored its object (the answer lost after the
 * upstream acted, or a 200 with an error inside), so that it is worth deleting; a refused
 * connection or a 4xx answer stored nothing.
 */
function mayHaveLanded(e: unknown): boolean {
  if (!(e instanceof BlobStoreUnavailableError)) return false;
  const cause = e.cause;
  if (cause instanceof S3UpstreamError) return cause.status >= 500 || cause.status < 300;
  return (cause as NodeJS.ErrnoException | undefined)?.code !== 'ECONNREFUSED';
}

/** Buffers queued until a part (or a read chunk) of an exact size can be taken. */
class ChunkQueue {
  private readonly chunks: Buffer[] = [];
  bytes = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /**
   * The next `length` bytes (at most `bytes`): a slice when one chunk holds them, else copied into
   * `into()` (a buffer of at least `length` bytes) or a new buffer.
   */
  take(length: number, into?: () => Buffer): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= length) {
      if (first.length === length) this.chunks.shift();
      else this.chunks[0] = first.subarray(length);
      this.bytes -= length;
      return first.subarray(0, length);
    }
    const out = into?.().subarray(0, length) ?? Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.chunks[0]!;
      const n = Math.min(chunk.length, length - filled);
      chunk.copy(out, filled, 0, n);
      filled += n;
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
    }
    this.bytes -= length;
    return out;
  }
}

/** The source's chunks; a Readable that already failed or closed early fails here. */
async function* chunksOf(source: AsyncIterable<Buffer> | Readable): AsyncGenerator<Buffer> {
  if (source instanceof Readable) {
    if (source.errored) throw source.errored;
    if (source.destroyed && !source.readableEnded) throw new Error('source closed before its end');
  }
  for await (const chunk of source) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
}

/**
 * The body of a GET in chunks of exactly `chunkBytes` (the last may be shorter), checked to be
 * `expectedBytes` long: a truncated or overlong body is an error, never other bytes.
 */
async function* rechunk(body: Readable, chunkBytes: number | undefined, expectedBytes: number): AsyncGenerator<Buffer> {
  const queue = new ChunkQueue();
  let received = 0;
  try {
    for await (const chunk of body) {
      received += (chunk as Buffer).length;
      if (received > expectedBytes) throw new Error(`upstream sent more than the ${expectedBytes} bytes it announced`);
      if (chunkBytes === undefined) {
        yield chunk as Buffer;
        continue;
      }
      queue.push(chunk as Buffer);
      while (queue.bytes >= chunkBytes) yield queue.take(chunkBytes);
    }
  } catch (e) {
    throw new BlobStoreUnavailableError(e);
  }
  if (received !== expectedBytes) throw new BlobStoreUnavailableError(new Error(`upstream sent ${received} of ${expectedBytes} bytes`));
  if (queue.bytes > 0) yield queue.take(queue.bytes);
}

/**
 * A readable over `rechunk`: one chunk per `_read`, so with a high-water mark of one chunk a
 * reader gets each chunk as it was cut. Destroying it closes the upstream response at once.
 */
class UpstreamReadStream extends Readable {
  private readonly chunks: AsyncGenerator<Buffer>;

  constructor(
    private readonly body: Readable,
    chunkBytes: number | undefined,
    expectedBytes: number,
  ) {
    super({ highWaterMark: chunkBytes ?? MiB });
    this.chunks = rechunk(body, chunkBytes, expectedBytes);
  }

  override _read(): void {
    this.chunks.next().then(
      (r) => {
        if (this.destroyed) return;
        this.push(r.done ? null : r.value);
      },
      (e: unknown) => this.destroy(e as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.body.destroy();
    callback(error);
  }
}

export class S3BlobStore implements BlobStore {
  private readonly client: ObsClient;
  private readonly endpoint: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partBytes: number;
  private readonly partsInFlight: number;
  private readonly maxCopyObjectBytes: number;
  private readonly copyPartBytes: number;
  private readonly now: () => number;

  constructor(options: S3BlobStoreOptions) {
    const prefix = options.prefix ?? '';
    if (prefix.startsWith('/')) throw new TypeError('the blob prefix must not start with "/"');
    if (!options.bucket) throw new TypeError('the upstream bucket is required');
    const partBytes = options.partBytes ?? 16 * MiB;
    if (!Number.isSafeInteger(partBytes) || partBytes < MIN_PART_BYTES || partBytes > MAX_PART_BYTES) throw new RangeError('partBytes must be 5 MiB to 5 GiB');
    const copyPartBytes = options.copyPartBytes ?? GiB;
    if (!Number.isSafeInteger(copyPartBytes) || copyPartBytes < MIN_PART_BYTES || copyPartBytes > MAX_PART_BYTES) throw new RangeError('copyPartBytes must be 5 MiB to 5 GiB');
    const maxCopyObjectBytes = options.maxCopyObjectBytes ?? 5 * GiB;
    if (!Number.isSafeInteger(maxCopyObjectBytes) || maxCopyObjectBytes < 0 || maxCopyObjectBytes > 5 * GiB) throw new RangeError('maxCopyObjectBytes must be 0 to 5 GiB');
    const partsInFlight = options.partsInFlight ?? 3;
    if (!Number.isSafeInteger(partsInFlight) || partsInFlight < 1) throw new RangeError('partsInFlight must be at least 1');
    // The credentials go to the client only; this object keeps none (see also inspect/toJSON).
    this.client = new ObsClient({
      server: options.endpoint,
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      ...(options.sessionToken !== undefined ? { securityToken: options.sessionToken } : {}),
      signature: 'v4',
      pathStyle: options.pathStyle ?? true,
      region: options.region ?? 'us-east-1',
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    });
    this.endpoint = new URL(options.endpoint).origin;
    this.bucket = options.bucket;
    this.prefix = prefix;
    this.partBytes = partBytes;
    this.partsInFlight = partsInFlight;
    this.maxCopyObjectBytes = maxCopyObjectBytes;
    this.copyPartBytes = copyPartBytes;
    this.now = options.now ?? Date.now;
  }

  /**
   * A store from `s3://<bucket>?endpoint=<url>&region=<region>&prefix=<prefix>` (also `partBytes`
   * and `pathStyle=false`), with credentials from `env`: OBSCURA_BLOBS_ACCESS_KEY and
   * OBSCURA_BLOBS_SECRET_KEY, else AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and
   * AWS_SESSION_TOKEN). Credentials in the URL itself are refused. Without `endpoint`, AWS S3 of
   * the region. Errors name the parameter at fault, never a value that could be a credential.
   */
  static fromUrl(url: string, env: S3BlobStoreEnv = process.env, extra: Pick<S3BlobStoreOptions, 'timeoutMs' | 'maxRetries' | 'ca' | 'partsInFlight'> = {}): S3BlobStore {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError('the blob store URL is not a valid s3://bucket?endpoint=… URL');
    }
    if (parsed.protocol !== 's3:') throw new TypeError('the blob store URL must begin with s3://');
    if (parsed.username !== '' || parsed.password !== '') throw new TypeError('the blob store URL must not hold credentials; set OBSCURA_BLOBS_ACCESS_KEY and OBSCURA_BLOBS_SECRET_KEY');
    const bucket = decodeURIComponent(parsed.hostname);
    if (!bucket) throw new TypeError('the blob store URL names no bucket (s3://<bucket>?endpoint=…)');
    if (parsed.pathname !== '' && parsed.pathname !== '/') throw new TypeError('the blob store URL takes its prefix as ?prefix=…, not as a path');
    for (const name of parsed.searchParams.keys()) if (!URL_PARAMS.has(name)) throw new TypeError(`unknown blob store URL parameter: ${name.slice(0, 40)}`);
    const params = parsed.searchParams;
    const region = params.get('region') ?? 'us-east-1';
    const endpoint = params.get('endpoint') ?? `https://s3.${region}.amazonaws.com`;
    try {
      const e = new URL(endpoint);
      if ((e.protocol !== 'http:' && e.protocol !== 'https:') || e.username !== '' || e.password !== '') throw new Error();
    } catch {
      throw new TypeError('the blob store endpoint must be an http:// or https:// URL without credentials');
    }
    const partBytesText = params.get('partBytes');
    const partBytes = partBytesText === null ? undefined : /^\d{1,13}$/.test(partBytesText) ? Number(partBytesText) : NaN;
    const pathStyleText = params.get('pathStyle');
    if (pathStyleText !== null && pathStyleText !== 'true' && pathStyleText !== 'false') throw new TypeError('pathStyle must be true or false');
    const fromObscura = env['OBSCURA_BLOBS_ACCESS_KEY'] !== undefined || env['OBSCURA_BLOBS_SECRET_KEY'] !== undefined;
    const accessKeyId = fromObscura ? env['OBSCURA_BLOBS_ACCESS_KEY'] : env['AWS_ACCESS_KEY_ID'];
    const secretAccessKey = fromObscura ? env['OBSCURA_BLOBS_SECRET_KEY'] : env['AWS_SECRET_ACCESS_KEY'];
    if (!accessKeyId || !secretAccessKey) throw new TypeError('the blob store needs credentials: set OBSCURA_BLOBS_ACCESS_KEY and OBSCURA_BLOBS_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
    const sessionToken = fromObscura ? undefined : env['AWS_SESSION_TOKEN'];
    return new S3BlobStore({
      ...extra,
      endpoint,
      bucket,
      region,
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      ...(params.get('prefix') !== null ? { prefix: params.get('prefix')! } : {}),
      ...(partBytes !== undefined ? { partBytes } : {}),
      ...(pathStyleText !== null ? { pathStyle: pathStyleText === 'true' } : {}),
    });
  }

  /** The upstream key of a locator; anything not of the locator shape is a blob that does not exist. */
  private keyOf(locator: BlobLocator): string {
    if (typeof locator !== 'string' || !LOCATOR.test(locator)) throw new BlobNotFoundError(locator);
    return this.prefix + locator;
  }

  private newLocator(): BlobLocator {
    const id = randomBytes(16).toString('hex');
    return `${id.slice(0, 2)}/${id[2]}0/${id}`;
  }

  /**
   * The BlobStore error for a failed exchange: an error answer, or an exception of the SDK (which
   * throws only for the network: refused, reset, timed out). `locator` is given where a 404 means
   * that blob is missing; a missing bucket is a misconfigured, hence unavailable, store.
   */
  private failure(operation: string, failed: ObsResult<unknown> | unknown, locator?: BlobLocator): Error {
    if (failed instanceof BlobNotFoundError || failed instanceof BlobStoreFullError || failed instanceof BlobStoreUnavailableError || failed instanceof S3UpstreamError) return failed;
    if (failed instanceof ObsResultError) return this.failure(operation, failed.result, locator);
    const result = failed as Partial<ObsResult<unknown>> | undefined;
    if (typeof result?.status !== 'number' || failed instanceof Error) return new BlobStoreUnavailableError(failed);
    const status = result.status;
    const code = result.errorCode;
    const upstream = new S3UpstreamError(operation, status, code, result.requestId, result.errorMessage);
    if (status === 404 && code !== 'NoSuchBucket' && locator !== undefined) return new BlobNotFoundError(locator);
    if (status === 507 || (code !== undefined && FULL_CODES.has(code))) return new BlobStoreFullError(upstream);
    if (status >= 500 || status === 401 || status === 403 || status === 408 || status === 429 || code === 'NoSuchBucket' || (code !== undefined && TRANSIENT_CODES.has(code))) return new BlobStoreUnavailableError(upstream);
    return upstream;
  }

  /** Sends one request; an error answer or a network failure is thrown as a BlobStore error. */
  private async exchange<T>(operation: string, send: () => Promise<ObsResult<T>>, locator?: BlobLocator): Promise<ObsResult<T>> {
    let result: ObsResult<T>;
    try {
      result = await send();
    } catch (e) {
      throw this.failure(operation, e, locator);
    }
    if (result.status >= 300) throw this.failure(operation, result, locator);
    return result;
  }

  /** `_hint` may be an object name, so it is not sent upstream (or anywhere). */
  async write(source: AsyncIterable<Buffer> | Readable, _hint?: string): Promise<BlobWriteResult> {
    const locator = this.newLocator();
    const key = this.prefix + locator;
    const queue = new ChunkQueue();
    let bytes = 0;
    let upload: MultipartWrite | undefined;
    // Part buffers this write allocated are used again once their part is up, so a large write
    // holds at most partsInFlight + 1 of them instead of leaving one per part to the collector.
    // (A part sliced from a source chunk is not ours to reuse.)
    const spare: Buffer[] = [];
    try {
      for await (const chunk of chunksOf(source)) {
        bytes += chunk.length;
        queue.push(chunk);
        // Strictly more than a part: a blob of exactly one part is still one PUT.
        while (queue.bytes > this.partBytes) {
          const parts = (upload ??= await this.beginUpload(key));
          let owned: Buffer | undefined;
          const part = queue.take(this.partBytes, () => (owned = spare.pop() ?? Buffer.allocUnsafe(this.partBytes)));
          await parts.add(async (partNumber) => {
            const etag = await this.uploadPart(key, parts.uploadId, partNumber, part);
            if (owned) spare.push(owned);
            return etag;
          });
        }
      }
      if (upload) {
        const parts = upload;
        const last = queue.take(queue.bytes);
        await parts.add((partNumber) => this.uploadPart(key, parts.uploadId, partNumber, last));
        await parts.complete(bytes);
      } else {
        const body = queue.take(queue.bytes);
        try {
          await this.exchange('PutObject', () => this.client.putContent(this.bucket, key, body, { contentType: 'application/octet-stream' }));
        } catch (e) {
          if (mayHaveLanded(e)) await this.client.deleteObject(this.bucket, key).catch(() => undefined);
          throw e;
        }
      }
    } catch (e) {
      // A source error is rethrown as it came; upstream errors were translated where they arose.
      await upload?.abort();
      throw e;
    }
    return { locator, bytes };
  }

  /** Starts a multipart upload of `key`; its parts go up through the returned MultipartWrite. */
  private async beginUpload(key: string): Promise<MultipartWrite> {
    const r = await this.exchange('CreateMultipartUpload', () => this.client.initiateMultipartUpload(this.bucket, key, { contentType: 'application/octet-stream' }));
    const uploadId = r.body?.uploadId;
    if (!uploadId || uploadId === 'undefined') throw new S3UpstreamError('CreateMultipartUpload', r.status, 'NoUploadId', r.requestId);
    return new MultipartWrite(
      uploadId,
      this.partsInFlight,
      (parts, bytes) => this.completeUpload(key, uploadId, parts, bytes),
      () => this.abortUpload(key, uploadId),
    );
  }

  private async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    const r = await this.exchange('UploadPart', () => this.client.uploadPart(this.bucket, key, uploadId, partNumber, body));
    if (!r.body?.etag) throw new S3UpstreamError('UploadPart', r.status, 'NoETag', r.requestId);
    return r.body.etag;
  }

  /**
   * Completes an upload. CompleteMultipartUpload may answer 200 with an error in its
   * body, and a retry of a completion whose answer was lost finds NoSuchUpload: in both cases the
   * object is checked, and counts as written only with the expected size.
   */
  private async completeUpload(key: string, uploadId: string, parts: PartInfo[], bytes: number): Promise<void> {
    let failed: Error;
    try {
      const r = await this.exchange('CompleteMultipartUpload', () => this.client.completeMultipartUpload(this.bucket, key, uploadId, parts));
      if (r.body?.etag) return;
      failed = new BlobStoreUnavailableError(new S3UpstreamError('CompleteMultipartUpload', r.status, 'ErrorInBody', r.requestId));
    } catch (e) {
      failed = e as Error;
      if (!(e instanceof S3UpstreamError && e.code === 'NoSuchUpload')) throw e;
    }
    const head = await this.client.getObjectMetadata(this.bucket, key).catch(() => undefined);
    if (head?.status === 200 && head.body?.contentLength === bytes) return;
    throw failed;
  }

  /** Best effort: an upload it cannot abort is aborted later by `cleanTemporary`. */
  private async abortUpload(key: string, uploadId: string): Promise<void> {
    await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch(() => undefined);
  }

  async read(locator: BlobLocator, range?: ByteRange, options: { chunkBytes?: number } = {}): Promise<Readable> {
    const key = this.keyOf(locator);
    const chunkBytes = options.chunkBytes;
    if (chunkBytes !== undefined && (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1)) throw new RangeError('chunkBytes must be a positive integer');
    if (range && (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 0 || range.end < range.start)) throw new RangeError('invalid byte range');
    let result;
    try {
      result = await this.client.getObject(this.bucket, key, { ...(range ? { range: `bytes=${range.start}-${range.end}` } : {}), saveAsStream: true });
    } catch (e) {
      throw this.failure('GetObject', e, locator);
    }
    // A range past the end: no bytes, as a file read past its end gives (S3 answers 416, also for
    // any range of an empty blob).
    if (result.status === 416) return Readable.from([], { objectMode: false });
    if (result.status >= 300) throw this.failure('GetObject', result, locator);
    const body = result.body!.content as Readable;
    const length = Number(result.header['content-length']);
    const refuse = (why: string): never => {
      body.destroy();
      throw new S3UpstreamError('GetObject', result.status, why, result.requestId);
    };
    if (!Number.isSafeInteger(length) || length < 0) refuse('NoContentLength');
    if (range) {
      if (result.status === 206) {
        // The end may be cut to the blob's last byte (as a file read is); the start must be ours.
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(result.header['content-range'] ?? '');
        if (!m || Number(m[1]) !== range.start || Number(m[2]) > range.end || Number(m[2]) - Number(m[1]) + 1 !== length) refuse('WrongContentRange');
      } else if (range.start !== 0 || length > range.end + 1) {
        // A 200 to a ranged GET is the whole blob: right only when the range covers it.
        refuse('RangeIgnored');
      }
    }
    return new UpstreamReadStream(body, chunkBytes, length);
  }

  async size(locator: BlobLocator): Promise<number> {
    const key = this.keyOf(locator);
    const r = await this.exchange('HeadObject', () => this.client.getObjectMetadata(this.bucket, key), locator);
    const length = Number(r.header['content-length']);
    if (!Number.isSafeInteger(length) || length < 0) throw new S3UpstreamError('HeadObject', r.status, 'NoContentLength', r.requestId);
    return length;
  }

  /**
   * A server-side copy: CopyObject up to `maxCopyObjectBytes` (5 GiB, S3's limit), beyond that a
   * multipart upload of UploadPartCopy ranges. The bytes never pass through this process.
   */
  async copy(locator: BlobLocator, _hint?: string): Promise<BlobWriteResult> {
    const sourceKey = this.keyOf(locator);
    const bytes = await this.size(locator);
    const target = this.newLocator();
    const key = this.prefix + target;
    const source = { bucket: this.bucket, key: sourceKey };
    if (bytes <= this.maxCopyObjectBytes) {
      try {
        const r = await this.exchange('CopyObject', () => this.client.copyObject(this.bucket, key, source), locator);
        // CopyObject may answer 200 with an error in its body.
        if (!r.body?.etag) throw new BlobStoreUnavailableError(new S3UpstreamError('CopyObject', r.status, 'ErrorInBody', r.requestId));
      } catch (e) {
        if (mayHaveLanded(e)) await this.client.deleteObject(this.bucket, key).catch(() => undefined);
        throw e;
      }
      return { locator: target, bytes };
    }
    const partBytes = Math.max(this.copyPartBytes, Math.ceil(bytes / MAX_PARTS));
    const upload = await this.beginUpload(key);
    try {
      for (let start = 0; start < bytes; start += partBytes) {
        const end = Math.min(bytes, start + partBytes) - 1;
        await upload.add((partNumber) => this.copyPart(key, upload.uploadId, partNumber, sourceKey, start, end, locator));
      }
      await upload.complete(bytes);
    } catch (e) {
      await upload.abort();
      throw e;
    }
    return { locator: target, bytes };
  }

  private async copyPart(key: string, uploadId: string, partNumber: number, sourceKey: string, start: number, end: number, locator: BlobLocator): Promise<string> {
    const r = await this.exchange('UploadPartCopy', () => this.client.copyPart(this.bucket, key, uploadId, partNumber, { bucket: this.bucket, key: sourceKey, range: `bytes=${start}-${end}` }), locator);
    if (!r.body?.etag) throw new BlobStoreUnavailableError(new S3UpstreamError('UploadPartCopy', r.status, 'ErrorInBody', r.requestId));
    return r.body.etag;
  }

  async delete(locator: BlobLocator): Promise<void> {
    if (typeof locator !== 'string' || !LOCATOR.test(locator)) return;
    const key = this.prefix + locator;
    try {
      await this.exchange('DeleteObject', () => this.client.deleteObject(this.bucket, key), locator);
    } catch (e) {
      if (!(e instanceof BlobNotFoundError)) throw e;
    }
  }

  async *list(): AsyncIterable<BlobLocator> {
    const pages = this.client.listAllObjects(this.bucket, { prefix: this.prefix, pageSize: 1000 });
    for (;;) {
      let next: IteratorResult<{ key: string } | { prefix: string }>;
      try {
        next = await pages.next();
      } catch (e) {
        throw this.failure('ListObjects', e);
      }
      if (next.done) return;
      if (!('key' in next.value) || !next.value.key.startsWith(this.prefix)) continue;
      const locator = next.value.key.slice(this.prefix.length);
      if (LOCATOR.test(locator)) yield locator;
    }
  }

  /**
   * Aborts multipart uploads under the prefix that began more than an hour ago (by this clock
   * against the upstream's; the hour covers any skew): writes that a crash interrupted. Younger
   * ones may be another node's writes in progress. Returns how many were aborted.
   */
  async cleanTemporary(): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.exchange('ListMultipartUploads', () =>
        this.client.listMultipartUploads(this.bucket, { prefix: this.prefix, maxUploads: 1000, ...(keyMarker !== undefined ? { keyMarker } : {}), ...(uploadIdMarker !== undefined ? { uploadIdMarker } : {}) }),
      );
      const body = page.body!;
      for (const upload of body.uploads) {
        if (!upload.key.startsWith(this.prefix) || !LOCATOR.test(upload.key.slice(this.prefix.length))) continue;
        const initiated = upload.initiated.getTime();
        if (!Number.isFinite(initiated) || this.now() - initiated < STALE_UPLOAD_MS) continue;
        try {
          await this.exchange('AbortMultipartUpload', () => this.client.abortMultipartUpload(this.bucket, upload.key, upload.uploadId));
        } catch (e) {
          // Another node's sweep got there first.
          if (!(e instanceof S3UpstreamError && e.code === 'NoSuchUpload')) throw e;
          continue;
        }
        aborted++;
      }
      const stuck = body.nextKeyMarker === keyMarker && body.nextUploadIdMarker === uploadIdMarker;
      if (!body.isTruncated || body.nextKeyMarker === undefined || stuck) return aborted;
      keyMarker = body.nextKeyMarker;
      uploadIdMarker = body.nextUploadIdMarker;
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }

  /** What a log may show of this store: where it is, never how it signs in. */
  toJSON(): object {
    return { type: 's3', endpoint: this.endpoint, bucket: this.bucket, prefix: this.prefix };
  }

  [inspect.custom](): string {
    return `S3BlobStore { endpoint: '${this.endpoint}', bucket: '${this.bucket}', prefix: '${this.prefix}' }`;
  }
}

/**
 * One multipart upload: parts go up a few at a time (adding waits for a free slot, which is what
 * bounds a write's memory); the first failure stops further parts and is thrown by the next add
 * or by complete; abort waits for the parts in flight so none lands after it.
 */
class MultipartWrite {
  private readonly parts: PartInfo[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failed: { error: unknown } | undefined;
  private nextPart = 1;

  constructor(
    readonly uploadId: string,
    private readonly limit: number,
    private readonly finish: (parts: PartInfo[], bytes: number) => Promise<void>,
    private readonly cancel: () => Promise<void>,
  ) {}

  /** Starts the next part once a slot is free; `send` uploads (or copies) it and gives its ETag. */
  async add(send: (partNumber: number) => Promise<string>): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    if (this.failed) throw this.failed.error;
    if (this.nextPart > MAX_PARTS) throw new RangeError(`a blob takes at most ${MAX_PARTS} parts`);
    const partNumber = this.nextPart++;
    const sending: Promise<void> = send(partNumber)
      .then(
        (etag) => void this.parts.push({ partNumber, etag }),
        (e: unknown) => void (this.failed ??= { error: e }),
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** Waits for the parts in flight, then completes with all parts in order. */
  async complete(bytes: number): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failed) throw this.failed.error;
    this.parts.sort((a, b) => a.partNumber - b.partNumber);
    await this.finish(this.parts, bytes);
  }

  async abort(): Promise<void> {
    await Promise.all(this.inFlight);
    await this.cancel();
  }
}
