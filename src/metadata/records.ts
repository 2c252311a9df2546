/**
 * Persisted record schemas. Every record carries `schema`; readers migrate older versions through
 * explicit functions (see migrate.ts), writers write the newest. Never put key material in a field
 * here except as a sealed (wrapped) value.
 */
import type { BlobLocator } from '../storage/blob-store.js';

/** Bucket default encryption (PUT /?encryption). */
export interface BucketEncryption {
  /** 'kms' (S3 aws:kms, OBS kms) or 'AES256' (SSE-S3 / SSE-OBS). */
  algorithm: 'kms' | 'AES256';
  kmsKeyId?: string;
  /** OBS ProjectID, kept and echoed. */
  projectId?: string;
  /** OBS KMSDataEncryption (e.g. SM4), kept and echoed. */
  kmsDataEncryption?: string;
  bucketKeyEnabled?: boolean;
  /** S3 BlockedEncryptionTypes: 'SSE-C' blocks SSE-C writes. */
  blockedEncryptionTypes?: string[];
}

export interface BucketRecord {
  schema: 1;
  name: string;
  /** Access key id of the owner. */
  owner: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  region: string;
  encryption?: BucketEncryption;
}

/** How the object key of a version is protected. */
export type SseMode = 'none' | 'sse-c' | 'sse-kms' | 'sse-s3';

export interface SseRecord {
  /** What the client asked for ('none' is still encrypted with the service master key). */
  mode: SseMode;
  /** The object key sealed under the key-encryption key (crypto/keys.ts), base64. */
  sealedObjectKey: string;
  /** SSE-KMS: the KMS key id, key version and the wrapped data key (base64), context as sent. */
  kms?: { keyId: string; keyVersion?: number; wrappedDataKey: string; context?: string; projectId?: string };
  /** SSE-C: base64 MD5 of the customer key, echoed on reads (S3 does the same). */
  customerKeyMd5?: string;
}

/** One stored segment of content: the whole object for a single PUT, or one multipart part. */
export interface SegmentRecord {
  /** 0 for a single PUT; the part number for multipart. */
  partNumber: number;
  locator: BlobLocator;
  plainBytes: number;
  cipherBytes: number;
  /** Part ETag as the client saw it (multipart), quoted-less hex. */
  etag?: string;
}

/**
 * HTTP-facing metadata that reveals content (content-type, user metadata, checksums, standard
 * headers). Stored only encrypted, as `sealedMeta` on the object record.
 */
export interface ObjectMeta {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  websiteRedirectLocation?: string;
  /** User metadata, names lower-case without the x-amz-meta-/x-obs-meta- prefix. */
  user: Record<string, string>;
  /** Checksums the client sent and we verified: algorithm (crc32, crc32c, crc64nvme, sha1, sha256) → base64. */
  checksums?: Record<string, string>;
  /** ChecksumType for multipart (COMPOSITE / FULL_OBJECT). */
  checksumType?: string;
}

export interface ObjectRecord {
  schema: 1;
  bucket: string;
  key: string;
  /** Random per version; binds the sealed object key. */
  versionId: string;
  /** Plaintext size. */
  size: number;
  /** Without quotes. MD5 hex, or a non-MD5 value under SSE-C/SSE-KMS, `-N` suffix for multipart. */
  etag: string;
  /** Milliseconds since the epoch. */
  lastModified: number;
  storageClass: string;
  sse: SseRecord;
  /** ObjectMeta encrypted under a key derived from the object key, base64. */
  sealedMeta: string;
  segments: SegmentRecord[];
  owner: string;
  /** Object tags (S3 tagging); kept in clear like the key name, so they can be read without the object key. */
  tags?: Record<string, string>;
}

export interface UploadRecord {
  schema: 1;
  uploadId: string;
  bucket: string;
  key: string;
  /** The version id the completed object will carry (bound into its sealed key at initiate). */
  versionId: string;
  initiated: number;
  owner: string;
  storageClass: string;
  sse: SseRecord;
  sealedMeta: string;
  /** Checksum algorithm declared at initiate, if any. */
  checksumAlgorithm?: string;
  tags?: Record<string, string>;
}

export interface PartRecord {
  schema: 1;
  uploadId: string;
  partNumber: number;
  /** Without quotes. */
  etag: string;
  lastModified: number;
  segment: SegmentRecord;
  checksums?: Record<string, string>;
}
