/**
 * The contract between the console's browser client (console/src/api/, signed S3/KMS/admin calls)
 * and its screens (console/src/ui/). The screens use only what is declared here; the client
 * implements it. Results are shaped like the SDK's ObsResult (src/sdk/result.ts): an HTTP error is
 * a result with status >= 300, errorCode, errorMessage and requestId, never an exception; only
 * misuse (bad arguments) and network failures throw.
 */

export interface ApiResult<T = undefined> {
  status: number;
  reason: string;
  /** Lower-case response headers. */
  header: Record<string, string>;
  requestId?: string;
  /**
   * The server's error code, except where the client knows better (errors.ts): CustomerKeyRequired
   * (SSE-C object read without its key; server: InvalidRequest), CustomerKeyMismatch (wrong key;
   * AccessDenied), SseCBlocked (an SSE-C write into a bucket that blocks SSE-C; AccessDenied),
   * HttpsRequired (SSE-C/SSE-KMS over plain HTTP; InvalidRequest), KmsKeyDisabled, KmsKeyPendingDeletion,
   * KmsKeyNotFound (KMS.* and the KMS JSON exceptions). KMS JSON login failures read as
   * InvalidAccessKeyId / SignatureDoesNotMatch, as the S3 ones do.
   */
  errorCode?: string;
  /** The code the server sent, when errorCode was refined. */
  serverErrorCode?: string;
  errorMessage?: string;
  resource?: string;
  /** The typed result on success (status < 300). */
  body?: T;
}

export interface Credentials {
  accessKey: string;
  /** Held in memory only (never localStorage/sessionStorage/cookies/URL). */
  secretKey: string;
  /** Default 'us-east-1'; the client reads the server's region from GetBucketLocation if needed. */
  region?: string;
}

/** A 32-byte AES-256 customer key (SSE-C), kept only in memory by the page that uses it. */
export interface CustomerKey {
  /** base64 of the 32 raw bytes. */
  keyBase64: string;
  /** base64 MD5 of the raw bytes (what x-amz-server-side-encryption-customer-key-MD5 carries). */
  keyMd5Base64: string;
}

/** How a write is encrypted. 'default' sends no SSE headers (the bucket default applies). */
export type SseChoice =
  | { mode: 'default' }
  | { mode: 'sse-s3' }
  | { mode: 'sse-kms'; keyId?: string }
  | { mode: 'sse-c'; key: CustomerKey };

export type EncryptionBadge =
  | { mode: 'none' }
  | { mode: 'sse-s3' }
  | { mode: 'sse-kms'; keyId: string }
  | { mode: 'sse-c'; keyMd5Base64: string };

export interface BucketSummary {
  name: string;
  creationDate: Date;
}

export interface BucketEncryptionConfig {
  /** 'none' = no default encryption configured (GET ?encryption answers ServerSideEncryptionConfigurationNotFoundError). */
  algorithm: 'none' | 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** S3 BlockedEncryptionTypes contains SSE-C. */
  blockSseC: boolean;
}

export interface ObjectSummary {
  key: string;
  size: number;
  lastModified: Date;
  /** Without quotes. */
  etag: string;
  /** Filled by headObject (listings do not carry encryption); undefined until known. */
  encryption?: EncryptionBadge;
}

export interface ObjectPage {
  prefix: string;
  /** "Folders" one level below prefix (delimiter '/'). */
  commonPrefixes: string[];
  objects: ObjectSummary[];
  isTruncated: boolean;
  /** Pass back as `continuationToken` for the next page. */
  nextContinuationToken?: string;
}

export interface ObjectHead {
  size: number;
  lastModified: Date;
  etag: string;
  contentType?: string;
  encryption: EncryptionBadge;
  /** User metadata (x-amz-meta-*), names without the prefix. */
  metadata: Record<string, string>;
}

export interface Progress {
  loadedBytes: number;
  totalBytes: number;
}

export interface UploadOptions {
  sse: SseChoice;
  contentType?: string;
  onProgress?: (p: Progress) => void;
  /** Files larger than this go multipart (default 16 MiB), in parts of partBytes (default 8 MiB), up to 4 in flight. */
  multipartThresholdBytes?: number;
  partBytes?: number;
  signal?: AbortSignal;
}

