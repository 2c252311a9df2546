/**
 * What a failed call means to a user, decided in one place: the server's error code refined into
 * the console's own codes where the server's is ambiguous (a missing or wrong customer key, SSE
 * over plain HTTP, a KMS key's state), and one message table turning any of them into a sentence.
 * Pure: no DOM, no network.
 */
import type { ApiResult } from './contract.js';

/** Codes the client sets in ApiResult.errorCode instead of the server's (kept in serverErrorCode). */
export type ConsoleErrorCode = 'CustomerKeyRequired' | 'CustomerKeyMismatch' | 'SseCBlocked' | 'HttpsRequired' | 'KmsKeyDisabled' | 'KmsKeyPendingDeletion' | 'KmsKeyNotFound';

/** fetch or XHR could not reach the server (connection refused, DNS, TLS, offline). */
export class NetworkError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The server could not be reached.', options);
    this.name = 'NetworkError';
  }
}

export interface FailureContext {
  /** The request carried a customer key (SSE-C read, or copy source). */
  sentCustomerKey: boolean;
}

/** KMS JSON error types and their S3 spellings, as one client code. */
const KMS_CODES: Record<string, string> = {
  'KMS.DisabledException': 'KmsKeyDisabled',
  DisabledException: 'KmsKeyDisabled',
  'KMS.NotFoundException': 'KmsKeyNotFound',
  // The KMS JSON protocol's authentication failures, named as the S3 ones so login reads the same.
  UnrecognizedClientException: 'InvalidAccessKeyId',
  InvalidSignatureException: 'SignatureDoesNotMatch',
  MissingAuthenticationTokenException: 'AccessDenied',
};

/**
 * The console's code for a server error. The wording tests follow AWS's own messages, which this
 * server uses too: "…The correct parameters must be provided…", "…must be made over a secure connection."
 */
export function refineErrorCode(code: string, message: string, context: FailureContext): string {
  if (code === 'InvalidRequest' && /secure connection/i.test(message)) return 'HttpsRequired';
  if (code === 'InvalidRequest' && /correct parameters must be provided/i.test(message)) return 'CustomerKeyRequired';
  // A bucket whose default encryption blocks SSE-C (BlockedEncryptionTypes) refuses a write with a customer key.
  if (code === 'AccessDenied' && /customer provided keys .*(blocked|not allowed)/i.test(message)) return 'SseCBlocked';
  if (code === 'AccessDenied' && context.sentCustomerKey && (message === '' || /customer key|does not match/i.test(message))) return 'CustomerKeyMismatch';
  if ((code === 'KMS.KMSInvalidStateException' || code === 'KMSInvalidStateException') && /(?<!not )pending deletion/i.test(message)) return 'KmsKeyPendingDeletion';
  return KMS_CODES[code] ?? code;
}

const CREDENTIALS_WRONG = 'The access key or secret key is wrong.';

/** One sentence per code. `{httpsConsoleUrl}` is filled in when known. */
export const ERROR_MESSAGES: Record<string, string> = {
  CustomerKeyRequired: 'This object is encrypted with a customer key (SSE-C). Enter its key to read it.',
  CustomerKeyMismatch: 'The customer key does not match the key this object was encrypted with.',
  SseCBlocked: 'This bucket blocks SSE-C: uploads and copies with a customer key are refused. Choose another encryption, or turn off “Block SSE-C uploads” in the bucket’s default encryption.',
  HttpsRequired: 'Encrypted uploads and downloads need the HTTPS console: {httpsConsoleUrl}',
  KmsKeyDisabled: 'The KMS key is disabled: enable it to encrypt or decrypt with it.',
  KmsKeyPendingDeletion: 'The KMS key is scheduled for deletion: cancel the deletion to use it again.',
  KmsKeyNotFound: 'The KMS key does not exist.',
  InvalidAccessKeyId: CREDENTIALS_WRONG,
  SignatureDoesNotMatch: CREDENTIALS_WRONG,
  AccessDenied: 'Access denied: this account may not do that.',
  RequestTimeTooSkewed: "This computer's clock is more than 15 minutes off the server's. Correct the clock and try again.",
  NoSuchBucket: 'The bucket does not exist (it may have been deleted).',
  NoSuchKey: 'The object does not exist (it may have been deleted or renamed).',
  BucketNotEmpty: 'The bucket is not empty: delete its objects first.',
  BucketAlreadyExists: 'That bucket name is taken. Choose another one.',
  BucketAlreadyOwnedByYou: 'You already have a bucket with that name.',
  InvalidBucketName: 'A bucket name is 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.',
  ServerSideEncryptionConfigurationNotFoundError: 'The bucket has no default encryption.',
  AlreadyExistsException: 'An alias with that name already exists.',
  NotFoundException: 'The KMS key or alias does not exist.',
  EntityTooLarge: 'The file is too large for this server.',
  ServiceUnavailable: 'The server cannot reach its storage right now. Try again in a moment.',
  InternalError: 'The server failed to complete the request. Try again; if it keeps failing, the server log has the details.',
  NetworkError: 'The server could not be reached. Check that it is running and that you are online, then try again.',
  AbortError: 'Cancelled.',
};

export interface DescribeHints {
  /** Where the console is served over HTTPS (config.json `httpsConsoleUrl`). */
  httpsConsoleUrl?: string;
}

function fill(template: string, hints: DescribeHints): string {
  if (!template.includes('{httpsConsoleUrl}')) return template;
  return hints.httpsConsoleUrl ? template.replace('{httpsConsoleUrl}', hints.httpsConsoleUrl) : template.replace(/: \{httpsConsoleUrl\}$/, '.');
}

/** A sentence a user understands, for a failed result or for what a call threw (network failure, cancel). */
export function describeError(failure: ApiResult<unknown> | Error, hints: DescribeHints = {}): string {
  if (failure instanceof Error) {
    const known = ERROR_MESSAGES[failure.name];
    return known ?? (failure.message || ERROR_MESSAGES['InternalError']!);
  }
  const code = failure.errorCode ?? '';
  const known = ERROR_MESSAGES[code];
  if (known !== undefined) return fill(known, hints);
  if (failure.errorMessage) return `The server refused the request: ${failure.errorMessage}${code ? ` (${code})` : ''}`;
  return `The server refused the request (HTTP ${failure.status}${code ? `, ${code}` : ''}).`;
}
