/**
 * AWS Signature Version 4 over node:crypto: the pure algorithm of sigv4-core.ts with Node's
 * SHA-256 and HMAC, plus the streaming chunk and trailer signatures. Shared by the server's
 * verifier and the SDK's signer; the browser console uses the same core over @noble/hashes.
 */
import { createHash, createHmac } from 'node:crypto';
import {
  cachedSigningKeyV4With,
  EMPTY_SHA256,
  presignV4With,
  signingKeyV4With,
  signV4With,
  stringToSignV4With,
  type PresignV4Input,
  type Sha256Primitives,
  type SignV4Input,
} from './sigv4-core.js';

export {
  amzDate,
  canonicalHeaderValue,
  canonicalQueryV4,
  canonicalRequest,
  canonicalUriFromDecoded,
  credentialScope,
  EMPTY_SHA256,
  SIGV4_ALGORITHM,
  UNSIGNED_PAYLOAD,
  type CanonicalRequestInput,
  type PresignV4Input,
  type SignV4Input,
} from './sigv4-core.js';

export const nodeSha256: Sha256Primitives = {
  sha256Hex: (text) => createHash('sha256').update(text, 'utf8').digest('hex'),
  hmacSha256: (key, text) => createHmac('sha256', key).update(text, 'utf8').digest(),
};

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function stringToSignV4(datetime: string, scope: string, canonicalRequestText: string): string {
  return stringToSignV4With(nodeSha256, datetime, scope, canonicalRequestText);
}

export function signingKeyV4(secret: string, date: string, region: string, service: string): Buffer {
  return asBuffer(signingKeyV4With(nodeSha256, secret, date, region, service));
}

/** signingKeyV4, derived once per secret, date, region and service (cachedSigningKeyV4With); the bytes must not be changed. */
export function cachedSigningKeyV4(secret: string, date: string, region: string, service: string): Buffer {
  return asBuffer(cachedSigningKeyV4With(nodeSha256, secret, date, region, service));
}

function asBuffer(key: Uint8Array): Buffer {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
}

export function signatureV4(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** String to sign of one aws-chunked chunk. */
export function chunkStringToSign(datetime: string, scope: string, previousSignature: string, chunkSha256Hex: string): string {
  return ['AWS4-HMAC-SHA256-PAYLOAD', datetime, scope, previousSignature, EMPTY_SHA256, chunkSha256Hex].join('\n');
}

/** String to sign of the trailing headers of an aws-chunked body. */
export function trailerStringToSign(datetime: string, scope: string, previousSignature: string, trailerSha256Hex: string): string {
  return ['AWS4-HMAC-SHA256-TRAILER', datetime, scope, previousSignature, trailerSha256Hex].join('\n');
}

/** Signs a request with an Authorization header; returns the headers to add. */
export function signV4(input: SignV4Input): Record<string, string> {
  return signV4With(nodeSha256, input);
}

/** A presigned query (X-Amz-*), to append to the URL. Signs only `host` plus the given headers. */
export function presignV4(input: PresignV4Input): Array<[string, string]> {
  return presignV4With(nodeSha256, input);
}

/** V4 POST policy signature: hex HMAC-SHA256 of the base64 policy under the signing key. */
export function postPolicySignatureV4(secret: string, date: string, region: string, base64Policy: string): string {
  return signatureV4(signingKeyV4(secret, date, region, 's3'), base64Policy);
}
