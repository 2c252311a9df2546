/** S3 request headers for each SSE mode, for tests that write and read in every mode. */
import { createHash } from 'node:crypto';

export function ssecHeaders(customerKey: Buffer): Record<string, string> {
  return {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': customerKey.toString('base64'),
    'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(customerKey).digest('base64'),
  };
}

/** [mode, headers to write, headers to read] for none, SSE-S3, SSE-KMS under `kmsKeyId`, SSE-C. */
export function everySseMode(kmsKeyId: string, customerKey: Buffer): Array<[string, Record<string, string>, Record<string, string>]> {
  const ssec = ssecHeaders(customerKey);
  return [
    ['none', {}, {}],
    ['sse-s3', { 'x-amz-server-side-encryption': 'AES256' }, {}],
    ['sse-kms', { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyId }, {}],
    ['sse-c', ssec, ssec],
  ];
}
