/**
 * Parses the typed input of each operation from the wire request (headers, query, small XML
 * bodies) and calls its handler. The only place where an operation name meets header names.
 */
import { createHash } from 'node:crypto';
import { fail } from '../errors/index.js';
import { readBodyLimited } from '../http/limits.js';
import { parseCopySourceRange, parseRange } from '../http/range.js';
import { handleCreateBucket, handleDeleteBucket, handleGetBucketLocation, handleHeadBucket, handleListBuckets, parseCreateBucketBody } from '../operations/bucket.js';
import { handleDeleteBucketEncryption, handleGetBucketEncryption, handlePutBucketEncryption, parseBucketEncryption } from '../operations/bucket-encryption.js';
import type { OperationContext } from '../operations/context.js';
import { handleListObjects, parseMaxKeys } from '../operations/list.js';
import {
  handleAbortMultipartUpload,
  handleCompleteMultipartUpload,
  handleCreateMultipartUpload,
  handleListMultipartUploads,
  handleListParts,
  handleUploadPart,
  handleUploadPartCopy,
  parseCompleteMultipart,
} from '../operations/multipart.js';
import { handleCopyObject } from '../operations/object-copy.js';
import { handleDeleteObject, handleDeleteObjects, parseDeleteObjects } from '../operations/object-delete.js';
import { handleGetObject } from '../operations/object-get.js';
import { handlePutObject } from '../operations/object-put.js';
import { handleGetServerMetrics } from '../operations/server-metrics.js';
import { handleGetObjectTagging, handleSetObjectTagging, parseTagging, parseTaggingHeader } from '../operations/object-tagging.js';
import type { OperationResult } from '../operations/types.js';
import type { OperationName } from '../routing/operations.js';
import type { Dialect } from './dialect.js';
import {
  parseChecksumInput,
  parseConditionals,
  parseContentMd5,
  parseCopySource,
  parseCustomerKey,
  parseObjectMeta,
  parseResponseOverrides,
  parseSseRequest,
  sseModeHeaderPresent,
} from './parse-headers.js';
import { headerValue, prefixed, queryValue, type WireRequest } from './wire.js';
import { parseChecksumAlgorithm } from '../http/checksums.js';
import type { KeyIdRenderer } from './render.js';

export interface InvokeOptions {
  renderKeyId: KeyIdRenderer;
  /** Declared plaintext length of the body (Content-Length, or x-amz-decoded-content-length). */
  contentLength?: number;
}

function requireKey(req: WireRequest): string {
  if (req.key === undefined) throw fail('InvalidRequest', 'An object name is required.');
  return req.key;
}

function storageClass(req: WireRequest, dialect: Dialect): string | undefined {
  const v = prefixed(req, dialect, 'storage-class');
  if (v === undefined) return undefined;
  const allowed = ['STANDARD', 'STANDARD_IA', 'WARM', 'COLD', 'GLACIER', 'DEEP_ARCHIVE', 'REDUCED_REDUNDANCY', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'DEEP_ARCHIVE'];
  if (!allowed.includes(v)) throw fail('InvalidArgument' as const, 'The storage class you specified is not valid', { argumentName: dialect.prefix + 'storage-class', argumentValue: v });
  return v;
}

