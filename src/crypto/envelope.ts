/**
 * Content envelope, format version 1 (docs/FORMAT.md): a fixed header, then the plaintext cut in
 * packages, each sealed with AES-256-GCM under a nonce made of a per-envelope random prefix, the
 * package counter and a final-package flag, with the header as associated data. Pure: streams
 * over Buffers, node:crypto only, no I/O.
 */
import { createCipheriv, type CipherGCM } from 'node:crypto';
import { gcmDecrypt } from './gcm.js';
import { Transform, type TransformCallback } from 'node:stream';
import { systemRandom, type RandomSource } from './random.js';

/** Persisted format constant: the envelope version byte. */
export const ENVELOPE_VERSION = 1;
/** Persisted format constant: algorithm id 1 = AES-256-GCM. */
export const ALGORITHM_AES_256_GCM = 1;
/**
 * Plaintext bytes per package that the writer uses. Not a format constant: the size is a header
 * field and readers take it from there, so envelopes written with 64 KiB packages (the size before
 * 2026-12) stay readable. 1 MiB measured best on large transfers (BENCHMARKS.md) and costs a range
 * read at most two packages of decryption more than it asks for.
 */
export const DEFAULT_PACKAGE_BYTES = 1024 * 1024;
export const TAG_BYTES = 16;
/** Persisted format constant: random nonce prefix length. */
export const NONCE_PREFIX_BYTES = 7;
/** version(1) algorithm(1) log2(packageBytes)(1) reserved(1) noncePrefix(7) reserved(5) = 16. */
export const HEADER_BYTES = 16;
/** 2^32 packages at most (the counter is 32 bits). */
export const MAX_PACKAGES = 2 ** 32;

const MIN_LOG2 = 4;
const MAX_LOG2 = 24;

/** Authentication failed, or the envelope is malformed, truncated or extended. Reveals nothing else. */
export class IntegrityError extends Error {
  constructor(message = 'envelope failed authentication') {
    super(message);
    this.name = 'IntegrityError';
  }
}

/** Buffering of the decrypt stream (not a format constant): 1 MiB, a GET's read-ahead. */
const STREAM_HIGH_WATER_MARK = 1024 * 1024;
/**
 * Buffering of the encrypt streams: 256 KiB, like the other stages of an upload. The blob store's
 * write queue is the buffer that lets receiving run ahead of the disk; more here was only memory
 * held per upload (a 256 MiB multipart upload, 4 parts in flight: peak RSS ~133 → ~114 MB with
 * the queue below halved as well, the same throughput within this VM's noise).
 */
const ENCRYPT_HIGH_WATER_MARK = 256 * 1024;

/** Counters for metrics and tests: packages decrypted since start. */
export const decryptStats = { packages: 0 };

function log2Of(packageBytes: number): number {
  const log2 = Math.log2(packageBytes);
  if (!Number.isInteger(log2) || log2 < MIN_LOG2 || log2 > MAX_LOG2) throw new RangeError(`package size must be a power of two between 2^${MIN_LOG2} and 2^${MAX_LOG2}`);
  return log2;
}

export function encodeHeader(packageBytes: number, noncePrefix: Buffer): Buffer {
  if (noncePrefix.length !== NONCE_PREFIX_BYTES) throw new RangeError('nonce prefix must be 7 bytes');
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = ENVELOPE_VERSION;
  header[1] = ALGORITHM_AES_256_GCM;
  header[2] = log2Of(packageBytes);
  noncePrefix.copy(header, 4);
  return header;
}

interface ParsedHeader {
  packageBytes: number;
  noncePrefix: Buffer;
}

function parseHeader(header: Buffer): ParsedHeader {
  if (header.length !== HEADER_BYTES || header[0] !== ENVELOPE_VERSION || header[1] !== ALGORITHM_AES_256_GCM || header[3] !== 0) {
    throw new IntegrityError('unknown or damaged envelope header');
  }
  const log2 = header[2]!;
  if (log2 < MIN_LOG2 || log2 > MAX_LOG2) throw new IntegrityError('unknown or damaged envelope header');
  for (let i = 4 + NONCE_PREFIX_BYTES; i < HEADER_BYTES; i++) if (header[i] !== 0) throw new IntegrityError('unknown or damaged envelope header');
  return { packageBytes: 2 ** log2, noncePrefix: header.subarray(4, 4 + NONCE_PREFIX_BYTES) };
}

