/**
 * What a handler is given besides its typed input: the caller, the clock, the stores and the SSE
 * service. Chosen once by the server (the only place that picks implementations).
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { BlobStore } from '../storage/blob-store.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { SseService } from '../sse/sse-service.js';
import type { BucketRecord } from '../metadata/records.js';
import type { BlobReaper } from './blob-reaper.js';
import type { RequestStats } from './server-metrics.js';

export interface ServerLimits {
  /** Largest single PUT / part, bytes (S3: 5 GiB). */
  maxObjectBytes: number;
  /** Smallest non-final multipart part (S3: 5 MiB). */
  minPartBytes: number;
  maxParts: number;
  /** Largest XML request body. */
  maxXmlBytes: number;
  /** Keys per DeleteObjects. */
  maxDeleteKeys: number;
}

export const defaultLimits: ServerLimits = {
  maxObjectBytes: 5 * 1024 ** 3,
  minPartBytes: 5 * 1024 ** 2,
  maxParts: 10_000,
  maxXmlBytes: 1024 * 1024,
  maxDeleteKeys: 1000,
};

export interface Services {
  metadata: MetadataStore;
  blobs: BlobStore;
  sse: SseService;
  reaper: BlobReaper;
  limits: ServerLimits;
  region: string;
  log: Logger;
  now(): number;
  /** Random ids (upload ids, version ids), hex. */
  randomId(bytes?: number): string;
  /** The server's request counters, for GetServerMetrics (absent: that operation is not available). */
  requestStats?: RequestStats;
}

export interface OperationContext extends Services {
  requestId: string;
  /** Access key id of the caller (undefined: anonymous). */
  principal: string | undefined;
  /** The bucket record, already loaded and access-checked, for bucket and object operations. */
  bucketRecord?: BucketRecord;
  /** The request body, already de-framed (aws-chunked), length-limited and payload-hash-checked. */
  body: Readable;
  /** Trailing headers (aws-chunked trailers), available once the body has ended. */
  trailers(): Record<string, string>;
}

/**
 * The context of one operation: the server's services and the request's own fields. Copied with
 * Object.assign, not a spread followed by fields: on Node 20 every property written after a spread
 * in an object literal is a call into V8's runtime (~0.5–1 µs each; ~2 % of a 4 KiB request here).
 */
export function operationContext(services: Services, request: Omit<OperationContext, keyof Services>): OperationContext {
  return Object.assign({}, services, request);
}
