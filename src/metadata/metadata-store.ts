/**
 * MetadataStore: buckets, object versions, multipart uploads and parts. Gets, puts, lists by key
 * order (UTF-8 byte order, as S3 lists) and deletes, atomically across records where an operation
 * spans several. Durable on resolve: a put that resolved survives a crash.
 */
import type { BucketRecord, ObjectRecord, PartRecord, UploadRecord } from './records.js';

export interface ListObjectsQuery {
  prefix?: string;
  /** Only keys strictly greater than this (UTF-8 byte order). */
  after?: string;
  limit: number;
}

export interface ListUploadsQuery {
  prefix?: string;
  /**
   * Uploads with (key, uploadId) strictly after (keyMarker, uploadIdMarker). Without an
   * uploadIdMarker every upload of keyMarker is skipped (S3); '' is smaller than every upload id.
   */
  keyMarker?: string;
  uploadIdMarker?: string;
  limit: number;
}

export type DeleteBucketResult = 'deleted' | 'missing' | 'not-empty';

export interface MetadataStore {
  createBucket(record: BucketRecord): Promise<'created' | 'exists'>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  /** Replaces the bucket record; false when the bucket is missing. */
  updateBucket(record: BucketRecord): Promise<boolean>;
  /** Refuses when objects or in-progress uploads remain. */
  deleteBucket(name: string): Promise<DeleteBucketResult>;
  /** Sorted by name. */
  listBuckets(): Promise<BucketRecord[]>;

  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Atomically replaces the current version; returns the replaced one (caller deletes its blobs). */
  putObject(record: ObjectRecord): Promise<ObjectRecord | undefined>;
  /** Rewrites the current version in place (same version id, e.g. new tags); false when it is no longer current. */
  updateObject(record: ObjectRecord): Promise<boolean>;
  /**
   * Deletes the current version. With `ifVersionId`, only if that version is still current.
   * Returns the deleted record.
   */
  deleteObject(bucket: string, key: string, ifVersionId?: string): Promise<ObjectRecord | undefined>;
  /** Sorted by key (UTF-8 byte order). */
  listObjects(bucket: string, query: ListObjectsQuery): Promise<ObjectRecord[]>;
  /** Count and total plaintext bytes of a bucket's objects, by SSE mode (for dashboards/metrics). */
  countObjects(bucket: string): Promise<{ mode: string; objects: number; bytes: number }[]>;

  createUpload(record: UploadRecord): Promise<void>;
  getUpload(uploadId: string): Promise<UploadRecord | undefined>;
  /** Sorted by key (UTF-8 byte order) then upload id; upload ids begin with their initiation time, so this is S3's key-then-initiation order. */
  listUploads(bucket: string, query: ListUploadsQuery): Promise<UploadRecord[]>;
  /** Stores or replaces a part; returns the replaced part (caller deletes its blob). Fails with UploadNotFoundError when the upload is gone. */
  putPart(record: PartRecord): Promise<PartRecord | undefined>;
  /** Sorted by part number; parts with number > afterPart. */
  listParts(uploadId: string, afterPart: number, limit: number): Promise<PartRecord[]>;
  /**
   * In one transaction: removes the upload and all its parts, and puts `object` as the current
   * version. Returns the replaced object version and every part record that was removed (the
   * caller deletes blobs of parts not referenced by `object`). Fails with UploadNotFoundError when
   * the upload is gone (another complete or abort won).
   */
  completeUpload(uploadId: string, object: ObjectRecord): Promise<{ replaced?: ObjectRecord; parts: PartRecord[] }>;
  /** Removes the upload and its parts; returns the parts (caller deletes blobs). Fails with UploadNotFoundError. */
  abortUpload(uploadId: string): Promise<PartRecord[]>;

  /** Every blob locator any record references (objects and parts), for orphan collection at start. */
  referencedLocators(): AsyncIterable<string>;
  /** Small key/value space for server state (e.g. the KMS keystore, users). Values are opaque strings. */
  getState(name: string): Promise<string | undefined>;
  /**
   * Writes a state value. `expected` omitted: unconditional. `expected` null: only if absent.
   * `expected` a string: only if the current value equals it (compare-and-set). False when refused.
   */
  putState(name: string, value: string, expected?: string | null): Promise<boolean>;
  close(): Promise<void>;
}

export class UploadNotFoundError extends Error {
  constructor(readonly uploadId: string) {
    super(`upload not found: ${uploadId}`);
    this.name = 'UploadNotFoundError';
  }
}

export class MetadataUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('metadata store unavailable', { cause });
    this.name = 'MetadataUnavailableError';
  }
}
