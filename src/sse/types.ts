/**
 * What a request asked for, as one typed union chosen once per request by the dialect
 * (STYLE.md §4), and what a response reports. No header names here.
 */
import type { SseMode } from '../metadata/records.js';

/** A customer key (SSE-C) as supplied with a request: 32 bytes, never stored or logged. */
export interface CustomerKey {
  key: Buffer;
  /** base64 MD5 of the key, as the client sent it (verified). */
  keyMd5: string;
}

export type SseRequest =
  | { kind: 'none' }
  | { kind: 'sse-c'; customer: CustomerKey }
  | { kind: 'sse-kms'; keyId?: string; context?: string; projectId?: string; bucketKeyEnabled?: boolean }
  | { kind: 'sse-s3' };

/** What the response reports about an object's encryption. */
export interface SseReport {
  mode: SseMode;
  kmsKeyId?: string;
  kmsContext?: string;
  customerKeyMd5?: string;
  projectId?: string;
}
