/**
 * SigV4 for the browser: the server's own pure algorithm (src/signing/sigv4-core.ts) over
 * @noble/hashes, because crypto.subtle is missing on plain-HTTP pages of other hosts and is
 * asynchronous. Signs host, x-amz-date, x-amz-content-sha256 (S3) and every x-amz-* header; never
 * returns a header a browser refuses to set (Host is signed, the browser sends it itself).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { presignV4With, signV4With, type Sha256Primitives } from '../../../src/signing/sigv4-core.js';
import { uriEncode } from '../../../src/signing/encoding.js';
import { utf8 } from './bytes.js';

export { EMPTY_SHA256, UNSIGNED_PAYLOAD } from '../../../src/signing/sigv4-core.js';

export const nobleSha256: Sha256Primitives = {
  sha256Hex: (text) => bytesToHex(sha256(utf8.encode(text))),
  hmacSha256: (key, text) => hmac(sha256, key, utf8.encode(text)),
};

export interface SigningCredentials {
  accessKey: string;
  secretKey: string;
  region: string;
}

export interface RequestToSign {
  method: string;
  /** Scheme, host and port of the server (`location.origin`). */
  endpoint: URL;
  /** As sent: strictly encoded (encodePath). */
  path: string;
  query: Array<[string, string]>;
  /** Lower-case names. x-amz-* are signed; the others (content-type, range) are sent unsigned. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD (uploads). */
  payloadHash: string;
  service: 's3' | 'kms';
}

/**
 * A path for bucket and object name, each strictly encoded ('/' kept inside object names). Names
 * with '.' or '..' segments are refused: URL parsing in fetch and XHR would remove them (even
 * percent-encoded), so such an object cannot be addressed from a browser.
 */
export function encodePath(bucket?: string, key?: string): string {
  if (bucket === undefined) return '/';
  if (key !== undefined && key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new Error(`The object name "${key}" has a "." or ".." segment, which a browser cannot send.`);
  }
  return key === undefined ? `/${uriEncode(bucket)}` : `/${uriEncode(bucket)}/${uriEncode(key, false)}`;
}

/** The query as sent: strictly encoded, in the given order (the signature sorts its own copy). */
export function encodeQuery(query: Array<[string, string]>): string {
  return query.map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`).join('&');
}

export function sha256Hex(text: string): string {
  return nobleSha256.sha256Hex(text);
}

function signedPart(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('x-amz-')));
}

/** The headers to send: the request's own plus x-amz-date, x-amz-content-sha256 (S3) and authorization. */
export function signRequest(request: RequestToSign, credentials: SigningCredentials, nowMs: number): Record<string, string> {
  const signed = signV4With(nobleSha256, {
    method: request.method,
    canonicalUri: request.path,
    query: request.query,
    headers: { host: request.endpoint.host, ...signedPart(request.headers) },
    payloadHash: request.payloadHash,
    accessKeyId: credentials.accessKey,
    secretAccessKey: credentials.secretKey,
    region: credentials.region,
    service: request.service,
    nowMs,
  });
  return { ...request.headers, ...signed };
}

/** A SigV4 presigned URL (query authentication, host signed). */
export function presignUrl(request: Omit<RequestToSign, 'headers' | 'payloadHash' | 'service'>, credentials: SigningCredentials, nowMs: number, expiresSeconds: number): string {
  const query = presignV4With(nobleSha256, {
    method: request.method,
    canonicalUri: request.path,
    query: request.query,
    headers: { host: request.endpoint.host },
    accessKeyId: credentials.accessKey,
    secretAccessKey: credentials.secretKey,
    region: credentials.region,
    service: 's3',
    nowMs,
    expiresSeconds,
  });
  return `${request.endpoint.origin}${request.path}?${encodeQuery(query)}`;
}
