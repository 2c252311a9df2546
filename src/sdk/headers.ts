/**
 * Header objects as the OBS SDK documentation names them (SseCHeader, SseKmsHeader,
 * PutObjectHeader, GetObjectHeader, CopyObjectHeader), turned into wire headers by the client in
 * the dialect it speaks. Keys are held only in memory and never printed (toJSON/inspect redact).
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';

export type Prefix = 'x-obs-' | 'x-amz-';

function keyBytes(key: Buffer | string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length !== 32) throw new TypeError('an SSE-C key must be 32 bytes');
  return bytes;
}

/** SSE-C: a customer key (32 bytes) sent with each request; its MD5 is computed here. */
export class SseCHeader {
  readonly encryption = 'AES256' as const;
  private readonly key: Buffer;
  readonly keyMd5: string;

  constructor(options: { encryption?: 'AES256'; key: Buffer | string }) {
    if (options.encryption !== undefined && options.encryption !== 'AES256') throw new TypeError('SSE-C supports AES256 only');
    this.key = keyBytes(options.key);
    this.keyMd5 = createHash('md5').update(this.key).digest('base64');
  }

  /** Wire headers for the target object (`copySource` false) or the copy source. */
  toHeaders(prefix: Prefix, copySource = false): Record<string, string> {
    const p = prefix + (copySource ? 'copy-source-' : '') + 'server-side-encryption-customer-';
    return { [p + 'algorithm']: 'AES256', [p + 'key']: this.key.toString('base64'), [p + 'key-MD5']: this.keyMd5 };
  }

  toJSON(): object {
    return { encryption: this.encryption, key: '[redacted]', keyMd5: this.keyMd5 };
  }

  [inspect.custom](): string {
    return `SseCHeader { encryption: 'AES256', key: [redacted], keyMd5: '${this.keyMd5}' }`;
  }
}

/** SSE-KMS: the kms mode with an optional key id (default key when absent) and context. */
export class SseKmsHeader {
  private constructor(
    readonly keyId?: string,
    readonly context?: Record<string, string>,
    readonly projectId?: string,
  ) {}

  static getInstance(keyId?: string, options: { context?: Record<string, string>; projectId?: string } = {}): SseKmsHeader {
    return new SseKmsHeader(keyId, options.context, options.projectId);
  }

  toHeaders(prefix: Prefix): Record<string, string> {
    const h: Record<string, string> = { [prefix + 'server-side-encryption']: prefix === 'x-obs-' ? 'kms' : 'aws:kms' };
    if (this.keyId !== undefined) h[prefix === 'x-obs-' ? 'x-obs-server-side-encryption-kms-key-id' : 'x-amz-server-side-encryption-aws-kms-key-id'] = this.keyId;
    if (this.context !== undefined) h[prefix + 'server-side-encryption-context'] = Buffer.from(JSON.stringify(this.context)).toString('base64');
    if (this.projectId !== undefined) h[prefix + 'sse-kms-key-project-id'] = this.projectId;
    return h;
  }
}

/** SSE-OBS / SSE-S3: service-managed keys. */
export class SseObsHeader {
  static getInstance(): SseObsHeader {
    return new SseObsHeader();
  }

  toHeaders(prefix: Prefix): Record<string, string> {
    return { [prefix + 'server-side-encryption']: 'AES256' };
  }
}

export type SseHeader = SseCHeader | SseKmsHeader | SseObsHeader;

/** Options of putContent / putFile / initiateMultipartUpload. */
export interface PutObjectHeader {
  contentType?: string;
  contentMd5?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  storageClass?: string;
  metadata?: Record<string, string>;
  sseHeader?: SseHeader;
}

/** Options of getObject / getObjectMetadata. */
export interface GetObjectHeader {
  range?: string;
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
  sseHeader?: SseCHeader;
  /** response-* overrides */
  responseContentType?: string;
  responseContentDisposition?: string;
}

/** Options of copyObject / copyPart. */
export interface CopyObjectHeader {
  metadataDirective?: 'COPY' | 'REPLACE';
  contentType?: string;
  metadata?: Record<string, string>;
  storageClass?: string;
  sseHeader?: SseHeader;
  sourceSseHeader?: SseCHeader;
  ifMatch?: string;
  ifNoneMatch?: string;
}
