/**
 * AWS Signature Version 4: canonical request, string to sign, signing key, header and presigned
 * forms, and the streaming chunk and trailer signatures. Pure functions of their inputs; shared by
 * the server's verifier and the SDK's signer.
 */
import { createHash, createHmac } from 'node:crypto';
import { uriEncode } from './encoding.js';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Trims and collapses inner runs of spaces, as SigV4 canonical header values require. */
export function canonicalHeaderValue(value: string | string[]): string {
  const v = Array.isArray(value) ? value.map((x) => x.trim()).join(',') : value;
  return v.trim().replace(/ +/g, ' ');
}

/** Canonical URI of a decoded path: each segment strictly encoded, slashes kept. */
export function canonicalUriFromDecoded(decodedPath: string): string {
  return uriEncode(decodedPath, false);
}

/** Canonical query string from decoded pairs: encoded, sorted by name then value. */
export function canonicalQueryV4(pairs: Array<[string, string]>): string {
  return pairs
    .map(([n, v]) => [uriEncode(n), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

export interface CanonicalRequestInput {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  /** Lower-case header name → value(s). */
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  const headerLines = input.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(input.headers[name] ?? '')}\n`).join('');
  return [input.method, input.canonicalUri, input.canonicalQuery, headerLines, input.signedHeaders.join(';'), input.payloadHash].join('\n');
}

export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

export function stringToSignV4(datetime: string, scope: string, canonicalRequestText: string): string {
  return [SIGV4_ALGORITHM, datetime, scope, sha256Hex(canonicalRequestText)].join('\n');
}

export function signingKeyV4(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), 'aws4_request');
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

/** `YYYYMMDDTHHMMSSZ` for a time. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export interface SignV4Input {
  method: string;
  /** Path as it will be sent (already encoded). */
  canonicalUri: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  payloadHash: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
  nowMs: number;
}

/** Signs a request with an Authorization header; returns the headers to add. */
export function signV4(input: SignV4Input): Record<string, string> {
  const datetime = amzDate(input.nowMs);
  const date = datetime.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers['x-amz-date'] = datetime;
  if (input.service === 's3') headers['x-amz-content-sha256'] = input.payloadHash;
  const signedHeaders = Object.keys(headers).sort();
  const scope = credentialScope(date, input.region, input.service);
  const creq = canonicalRequest({ method: input.method, canonicalUri: input.canonicalUri, canonicalQuery: canonicalQueryV4(input.query), headers, signedHeaders, payloadHash: input.payloadHash });
  const signature = signatureV4(signingKeyV4(input.secretAccessKey, date, input.region, input.service), stringToSignV4(datetime, scope, creq));
  return {
    'x-amz-date': datetime,
    ...(input.service === 's3' ? { 'x-amz-content-sha256': input.payloadHash } : {}),
    authorization: `${SIGV4_ALGORITHM} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  };
}

/** A presigned query (X-Amz-*), to append to the URL. Signs only `host` plus the given headers. */
export function presignV4(input: Omit<SignV4Input, 'payloadHash'> & { expiresSeconds: number }): Array<[string, string]> {
  const datetime = amzDate(input.nowMs);
  const date = datetime.slice(0, 8);
  const scope = credentialScope(date, input.region, input.service);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  const signedHeaders = Object.keys(headers).sort();
  const query: Array<[string, string]> = [
    ...input.query,
    ['X-Amz-Algorithm', SIGV4_ALGORITHM],
    ['X-Amz-Credential', `${input.accessKeyId}/${scope}`],
    ['X-Amz-Date', datetime],
    ['X-Amz-Expires', String(input.expiresSeconds)],
    ['X-Amz-SignedHeaders', signedHeaders.join(';')],
  ];
  const creq = canonicalRequest({ method: input.method, canonicalUri: input.canonicalUri, canonicalQuery: canonicalQueryV4(query), headers, signedHeaders, payloadHash: UNSIGNED_PAYLOAD });
  const signature = signatureV4(signingKeyV4(input.secretAccessKey, date, input.region, input.service), stringToSignV4(datetime, scope, creq));
  return [...query, ['X-Amz-Signature', signature]];
}

/** V4 POST policy signature: hex HMAC-SHA256 of the base64 policy under the signing key. */
export function postPolicySignatureV4(secret: string, date: string, region: string, base64Policy: string): string {
  return signatureV4(signingKeyV4(secret, date, region, 's3'), base64Policy);
}