/** The package size an envelope header declares; IntegrityError for a header no reader accepts. */
export function packageBytesOf(header: Buffer): number {
  return parseHeader(header).packageBytes;
}

function nonceFor(prefix: Buffer, counter: number, isFinal: boolean): Buffer {
  const nonce = Buffer.allocUnsafe(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(counter, NONCE_PREFIX_BYTES);
  nonce[11] = isFinal ? 1 : 0;
  return nonce;
}

/** Number of packages for a plaintext length (an empty plaintext is one empty final package). */
export function packageCount(plainBytes: number, packageBytes = DEFAULT_PACKAGE_BYTES): number {
  return plainBytes === 0 ? 1 : Math.ceil(plainBytes / packageBytes);
}

/** Total envelope length for a plaintext length. */
export function cipherSize(plainBytes: number, packageBytes = DEFAULT_PACKAGE_BYTES): number {
  return HEADER_BYTES + plainBytes + packageCount(plainBytes, packageBytes) * TAG_BYTES;
}

export interface RangePlan {
  firstPackage: number;
  lastPackage: number;
  /** Offset in the envelope, after the header, of the first byte of firstPackage. */
  cipherStart: number;
  /** Offset in the envelope, after the header, of the last byte (tag included) of lastPackage. */
  cipherEnd: number;
  /** Plaintext bytes to drop from the start of the first decrypted package. */
  skipBytes: number;
  /** Plaintext bytes to deliver. */
  takeBytes: number;
}

/** Maps an inclusive plaintext range (already validated: 0 <= first <= last < plainBytes) to packages. */
export function planRange(plainBytes: number, first: number, last: number, packageBytes = DEFAULT_PACKAGE_BYTES): RangePlan {
  if (!(first >= 0 && first <= last && last < plainBytes)) throw new RangeError('range outside the plaintext');
  const stride = packageBytes + TAG_BYTES;
  const firstPackage = Math.floor(first / packageBytes);
  const lastPackage = Math.floor(last / packageBytes);
  const lastPackagePlain = Math.min(packageBytes, plainBytes - lastPackage * packageBytes);
  return {
    firstPackage,
    lastPackage,
    cipherStart: firstPackage * stride,
    cipherEnd: lastPackage * stride + lastPackagePlain + TAG_BYTES - 1,
    skipBytes: first - firstPackage * packageBytes,
    takeBytes: last - first + 1,
  };
}

/**
 * Encrypts a plaintext stream into an envelope. Input chunks of any size and alignment are
 * accepted. When the plaintext length is known up front (`plainBytes`), which package is final is
 * known before it starts, so each package is encrypted as its bytes arrive, with no buffering or
 * copying; otherwise at most one package is held back until the stream shows whether more follows.
 */
export function createEncryptStream(contentKey: Buffer, options: { packageBytes?: number; random?: RandomSource; plainBytes?: number } = {}): Transform {
  if (options.plainBytes !== undefined) return createStreamingEncryptStream(contentKey, options.plainBytes, options);
  const packageBytes = options.packageBytes ?? DEFAULT_PACKAGE_BYTES;
  const noncePrefix = (options.random ?? systemRandom)(NONCE_PREFIX_BYTES);
  const header = encodeHeader(packageBytes, noncePrefix);
  const key = Buffer.from(contentKey);
  let counter = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let headerSent = false;

  /** Seals one package given as its pieces (encrypted piece by piece, never concatenated). */
  const seal = (stream: Transform, pieces: Buffer[], isFinal: boolean): void => {
    if (counter >= MAX_PACKAGES) throw new RangeError('envelope exceeds the maximum number of packages');
    const cipher = createCipheriv('aes-256-gcm', key, nonceFor(noncePrefix, counter, isFinal));
    cipher.setAAD(header);
    for (const piece of pieces) if (piece.length > 0) stream.push(cipher.update(piece));
    cipher.final();
    stream.push(cipher.getAuthTag());
    counter++;
  };

  return new Transform({
    highWaterMark: ENCRYPT_HIGH_WATER_MARK,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        if (!headerSent) {
          this.push(header);
          headerSent = true;
        }
        let data = chunk;
        // A package is sealed only once a byte beyond it is known to exist, so the last one is
        // always sealed in flush with the final flag.
        if (pendingBytes > 0) {
          const need = packageBytes - pendingBytes;
          if (data.length <= need) {
            pending.push(data);
            pendingBytes += data.length;
            return callback();
          }
          pending.push(data.subarray(0, need));
          seal(this, pending, false);
          pending = [];
          pendingBytes = 0;
          data = data.subarray(need);
        }
        while (data.length > packageBytes) {
          seal(this, [data.subarray(0, packageBytes)], false);
          data = data.subarray(packageBytes);
        }
        if (data.length > 0) {
          pending.push(data);
          pendingBytes = data.length;
        }
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!headerSent) {
          this.push(header);
          headerSent = true;
        }
        seal(this, pending, true);
        pending = [];
        key.fill(0);
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
  });
}

