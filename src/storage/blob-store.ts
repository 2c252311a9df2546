/**
 * BlobStore: where ciphertext lives. It writes a stream and returns a locator, reads a byte range,
 * copies and deletes. It knows nothing of encryption and never sees plaintext or keys.
 */
import { Readable } from 'node:stream';

/** Opaque name of a stored blob. Chosen by the store; safe to persist in metadata. */
export type BlobLocator = string;

export interface BlobWriteResult {
  locator: BlobLocator;
  /** Bytes stored (ciphertext length). */
  bytes: number;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

/** Lower layers throw these small typed errors; operations translate them. */
export class BlobNotFoundError extends Error {
  constructor(readonly locator: BlobLocator) {
    super(`blob not found: ${locator}`);
    this.name = 'BlobNotFoundError';
  }
}

/** The store ran out of space or quota; nothing was stored. */
export class BlobStoreFullError extends Error {
  constructor(cause?: unknown) {
    super('blob store is full', { cause });
    this.name = 'BlobStoreFullError';
  }
}

/** The store is unreachable for now (upstream down); nothing was stored. */
export class BlobStoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('blob store unavailable', { cause });
    this.name = 'BlobStoreUnavailableError';
  }
}

/**
 * Random access to one stored blob, reading into the caller's buffers (so a reader can reuse them
 * instead of allocating a chunk per read, which on large GETs was most of the garbage collector's work).
 */
export interface BlobReader {
  /** Fills `buffer` from `position`; returns the bytes read, fewer only where the blob ends. */
  read(buffer: Buffer, position: number): Promise<number>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface BlobStore {
  /**
   * Stores the whole stream durably (fsync'd / acknowledged upstream) before resolving.
   * If the source errors or is destroyed, nothing is left behind and the promise rejects with
   * the source's error. `hint` is a human-readable prefix for the locator (no path semantics).
   */
  write(source: AsyncIterable<Buffer> | Readable, hint?: string): Promise<BlobWriteResult>;
  /**
   * Optional, for stores that keep small blobs in rows: `write` of a blob already whole in memory,
   * with no stream. Callers fall back to `write` where it is absent.
   */
  writeBuffer?(data: Buffer, hint?: string): Promise<BlobWriteResult>;
  /**
   * A stream of the bytes in `range` (whole blob when omitted). Rejects with BlobNotFoundError.
   * `chunkBytes` asks for chunks of that size (the last may be shorter), so callers can align
   * reads with their records.
   */
  read(locator: BlobLocator, range?: ByteRange, options?: { chunkBytes?: number }): Promise<Readable>;
  /**
   * Optional, for stores with cheap random access (local files, database rows): a reader over
   * the blob. Rejects with BlobNotFoundError. Callers fall back to `read` where it is absent.
   */
  open?(locator: BlobLocator): Promise<BlobReader>;
  /** Size in bytes. Rejects with BlobNotFoundError. */
  size(locator: BlobLocator): Promise<number>;
  /** A durable copy of the blob under a new locator (server-side where the store can). */
  copy(locator: BlobLocator, hint?: string): Promise<BlobWriteResult>;
  /** Idempotent: deleting a missing blob is not an error. */
  delete(locator: BlobLocator): Promise<void>;
  /** Every locator stored, for orphan collection at start. */
  list(): AsyncIterable<BlobLocator>;
  /** Called once at start: removes temporary files left by a crash. Returns how many. */
  cleanTemporary(): Promise<number>;
  close(): Promise<void>;
}

/** A blob already whole in memory into `store`: its writeBuffer where it has one, else its write. */
export function writeWholeBlob(store: BlobStore, data: Buffer, hint?: string): Promise<BlobWriteResult> {
  return store.writeBuffer ? store.writeBuffer(data, hint) : store.write(Readable.from([data], { objectMode: false }), hint);
}
