/**
 * Server-side encryption as S3 headers: the request headers of a write (SseChoice), of an SSE-C
 * read or copy source (CustomerKey), and the encryption badge read back from response headers.
 * Pure.
 */
import type { CustomerKey, EncryptionBadge, SseChoice } from './contract.js';

const SSE = 'x-amz-server-side-encryption';

/** SSE-C headers for the object addressed (`target`) or for the source of a copy. */
export function customerKeyHeaders(key: CustomerKey, role: 'target' | 'copy-source' = 'target'): Record<string, string> {
  const prefix = role === 'copy-source' ? 'x-amz-copy-source-server-side-encryption' : SSE;
  return {
    [`${prefix}-customer-algorithm`]: 'AES256',
    [`${prefix}-customer-key`]: key.keyBase64,
    [`${prefix}-customer-key-md5`]: key.keyMd5Base64,
  };
}

/** Headers of a write (PutObject, CreateMultipartUpload, CopyObject target). 'default' sends none. */
export function writeHeaders(sse: SseChoice): Record<string, string> {
  switch (sse.mode) {
    case 'default':
      return {};
    case 'sse-s3':
      return { [SSE]: 'AES256' };
    case 'sse-kms':
      return { [SSE]: 'aws:kms', ...(sse.keyId ? { [`${SSE}-aws-kms-key-id`]: sse.keyId } : {}) };
    case 'sse-c':
      return customerKeyHeaders(sse.key);
  }
}

/** Headers every UploadPart of an upload needs: the customer key again for SSE-C, nothing otherwise. */
export function partHeaders(sse: SseChoice): Record<string, string> {
  return sse.mode === 'sse-c' ? customerKeyHeaders(sse.key) : {};
}

/** The encryption an object answered with (HEAD, GET, or an error's headers when the server sends them). */
export function badgeOf(header: Record<string, string>): EncryptionBadge {
  if (header[`${SSE}-customer-algorithm`] !== undefined) return { mode: 'sse-c', keyMd5Base64: header[`${SSE}-customer-key-md5`] ?? '' };
  const algorithm = header[SSE];
  if (algorithm === 'aws:kms' || algorithm === 'kms') return { mode: 'sse-kms', keyId: header[`${SSE}-aws-kms-key-id`] ?? '' };
  if (algorithm === 'AES256') return { mode: 'sse-s3' };
  return { mode: 'none' };
}
