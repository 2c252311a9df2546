/**
 * Request → operation name, by method, addressing level (service, bucket, object) and
 * sub-resource query. No I/O, no header parsing beyond presence checks.
 */
import type { OperationName } from './operations.js';

export interface RouteInput {
  method: string;
  bucket?: string;
  key?: string;
  /** Query parameter names as sent. */
  queryNames: string[];
  /** Lower-case header names present. */
  has(header: string): boolean;
  contentType?: string;
}

/** Bucket sub-resources we do not implement (answered NotImplemented, never treated as a listing). */
const BUCKET_SUBRESOURCES = new Set([
  'acl', 'policy', 'cors', 'lifecycle', 'logging', 'notification', 'replication', 'tagging', 'versioning', 'website',
  'quota', 'storageinfo', 'storagepolicy', 'requestpayment', 'inventory', 'analytics', 'metrics', 'accelerate',
  'object-lock', 'ownershipcontrols', 'publicaccessblock', 'intelligent-tiering', 'customdomain', 'mirrorbacktosource',
  'directcoldaccess', 'policystatus', 'torrent', 'restore', 'select', 'metadata', 'attributes', 'retention', 'legal-hold',
]);

/**
 * The path prefix of Obscura's own admin API. It can never name a bucket: bucket names start with
 * a lower-case letter or a digit.
 */
export const ADMIN_BUCKET = '_obscura';

export function route(input: RouteInput): OperationName {
  const q = new Set(input.queryNames.map((n) => n.toLowerCase()));
  const method = input.method.toUpperCase();
  if (input.bucket === ADMIN_BUCKET && input.key === 'metrics' && method === 'GET') return 'GetServerMetrics';
  if (q.has('apiversion') && method === 'HEAD') return 'ApiVersion';
  if (input.bucket === undefined) {
    if (method === 'GET') return 'ListBuckets';
    if (method === 'POST' && input.has('x-amz-target')) return 'Kms';
    return 'BucketSubresource';
  }
  if (input.key === undefined) {
    switch (method) {
      case 'PUT':
        if (q.has('encryption')) return 'PutBucketEncryption';
        if ([...q].some((n) => BUCKET_SUBRESOURCES.has(n))) return 'BucketSubresource';
        return 'CreateBucket';
      case 'GET':
        if (q.has('location')) return 'GetBucketLocation';
        if (q.has('encryption')) return 'GetBucketEncryption';
        if (q.has('uploads')) return 'ListMultipartUploads';
        if (q.has('versions')) return 'ListObjectVersions';
        if ([...q].some((n) => BUCKET_SUBRESOURCES.has(n))) return 'BucketSubresource';
        if (q.has('list-type')) return 'ListObjectsV2';
        return 'ListObjects';
      case 'HEAD':
        return 'HeadBucket';
      case 'DELETE':
        if (q.has('encryption')) return 'DeleteBucketEncryption';
        if ([...q].some((n) => BUCKET_SUBRESOURCES.has(n))) return 'BucketSubresource';
        return 'DeleteBucket';
      case 'POST':
        if (q.has('delete')) return 'DeleteObjects';
        if ((input.contentType ?? '').toLowerCase().startsWith('multipart/form-data')) return 'PostObject';
        return 'BucketSubresource';
      default:
        return 'BucketSubresource';
    }
  }
  switch (method) {
    case 'PUT':
      if (q.has('partnumber') && q.has('uploadid')) {
        return input.has('x-amz-copy-source') || input.has('x-obs-copy-source') ? 'UploadPartCopy' : 'UploadPart';
      }
      if (q.has('tagging')) return 'PutObjectTagging';
      if (q.has('acl') || q.has('retention') || q.has('legal-hold') || q.has('metadata')) return 'ObjectSubresource';
      if (input.has('x-amz-copy-source') || input.has('x-obs-copy-source')) return 'CopyObject';
      return 'PutObject';
    case 'GET':
      if (q.has('uploadid')) return 'ListParts';
      if (q.has('tagging')) return 'GetObjectTagging';
      if (q.has('acl') || q.has('torrent') || q.has('attributes') || q.has('retention') || q.has('legal-hold')) return 'ObjectSubresource';
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      if (q.has('uploadid')) return 'AbortMultipartUpload';
      if (q.has('tagging')) return 'DeleteObjectTagging';
      return 'DeleteObject';
    case 'POST':
      if (q.has('uploads')) return 'CreateMultipartUpload';
      if (q.has('uploadid')) return 'CompleteMultipartUpload';
      if (q.has('append')) return 'AppendObject';
      if (q.has('restore')) return 'RestoreObject';
      if (q.has('select')) return 'SelectObjectContent';
      return 'ObjectSubresource';
    default:
      return 'ObjectSubresource';
  }
}