/**
 * A plaintext already whole in memory sealed into its envelope at once, byte for byte what
 * createEncryptStream writes for it with the same random source: a small body with no stream.
 */
export function sealEnvelope(contentKey: Buffer, plaintext: Buffer, options: { packageBytes?: number; random?: RandomSource } = {}): Buffer {
  const packageBytes = options.packageBytes ?? DEFAULT_PACKAGE_BYTES;
  const finalIndex = packageCount(plaintext.length, packageBytes) - 1;
  if (finalIndex >= MAX_PACKAGES) throw new RangeError('envelope exceeds the maximum number of packages');
  const noncePrefix = (options.random ?? systemRandom)(NONCE_PREFIX_BYTES);
  const header = encodeHeader(packageBytes, noncePrefix);
  const out = [header];
  for (let index = 0; index <= finalIndex; index++) {
    const cipher = createCipheriv('aes-256-gcm', contentKey, nonceFor(noncePrefix, index, index === finalIndex));
    cipher.setAAD(header);
    out.push(cipher.update(plaintext.subarray(index * packageBytes, (index + 1) * packageBytes)));
    cipher.final();
    out.push(cipher.getAuthTag());
  }
  return Buffer.concat(out);
}

/** The known-length encryptor: one cipher per package, fed slice by slice as data arrives. */
function createStreamingEncryptStream(contentKey: Buffer, plainBytes: number, options: { packageBytes?: number; random?: RandomSource }): Transform {
  const packageBytes = options.packageBytes ?? DEFAULT_PACKAGE_BYTES;
  const noncePrefix = (options.random ?? systemRandom)(NONCE_PREFIX_BYTES);
  const header = encodeHeader(packageBytes, noncePrefix);
  const key = Buffer.from(contentKey);
  const finalIndex = packageCount(plainBytes, packageBytes) - 1;
  if (finalIndex >= MAX_PACKAGES) throw new RangeError('envelope exceeds the maximum number of packages');
  let counter = 0;
  let inPackage = 0;
  let seen = 0;
  let cipher: CipherGCM | undefined;
  const begin = (): CipherGCM => {
    const c = createCipheriv('aes-256-gcm', key, nonceFor(noncePrefix, counter, counter === finalIndex));
    c.setAAD(header);
    return c;
  };
  const finish = (stream: Transform): void => {
    cipher!.final();
    stream.push(cipher!.getAuthTag());
    cipher = undefined;
    counter++;
    inPackage = 0;
  };
  return new Transform({
    highWaterMark: ENCRYPT_HIGH_WATER_MARK,
    construct(callback) {
      this.push(header);
      callback();
    },
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        seen += chunk.length;
        if (seen > plainBytes) throw new RangeError('more plaintext than declared');
        let data = chunk;
        while (data.length > 0) {
          cipher ??= begin();
          const take = Math.min(packageBytes - inPackage, data.length);
          this.push(cipher.update(take === data.length ? data : data.subarray(0, take)));
          inPackage += take;
          data = data.subarray(take);
          if (inPackage === packageBytes) finish(this);
        }
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (seen !== plainBytes) throw new RangeError('less plaintext than declared');
        // The final package: a partial one in progress, or an empty one when the plaintext is empty.
        if (cipher !== undefined || counter === finalIndex) {
          cipher ??= begin();
          finish(this);
        }
        key.fill(0);
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
  });
}

export type DecryptStream = Transform & { packagesDecrypted: number };

/**
 * The decrypting state machine behind every read: fed the header followed by the ciphertext of
 * packages firstPackage..lastPackage, in chunks of any size and alignment, it yields exactly the
 * plaintext requested. No byte of a package is released before its tag verifies. A chunk is never
 * kept after `update` returns (a package split across chunks is copied), so callers may reuse their
 * read buffers; the plaintext returned is always freshly allocated.
 */
