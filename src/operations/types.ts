/**
 * Typed inputs and results of operations. Dialects parse the wire into these and render results
 * from them; operations never see a header name.
 */
import type { Readable } from 'node:stream';
import type { XmlNode } from '../http/xml.js';
import type { RangeSpec, ResolvedRange } from '../http/range.js';
import type { ObjectMeta } from '../metadata/records.js';
import type { CustomerKey, SseReport, SseRequest } from '../sse/types.js';
import type { ChecksumAlgorithm } from '../http/checksums.js';

export interface Conditionals {
  ifMatch?: string[];
  ifNoneMatch?: string[];
  ifModifiedSince?: number;
  ifUnmodifiedSince?: number;
}

/** `response-*` query overrides of GetObject. */
export interface ResponseOverrides {
  contentType?: string;
  contentLanguage?: string;
  expires?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
}

export interface ChecksumInput {
  /** Values the client sent (base64), to verify and store. */
  expected: Partial<Record<ChecksumAlgorithm, string>>;
  /** x-amz-sdk-checksum-algorithm / x-amz-checksum-algorithm: compute and store even when no value was sent. */
  algorithm?: ChecksumAlgorithm;
}

export interface PutObjectInput {
  bucket: string;
  key: string;
  meta: ObjectMeta;
  sse: SseRequest;
  /** base64 Content-MD5 to verify. */
  contentMd5?: string;
  checksum: ChecksumInput;
  /** Declared plaintext length (Content-Length or x-amz-decoded-content-length), when known. */
  contentLength?: number;
  storageClass?: string;
  conditions?: { ifNoneMatchStar?: boolean; ifMatch?: string };
  tags?: Record<string, string>;
}

export interface GetObjectInput {
  bucket: string;
  key: string;
  customer?: CustomerKey;
  range?: RangeSpec;
  partNumber?: number;
  conditions: Conditionals;
  overrides: ResponseOverrides;
  checksumMode: boolean;
}

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface CopyObjectInput {
  bucket: string;
  key: string;
  source: CopySource;
  sourceCustomer?: CustomerKey;
  sourceConditions: Conditionals;
  directive: 'COPY' | 'REPLACE';
  /** New metadata for REPLACE. */
  meta: ObjectMeta;
  sse: SseRequest;
  /** Whether the request named an SSE mode of its own (otherwise the bucket default applies). */
  storageClass?: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  /** x-amz-tagging with x-amz-tagging-directive REPLACE; undefined keeps the source's tags. */
  tags?: Record<string, string>;
}

export interface CreateMultipartInput {
  bucket: string;
  key: string;
  tags?: Record<string, string>;
  meta: ObjectMeta;
  sse: SseRequest;
  storageClass?: string;
  checksumAlgorithm?: ChecksumAlgorithm;
}

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  customer?: CustomerKey;
  /** Any SSE request header other than the customer key (not allowed on UploadPart). */
  sseModeHeader?: string;
  contentMd5?: string;
  checksum: ChecksumInput;
  contentLength?: number;
}

export interface UploadPartCopyInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  customer?: CustomerKey;
  source: CopySource;
  sourceCustomer?: CustomerKey;
  sourceConditions: Conditionals;
  sourceRange?: ResolvedRange;
}

export interface CompletedPartInput {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface CompleteMultipartInput {
  bucket: string;
  key: string;
  uploadId: string;
  parts: CompletedPartInput[];
  customer?: CustomerKey;
}

export interface ListObjectsInput {
  bucket: string;
  version: 1 | 2;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  /** v1 marker */
  marker?: string;
  /** v2 */
  continuationToken?: string;
  startAfter?: string;
  fetchOwner: boolean;
  encodingType?: 'url';
}

/** Semantic response headers; the dialect names them. */
export interface ResultHeaders {
  etag?: string;
  lastModified?: number;
  contentLength?: number;
  contentType?: string;
  contentRange?: string;
  acceptRanges?: boolean;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  websiteRedirectLocation?: string;
  location?: string;
  userMeta?: Record<string, string>;
  sse?: SseReport;
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
  checksumType?: string;
  partsCount?: number;
  storageClass?: string;
  /** Copy result: source version etc. */
  copySourceVersionId?: string;
  /** Region of a bucket (HeadBucket). */
  bucketRegion?: string;
}

export interface OperationResult {
  status?: number;
  headers?: ResultHeaders;
  /** XML document (rendered by the dialect with its namespace), a stream, or bytes. */
  body?: XmlNode | Readable | Buffer;
  /** For streams: run before the first byte is written; may throw to turn the answer into an error. */
  firstChunk?: boolean;
}
