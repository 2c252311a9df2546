/**
 * Pieces shared by the object operations: sealed metadata, conditionals, the response headers of
 * an object, and replacing a version while releasing the blobs it no longer needs.
 */
import { sealMetadata, unsealMetadata, UnsealError, type ObjectKeys } from '../crypto/keys.js';
import { fail } from '../errors/index.js';
import type { BucketRecord, ObjectMeta, ObjectRecord } from '../metadata/records.js';
import { IntegrityFailure } from '../sse/sse-service.js';
import type { OperationContext, Services } from './context.js';
import type { Conditionals, ResultHeaders } from './types.js';

/** A version's metadata sealed under the metadata key its seal gave (SseService.seal, prepareWrite). */
export function sealMeta(metadataKey: Buffer, meta: ObjectMeta): string {
  return sealMetadata(metadataKey, Buffer.from(JSON.stringify(meta), 'utf8')).toString('base64');
}

export function openMeta(keys: ObjectKeys, sealed: string): ObjectMeta {
  try {
    return JSON.parse(unsealMetadata(keys, Buffer.from(sealed, 'base64')).toString('utf8')) as ObjectMeta;
  } catch (e) {
    if (e instanceof UnsealError || e instanceof SyntaxError) {
      throw fail('InternalError', undefined, undefined, new IntegrityFailure('sealed metadata does not open', e));
    }
    throw e;
  }
}

export function requireBucket(ctx: OperationContext): BucketRecord {
  if (!ctx.bucketRecord) throw fail('NoSuchBucket');
  return ctx.bucketRecord;
}

/** S3 key rule: 1 to 1,024 bytes of UTF-8. */
export function checkObjectName(key: string): void {
  if (key.length === 0) throw fail('InvalidArgument', 'Object name must not be empty.');
  if (Buffer.byteLength(key, 'utf8') > 1024) throw fail('KeyTooLongError', undefined, { extra: { MaxSizeAllowed: '1024' } });
  if (key.includes('\uFFFD') || /[\u0000]/.test(key)) throw fail('InvalidArgument', 'Object name contains characters that are not allowed.');
}

/** Evaluates conditionals in S3's order. Returns 'ok', or throws 412 / returns 'not-modified'. */
export function evaluateConditionals(c: Conditionals, record: ObjectRecord, copySource: boolean): 'ok' | 'not-modified' {
  const etagMatches = (list: string[]): boolean => list.some((e) => e === '*' || e === record.etag);
  // Last-Modified has one-second resolution on the wire.
  const lastModified = Math.floor(record.lastModified / 1000) * 1000;
  if (c.ifMatch !== undefined) {
    if (!etagMatches(c.ifMatch)) throw fail('PreconditionFailed', undefined, { extra: { Condition: copySource ? 'x-amz-copy-source-If-Match' : 'If-Match' } });
  } else if (c.ifUnmodifiedSince !== undefined && lastModified > c.ifUnmodifiedSince) {
    throw fail('PreconditionFailed', undefined, { extra: { Condition: copySource ? 'x-amz-copy-source-If-Unmodified-Since' : 'If-Unmodified-Since' } });
  }
  if (c.ifNoneMatch !== undefined) {
    if (etagMatches(c.ifNoneMatch)) {
      if (copySource) throw fail('PreconditionFailed', undefined, { extra: { Condition: 'x-amz-copy-source-If-None-Match' } });
      return 'not-modified';
    }
  } else if (c.ifModifiedSince !== undefined && lastModified <= c.ifModifiedSince && c.ifModifiedSince <= Date.now()) {
    if (copySource) throw fail('PreconditionFailed', undefined, { extra: { Condition: 'x-amz-copy-source-If-Modified-Since' } });
    return 'not-modified';
  }
  return 'ok';
}

/** The standard headers an object stores and a GET can override (`response-*`). */
export const STANDARD_HEADER_FIELDS = ['contentType', 'cacheControl', 'contentDisposition', 'contentEncoding', 'contentLanguage', 'expires'] as const;

/** Copies the named fields that are defined in `from` onto `to`. */
export function copyDefined<K extends string>(from: Partial<Record<K, string>>, to: Partial<Record<K, string>>, fields: readonly K[]): void {
  for (const f of fields) {
    const v = from[f];
    if (v !== undefined) to[f] = v;
  }
}

/** Response headers describing a stored object (GET/HEAD). */
export function objectHeaders(record: ObjectRecord, meta: ObjectMeta, services: Services): ResultHeaders {
  const h: ResultHeaders = {
    etag: record.etag,
    lastModified: record.lastModified,
    contentType: meta.contentType ?? 'binary/octet-stream',
    acceptRanges: true,
    userMeta: meta.user,
    sse: services.sse.report(record.sse),
    storageClass: record.storageClass,
  };
  copyDefined(meta, h, [...STANDARD_HEADER_FIELDS, 'websiteRedirectLocation']);
  if (record.segments.length > 1 || record.segments[0]?.partNumber !== 0) h.partsCount = record.segments.length;
  return h;
}

/**
 * Makes `record` the current version and releases the blobs of the version it replaced that the
 * new one does not reuse (deleted once no reader holds them).
 */
export async function commitVersion(services: Services, record: ObjectRecord): Promise<void> {
  const replaced = await services.metadata.putObject(record);
  if (replaced) services.reaper.release(replaced.segments.map((s) => s.locator), record.segments.map((s) => s.locator));
}

/** Whether the ETag of a new version in this mode is the plaintext MD5 (S3: not under SSE-C/SSE-KMS). */
export function etagIsMd5(mode: string): boolean {
  return mode === 'none' || mode === 'sse-s3';
}