export interface EnvelopeOpener {
  /** Consumes `chunk` and appends the plaintext of every package it completes to `out`. */
  update(chunk: Buffer, out: Buffer[]): void;
  /** Throws IntegrityError unless the envelope (or the range's last package) ended exactly here. */
  final(): void;
  /** Wipes the content key copy (also done by `final`). */
  wipe(): void;
  /** Packages authenticated so far. */
  readonly packagesOpened: number;
}

export function createEnvelopeOpener(contentKey: Buffer, options: { plainBytes: number; range?: RangePlan }): EnvelopeOpener {
  const key = Buffer.from(contentKey);
  const { plainBytes, range } = options;
  let parsed: ParsedHeader | undefined;
  const header = Buffer.alloc(HEADER_BYTES);
  let headerBytes = 0;
  let counter = 0;
  let lastPackage = 0;
  let finalIndex = 0;
  let skip = range?.skipBytes ?? 0;
  let remaining = range ? range.takeBytes : plainBytes;
  // A package split across chunks is gathered here (a copy: chunks are not kept).
  let partial: Buffer | undefined;
  let partialBytes = 0;
  let done = false;
  let opened = 0;

  const expectedLength = (index: number): number => {
    const plain = index === finalIndex ? plainBytes - index * parsed!.packageBytes : parsed!.packageBytes;
    return plain + TAG_BYTES;
  };

  const open = (sealed: Buffer, out: Buffer[]): void => {
    const index = counter;
    const tagAt = sealed.length - TAG_BYTES;
    let plain: Buffer;
    try {
      plain = gcmDecrypt(key, nonceFor(parsed!.noncePrefix, index, index === finalIndex), { ciphertext: sealed.subarray(0, tagAt), tag: sealed.subarray(tagAt) }, header);
    } catch {
      throw new IntegrityError();
    }
    opened++;
    decryptStats.packages++;
    counter++;
    if (skip > 0) {
      plain = plain.subarray(Math.min(skip, plain.length));
      skip = 0;
    }
    if (plain.length > remaining) plain = plain.subarray(0, remaining);
    remaining -= plain.length;
    if (plain.length > 0) out.push(plain);
    if (index === lastPackage) done = true;
  };

  return {
    get packagesOpened() {
      return opened;
    },
    update(chunk: Buffer, out: Buffer[]): void {
      let data = chunk;
      if (!parsed) {
        const take = Math.min(HEADER_BYTES - headerBytes, data.length);
        data.copy(header, headerBytes, 0, take);
        headerBytes += take;
        data = data.subarray(take);
        if (headerBytes < HEADER_BYTES) return;
        parsed = parseHeader(header);
        finalIndex = packageCount(plainBytes, parsed.packageBytes) - 1;
        counter = range?.firstPackage ?? 0;
        lastPackage = range?.lastPackage ?? finalIndex;
        if (lastPackage > finalIndex) throw new IntegrityError('range beyond the envelope');
      }
      while (data.length > 0) {
        if (done) throw new IntegrityError('trailing bytes after the last package');
        const want = expectedLength(counter);
        if (partialBytes === 0 && data.length >= want) {
          open(data.subarray(0, want), out);
          data = data.subarray(want);
          continue;
        }
        partial ??= Buffer.allocUnsafe(parsed.packageBytes + TAG_BYTES);
        const take = Math.min(want - partialBytes, data.length);
        data.copy(partial, partialBytes, 0, take);
        partialBytes += take;
        data = data.subarray(take);
        if (partialBytes === want) {
          partialBytes = 0;
          open(partial.subarray(0, want), out);
        }
      }
    },
    final(): void {
      key.fill(0);
      if (!parsed || !done || partialBytes > 0) throw new IntegrityError('envelope truncated');
    },
    wipe(): void {
      key.fill(0);
    },
  };
}

/**
 * Decrypts an envelope, or the packages of a range plan, as a stream (see createEnvelopeOpener).
 */
export function createDecryptStream(contentKey: Buffer, options: { plainBytes: number; range?: RangePlan }): DecryptStream {
  const opener = createEnvelopeOpener(contentKey, options);
  const out: Buffer[] = [];
  const stream = new Transform({
    highWaterMark: STREAM_HIGH_WATER_MARK,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        opener.update(chunk, out);
        for (const plain of out) stream.push(plain);
        out.length = 0;
        stream.packagesDecrypted = opener.packagesOpened;
        callback();
      } catch (e) {
        out.length = 0;
        callback(e as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        opener.final();
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
    destroy(error, callback) {
      opener.wipe();
      callback(error);
    },
  }) as DecryptStream;
  stream.packagesDecrypted = 0;
  return stream;
}
