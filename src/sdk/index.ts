export { ObsClient, ObsResultError } from './obs-client.js';
export type { ObsClientOptions, ObjectSummary, ListObjectsOutput, ObjectMetadataOutput, PartInfo, BucketEncryption } from './obs-client.js';
export { SseCHeader, SseKmsHeader, SseObsHeader } from './headers.js';
export type { SseHeader, PutObjectHeader, GetObjectHeader, CopyObjectHeader } from './headers.js';
export type { ObsResult } from './result.js';
export { uploadFile, downloadFile, TransferError } from './transfer.js';
export type { UploadFileOptions, DownloadFileOptions, Progress } from './transfer.js';
export { KmsClient } from './kms-client.js';
export type { KmsClientOptions, KmsKeyMetadata } from './kms-client.js';
