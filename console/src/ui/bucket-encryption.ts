/** How a bucket's default encryption is described in the bucket table and announcements. */
import type { BucketEncryptionConfig, KmsKey } from '../api/contract.js';
import { kmsKeyNameFor } from './kms-keys.js';

export function bucketEncryptionText(config: BucketEncryptionConfig, keys: KmsKey[] | undefined): string {
  switch (config.algorithm) {
    case 'none':
      return 'None';
    case 'AES256':
      return 'SSE-OBS (AES256)';
    case 'aws:kms':
      return `SSE-KMS · ${config.kmsKeyId ? kmsKeyNameFor(config.kmsKeyId, keys) : 'default KMS key'}`;
  }
}
