/**
 * The API operations, by their API names. Every request routes to one of these; the ones we do
 * not implement still have a name and answer NotImplemented, so coverage is visible here.
 */
export const implementedOperations = [
  'ApiVersion',
  'ListBuckets',
  'CreateBucket',
  'HeadBucket',
  'DeleteBucket',
  'GetBucketLocation',
  'PutBucketEncryption',
  'GetBucketEncryption',
  'DeleteBucketEncryption',
  'ListObjects',
  'ListObjectsV2',
  'PutObject',
  'PostObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'DeleteObjects',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'ListMultipartUploads',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'Kms',
  'GetServerMetrics',
] as const;

export const unimplementedOperations = [
  'BucketSubresource',
  'ObjectSubresource',
  'ListObjectVersions',
  'AppendObject',
  'RestoreObject',
  'SelectObjectContent',
] as const;

export type OperationName = (typeof implementedOperations)[number] | (typeof unimplementedOperations)[number];

/** What an operation needs from the caller's rights on the bucket. */
export type AccessKind = 'none' | 'service' | 'read' | 'write' | 'owner';

export const operationAccess: Record<OperationName, AccessKind> = {
  ApiVersion: 'none',
  ListBuckets: 'service',
  CreateBucket: 'service',
  Kms: 'service',
  GetServerMetrics: 'service',
  HeadBucket: 'read',
  DeleteBucket: 'owner',
  GetBucketLocation: 'read',
  PutBucketEncryption: 'owner',
  GetBucketEncryption: 'owner',
  DeleteBucketEncryption: 'owner',
  ListObjects: 'read',
  ListObjectsV2: 'read',
  ListObjectVersions: 'read',
  PutObject: 'write',
  PostObject: 'write',
  GetObject: 'read',
  HeadObject: 'read',
  DeleteObject: 'write',
  DeleteObjects: 'write',
  CopyObject: 'write',
  CreateMultipartUpload: 'write',
  UploadPart: 'write',
  UploadPartCopy: 'write',
  CompleteMultipartUpload: 'write',
  AbortMultipartUpload: 'write',
  ListParts: 'read',
  ListMultipartUploads: 'read',
  GetObjectTagging: 'read',
  PutObjectTagging: 'write',
  DeleteObjectTagging: 'write',
  BucketSubresource: 'owner',
  ObjectSubresource: 'owner',
  AppendObject: 'write',
  RestoreObject: 'write',
  SelectObjectContent: 'read',
};