export interface DownloadOptions {
  /** Needed for SSE-C objects. */
  customerKey?: CustomerKey;
  /** 'bytes=0-1023' style. */
  range?: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface KmsKey {
  keyId: string;
  arn: string;
  description: string;
  /** Enabled | Disabled | PendingDeletion */
  keyState: string;
  creationDate: Date;
  deletionDate?: Date;
  rotationEnabled: boolean;
  rotationPeriodInDays?: number;
  nextRotationDate?: Date;
  /** The latest rotation (ListKeyRotations); absent for a key never rotated. */
  lastRotation?: { date: Date; type?: 'AUTOMATIC' | 'ON_DEMAND' };
  /** How many times the key material was rotated. */
  rotations: number;
  /** Alias names (alias/...) pointing at this key. */
  aliases: string[];
}

export interface ServerMetrics {
  uptimeSeconds: number;
  requests: { total: number; errors4xx: number; errors5xx: number };
  /** Per second, averaged over the last 60 s. */
  rates: { requestsPerSecond: number; errorsPerSecond: number };
  /** One point per 10 s for the last 10 minutes, oldest first. */
  history: Array<{ at: Date; requests: number; errors: number }>;
  /** Over all buckets; mode is 'none' | 'sse-s3' | 'sse-kms' | 'sse-c'. */
  objectsByMode: Array<{ mode: string; objects: number; bytes: number }>;
}

export interface ConsoleApi {
  /** Checks the credentials (ListBuckets); a failed login is a result with errorCode (InvalidAccessKeyId, SignatureDoesNotMatch). */
  login(credentials: Credentials): Promise<ApiResult>;
  logout(): void;

  listBuckets(): Promise<ApiResult<BucketSummary[]>>;
  createBucket(bucket: string): Promise<ApiResult>;
  deleteBucket(bucket: string): Promise<ApiResult>;
  getBucketEncryption(bucket: string): Promise<ApiResult<BucketEncryptionConfig>>;
  /** algorithm 'none' deletes the configuration (blockSseC is then lost, as in S3). */
  setBucketEncryption(bucket: string, config: BucketEncryptionConfig): Promise<ApiResult>;

  listObjects(bucket: string, options: { prefix?: string; continuationToken?: string; maxKeys?: number }): Promise<ApiResult<ObjectPage>>;
  /**
   * With the key for SSE-C objects. Without it an SSE-C object answers 400 with errorCode
   * CustomerKeyRequired, with a wrong key 403 CustomerKeyMismatch: both mean the badge is SSE-C
   * (this server sends no SSE headers with those errors, so there is no body).
   */
  headObject(bucket: string, key: string, customerKey?: CustomerKey): Promise<ApiResult<ObjectHead>>;
  /** Single PUT or multipart (with progress); aborts the multipart upload on failure. */
  uploadObject(bucket: string, key: string, file: Blob, options: UploadOptions): Promise<ApiResult<{ etag: string }>>;
  /** The whole body (or range) as a Blob. */
  downloadObject(bucket: string, key: string, options: DownloadOptions): Promise<ApiResult<{ content: Blob; head: ObjectHead }>>;
  /** CopyObject with the source's key (if SSE-C) and the target's encryption; rename = copy then delete. */
  copyObject(source: { bucket: string; key: string; customerKey?: CustomerKey }, target: { bucket: string; key: string; sse: SseChoice }): Promise<ApiResult<{ etag: string }>>;
  deleteObject(bucket: string, key: string): Promise<ApiResult>;
  /** A SigV4 presigned GET URL valid for expiresSeconds (1 s … 7 days). */
  presignGet(bucket: string, key: string, expiresSeconds: number): Promise<string>;

  kms: {
    listKeys(): Promise<ApiResult<KmsKey[]>>;
    createKey(description: string): Promise<ApiResult<KmsKey>>;
    enableKey(keyId: string): Promise<ApiResult>;
    disableKey(keyId: string): Promise<ApiResult>;
    rotateKeyOnDemand(keyId: string): Promise<ApiResult>;
    setRotation(keyId: string, enabled: boolean, periodDays?: number): Promise<ApiResult>;
    scheduleKeyDeletion(keyId: string, pendingWindowInDays: number): Promise<ApiResult<{ deletionDate: Date }>>;
    cancelKeyDeletion(keyId: string): Promise<ApiResult>;
    createAlias(aliasName: string, keyId: string): Promise<ApiResult>;
    deleteAlias(aliasName: string): Promise<ApiResult>;
  };

  metrics(): Promise<ApiResult<ServerMetrics>>;
}

/** config.json, served next to the page: everything the page may know before login. Never secret. */
export interface ConsoleServerConfig {
  /** Region to sign with. */
  region: string;
  version: string;
  httpUrl: string;
  httpsUrl?: string;
  /** This console's own URL (HTTPS when the server has HTTPS). */
  consoleUrl: string;
  /** The console over HTTPS, when the server has HTTPS: where to send users who opened it over plain HTTP. */
  httpsConsoleUrl?: string;
}

/** A user-facing sentence for a failed result, or for what a call threw (NetworkError, AbortError). */
export type DescribeError = (failure: ApiResult<unknown> | Error, hints?: { httpsConsoleUrl?: string }) => string;

/** Generates a fresh customer key in the browser (crypto.getRandomValues). */
export type GenerateCustomerKey = () => CustomerKey;
/** Parses a key the user typed or pasted: base64 of 32 bytes, or 64 hex digits; a clear Error otherwise. */
export type ParseCustomerKey = (text: string) => CustomerKey;