function partNumberOf(req: WireRequest): number {
  const v = queryValue(req, 'partNumber') ?? '';
  if (!/^\d{1,6}$/.test(v)) throw fail('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { argumentName: 'partNumber', argumentValue: v });
  return Number(v);
}

export async function invoke(name: OperationName, req: WireRequest, dialect: Dialect, ctx: OperationContext, options: InvokeOptions): Promise<OperationResult> {
  const bucketName = req.bucket ?? '';
  switch (name) {
    case 'ListBuckets':
      return handleListBuckets(ctx);
    case 'CreateBucket': {
      const body = await readBodyLimited(ctx.body, ctx.limits.maxXmlBytes);
      return handleCreateBucket(ctx, bucketName, parseCreateBucketBody(body));
    }
    case 'HeadBucket':
      return handleHeadBucket(ctx);
    case 'DeleteBucket':
      return handleDeleteBucket(ctx);
    case 'GetBucketLocation':
      return handleGetBucketLocation(ctx, dialect.name);
    case 'PutBucketEncryption': {
      const body = await readBodyLimited(ctx.body, ctx.limits.maxXmlBytes);
      const md5 = parseContentMd5(req);
      if (md5 !== undefined) verifyMd5(body, md5);
      return handlePutBucketEncryption(ctx, parseBucketEncryption(body));
    }
    case 'GetBucketEncryption':
      return handleGetBucketEncryption(ctx, dialect.kmsAlgorithm, (id) => options.renderKeyId(dialect, id));
    case 'DeleteBucketEncryption':
      return handleDeleteBucketEncryption(ctx);
    case 'ListObjects':
    case 'ListObjectsV2': {
      const version = name === 'ListObjectsV2' ? 2 : 1;
      if (version === 2 && queryValue(req, 'list-type') !== '2') throw fail('InvalidArgument', 'Invalid list type', { argumentName: 'list-type' });
      const encodingType = queryValue(req, 'encoding-type');
      if (encodingType !== undefined && encodingType !== 'url') throw fail('InvalidArgument', 'Invalid Encoding Method specified in Request', { argumentName: 'encoding-type', argumentValue: encodingType });
      const delimiter = queryValue(req, 'delimiter');
      const marker = queryValue(req, 'marker');
      const token = queryValue(req, 'continuation-token');
      const startAfter = queryValue(req, 'start-after');
      return handleListObjects(ctx, {
        bucket: bucketName,
        version,
        prefix: queryValue(req, 'prefix') ?? '',
        ...(delimiter !== undefined && delimiter !== '' ? { delimiter } : {}),
        maxKeys: parseMaxKeys(queryValue(req, 'max-keys')),
        ...(marker !== undefined ? { marker } : {}),
        ...(token !== undefined ? { continuationToken: token } : {}),
        ...(startAfter !== undefined ? { startAfter } : {}),
        fetchOwner: queryValue(req, 'fetch-owner') === 'true',
        ...(encodingType === 'url' ? { encodingType: 'url' as const } : {}),
      });
    }
    case 'PutObject': {
      const key = requireKey(req);
      const contentMd5 = parseContentMd5(req);
      const ifNoneMatch = headerValue(req.headers, 'if-none-match');
      const ifMatch = headerValue(req.headers, 'if-match');
      const sc = storageClass(req, dialect);
      return handlePutObject(ctx, {
        bucket: bucketName,
        key,
        meta: parseObjectMeta(req, dialect),
        sse: parseSseRequest(req, dialect),
        ...(contentMd5 !== undefined ? { contentMd5 } : {}),
        checksum: parseChecksumInput(req),
        ...(options.contentLength !== undefined ? { contentLength: options.contentLength } : {}),
        ...(sc !== undefined ? { storageClass: sc } : {}),
        ...taggingOf(req, dialect),
        ...(ifNoneMatch !== undefined || ifMatch !== undefined
          ? { conditions: { ifNoneMatchStar: ifNoneMatch?.trim() === '*', ...(ifMatch !== undefined ? { ifMatch: ifMatch.trim().replace(/^"(.*)"$/, '$1') } : {}) } }
          : {}),
      });
    }
    case 'GetObject':
    case 'HeadObject': {
      const key = requireKey(req);
      const customer = parseCustomerKey(req, dialect, 'target');
      const mode = sseModeHeaderPresent(req, dialect);
      if (mode !== undefined) {
        customer?.key.fill(0);
        throw fail('InvalidArgument', 'Server-side encryption mode headers are not allowed on GET or HEAD requests.', { argumentName: mode });
      }
      const pn = queryValue(req, 'partNumber');
      if (pn !== undefined && !/^\d{1,5}$/.test(pn)) throw fail('InvalidArgument', 'Part number must be an integer', { argumentName: 'partNumber', argumentValue: pn });
      const range = parseRange(headerValue(req.headers, 'range'));
      if (pn !== undefined && range !== undefined) throw fail('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
      return handleGetObject(
        ctx,
        {
          bucket: bucketName,
          key,
          ...(customer ? { customer } : {}),
          ...(range ? { range } : {}),
          ...(pn !== undefined ? { partNumber: Number(pn) } : {}),
          conditions: parseConditionals(req, dialect, false),
          overrides: parseResponseOverrides(req),
          checksumMode: (headerValue(req.headers, 'x-amz-checksum-mode') ?? '').toUpperCase() === 'ENABLED',
        },
        name === 'HeadObject',
      );
    }
    case 'DeleteObject':
      return handleDeleteObject(ctx, requireKey(req));
    case 'DeleteObjects': {
      const body = await readBodyLimited(ctx.body, ctx.limits.maxXmlBytes);
      const md5 = parseContentMd5(req);
      if (md5 !== undefined) verifyMd5(body, md5);
      return handleDeleteObjects(ctx, parseDeleteObjects(body, ctx.limits.maxDeleteKeys));
    }
    case 'CopyObject': {
      const key = requireKey(req);
      const directive = (prefixed(req, dialect, 'metadata-directive') ?? 'COPY').toUpperCase();
      if (directive !== 'COPY' && directive !== 'REPLACE') throw fail('InvalidArgument', 'Unknown metadata directive.', { argumentName: dialect.prefix + 'metadata-directive', argumentValue: directive });
      const sourceCustomer = parseCustomerKey(req, dialect, 'copy-source');
      const sc = storageClass(req, dialect);
      const alg = headerValue(req.headers, 'x-amz-checksum-algorithm');
      const checksumAlgorithm = alg !== undefined ? parseChecksumAlgorithm(alg) : undefined;
      return handleCopyObject(ctx, {
        bucket: bucketName,
        key,
        source: parseCopySource(prefixed(req, dialect, 'copy-source') ?? ''),
        ...(sourceCustomer ? { sourceCustomer } : {}),
        sourceConditions: parseConditionals(req, dialect, true),
        directive,
        meta: parseObjectMeta(req, dialect),
        sse: parseSseRequest(req, dialect),
        ...(sc !== undefined ? { storageClass: sc } : {}),
        ...(checksumAlgorithm !== undefined ? { checksumAlgorithm } : {}),
        ...((prefixed(req, dialect, 'tagging-directive') ?? 'COPY').toUpperCase() === 'REPLACE' ? { tags: taggingOf(req, dialect).tags ?? {} } : {}),
      });
    }
    case 'CreateMultipartUpload': {
      const key = requireKey(req);
      const sc = storageClass(req, dialect);
      const alg = headerValue(req.headers, 'x-amz-checksum-algorithm');
      const checksumAlgorithm = alg !== undefined ? parseChecksumAlgorithm(alg) : undefined;
      if (alg !== undefined && checksumAlgorithm === undefined) throw fail('InvalidRequest', 'Checksum algorithm provided is unsupported.');
      return handleCreateMultipartUpload(ctx, {
        bucket: bucketName,
        key,
        meta: parseObjectMeta(req, dialect),
        sse: parseSseRequest(req, dialect),
        ...(sc !== undefined ? { storageClass: sc } : {}),
        ...(checksumAlgorithm !== undefined ? { checksumAlgorithm } : {}),
        ...taggingOf(req, dialect),
      });
    }
    case 'UploadPart': {
      const key = requireKey(req);
      const customer = parseCustomerKey(req, dialect, 'target');
      const sseMode = sseModeHeaderPresent(req, dialect);
      const contentMd5 = parseContentMd5(req);
      return handleUploadPart(ctx, {
        bucket: bucketName,
        key,
        uploadId: queryValue(req, 'uploadId') ?? '',
        partNumber: partNumberOf(req),
        ...(customer ? { customer } : {}),
        ...(sseMode !== undefined ? { sseModeHeader: sseMode } : {}),
        ...(contentMd5 !== undefined ? { contentMd5 } : {}),
        checksum: parseChecksumInput(req),
        ...(options.contentLength !== undefined ? { contentLength: options.contentLength } : {}),
      });
    }
    case 'UploadPartCopy': {
      const key = requireKey(req);
      const customer = parseCustomerKey(req, dialect, 'target');
      const sourceCustomer = parseCustomerKey(req, dialect, 'copy-source');
      const rangeHeader = prefixed(req, dialect, 'copy-source-range');
      return handleUploadPartCopy(ctx, {
        bucket: bucketName,
        key,
        uploadId: queryValue(req, 'uploadId') ?? '',
        partNumber: partNumberOf(req),
        ...(customer ? { customer } : {}),
        source: parseCopySource(prefixed(req, dialect, 'copy-source') ?? ''),
        ...(sourceCustomer ? { sourceCustomer } : {}),
        sourceConditions: parseConditionals(req, dialect, true),
        ...(rangeHeader !== undefined ? { sourceRange: parseCopySourceRange(rangeHeader) } : {}),
      });
    }
    case 'CompleteMultipartUpload': {
      const key = requireKey(req);
      const body = await readBodyLimited(ctx.body, ctx.limits.maxXmlBytes);
      const customer = parseCustomerKey(req, dialect, 'target');
      return handleCompleteMultipartUpload(ctx, {
        bucket: bucketName,
        key,
        uploadId: queryValue(req, 'uploadId') ?? '',
        parts: parseCompleteMultipart(body),
        ...(customer ? { customer } : {}),
      });
    }
    case 'AbortMultipartUpload':
      return handleAbortMultipartUpload(ctx, queryValue(req, 'uploadId') ?? '', requireKey(req));
    case 'ListParts': {
      const maxParts = parseMaxKeys(queryValue(req, 'max-parts'), 'max-parts');
      const marker = queryValue(req, 'part-number-marker') ?? '0';
      if (!/^\d{1,5}$/.test(marker)) throw fail('InvalidArgument', 'Invalid part-number-marker', { argumentName: 'part-number-marker', argumentValue: marker });
      return handleListParts(ctx, { key: requireKey(req), uploadId: queryValue(req, 'uploadId') ?? '', maxParts, marker: Number(marker) });
    }
    case 'ListMultipartUploads': {
      const delimiter = queryValue(req, 'delimiter');
      const keyMarker = queryValue(req, 'key-marker');
      const uploadIdMarker = queryValue(req, 'upload-id-marker');
      const encodingType = queryValue(req, 'encoding-type');
      if (encodingType !== undefined && encodingType !== 'url') throw fail('InvalidArgument', 'Invalid Encoding Method specified in Request', { argumentName: 'encoding-type', argumentValue: encodingType });
      return handleListMultipartUploads(ctx, {
        prefix: queryValue(req, 'prefix') ?? '',
        ...(delimiter !== undefined && delimiter !== '' ? { delimiter } : {}),
        ...(keyMarker !== undefined && keyMarker !== '' ? { keyMarker } : {}),
        ...(uploadIdMarker !== undefined && uploadIdMarker !== '' && keyMarker ? { uploadIdMarker } : {}),
        maxUploads: parseMaxKeys(queryValue(req, 'max-uploads'), 'max-uploads'),
        ...(encodingType === 'url' ? { encodingType: 'url' as const } : {}),
      });
    }
    case 'GetObjectTagging':
      return handleGetObjectTagging(ctx, requireKey(req));
    case 'PutObjectTagging': {
      const key = requireKey(req);
      return handleSetObjectTagging(ctx, key, parseTagging(await readBodyLimited(ctx.body, ctx.limits.maxXmlBytes)));
    }
    case 'DeleteObjectTagging':
      return handleSetObjectTagging(ctx, requireKey(req), undefined);
    case 'GetServerMetrics':
      return handleGetServerMetrics(ctx);
    case 'ApiVersion':
    case 'PostObject':
    case 'Kms':
      throw fail('InternalError', 'routed elsewhere');
    case 'BucketSubresource':
    case 'ObjectSubresource':
    case 'ListObjectVersions':
    case 'AppendObject':
    case 'RestoreObject':
    case 'SelectObjectContent':
      throw fail('NotImplemented');
  }
}

function taggingOf(req: WireRequest, dialect: Dialect): { tags?: Record<string, string> } {
  const header = prefixed(req, dialect, 'tagging');
  return header === undefined ? {} : { tags: parseTaggingHeader(header) };
}

function verifyMd5(body: Buffer, md5: string): void {
  if (createHash('md5').update(body).digest('base64') !== md5) throw fail('BadDigest');
}
