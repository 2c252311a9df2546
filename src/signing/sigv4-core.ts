/**
 * AWS Signature Version 4 as pure string functions, with SHA-256 and HMAC-SHA256 passed in: the
 * canonical request, string to sign, signing key and the header and presigned forms. No Node
 * API (no Buffer, no node:crypto), so the server (sigv4.ts, node:crypto) and the browser console
 * (console/src/api, @noble/hashes) sign with the same code.
 */
import { uriEncode } from './encoding.js';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** SHA-256 of the empty string, hex. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The two primitives SigV4 needs; implemented over node:crypto on the server, @noble/hashes in the browser. */
export interface Sha256Primitives {
  /** SHA-256 of UTF-8 text, lower-case hex. */
  sha256Hex(text: string): string;
  /** HMAC-SHA256 of UTF-8 text under a raw key. */
  hmacSha256(key: Uint8Array, text: string): Uint8Array;
}

const utf8 = new TextEncoder();

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
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

export function stringToSignV4With(primitives: Sha256Primitives, datetime: string, scope: string, canonicalRequestText: string): string {
  return [SIGV4_ALGORITHM, datetime, scope, primitives.sha256Hex(canonicalRequestText)].join('\n');
}

export function signingKeyV4With(primitives: Sha256Primitives, secret: string, date: string, region: string, service: string): Uint8Array {
  const step = (key: Uint8Array, text: string): Uint8Array => primitives.hmacSha256(key, text);
  return step(step(step(step(utf8.encode('AWS4' + secret), date), region), service), 'aws4_request');
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
  /** Headers to sign (host included); names in any case. */
  headers: Record<string, string>;
  payloadHash: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
  nowMs: number;
}

function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

/**
 * Signing keys already derived (four HMACs each), per implementation of the primitives. A signer
 * signs many requests, and a verifier checks many, on one day for one secret, region and service:
 * each derives the key once, as the AWS SDKs do. A changed secret is another entry, so it never
 * meets an old key. Cleared when full.
 */
const signingKeys = new WeakMap<Sha256Primitives, Map<string, Uint8Array>>();
const SIGNING_KEYS_MAX = 256;

/** signingKeyV4With, derived once per secret, date, region and service. The caller must not change the bytes. */
export function cachedSigningKeyV4With(primitives: Sha256Primitives, secret: string, date: string, region: string, service: string): Uint8Array {
  let cache = signingKeys.get(primitives);
  if (cache === undefined) signingKeys.set(primitives, (cache = new Map()));
  const id = `${date}\n${region}\n${service}\n${secret}`;
  let key = cache.get(id);
  if (key === undefined) {
    key = signingKeyV4With(primitives, secret, date, region, service);
    if (cache.size >= SIGNING_KEYS_MAX) cache.clear();
    cache.set(id, key);
  }
  return key;
}

/** Hex signature of a canonical request under the request's signing key. */
function signCanonical(primitives: Sha256Primitives, input: Omit<SignV4Input, 'payloadHash'>, datetime: string, scope: string, creq: string): string {
  const key = cachedSigningKeyV4With(primitives, input.secretAccessKey, datetime.slice(0, 8), input.region, input.service);
  return toHex(primitives.hmacSha256(key, stringToSignV4With(primitives, datetime, scope, creq)));
}

/** Signs a request with an Authorization header; returns the headers to add (x-amz-date, x-amz-content-sha256 for s3, authorization). */
export function signV4With(primitives: Sha256Primitives, input: SignV4Input): Record<string, string> {
  const datetime = amzDate(input.nowMs);
  const headers = lowerCaseNames(input.headers);
  headers['x-amz-date'] = datetime;
  if (input.service === 's3') headers['x-amz-content-sha256'] = input.payloadHash;
  const signedHeaders = Object.keys(headers).sort();
  const scope = credentialScope(datetime.slice(0, 8), input.region, input.service);
  const creq = canonicalRequest({ method: input.method, canonicalUri: input.canonicalUri, canonicalQuery: canonicalQueryV4(input.query), headers, signedHeaders, payloadHash: input.payloadHash });
  const signature = signCanonical(primitives, input, datetime, scope, creq);
  return {
    'x-amz-date': datetime,
    ...(input.service === 's3' ? { 'x-amz-content-sha256': input.payloadHash } : {}),
    authorization: `${SIGV4_ALGORITHM} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  };
}

export type PresignV4Input = Omit<SignV4Input, 'payloadHash'> & { expiresSeconds: number };

/** A presigned query (X-Amz-*), to append to the URL. Signs only the given headers (host at least). */
export function presignV4With(primitives: Sha256Primitives, input: PresignV4Input): Array<[string, string]> {
  const datetime = amzDate(input.nowMs);
  const scope = credentialScope(datetime.slice(0, 8), input.region, input.service);
  const headers = lowerCaseNames(input.headers);
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
  return [...query, ['X-Amz-Signature', signCanonical(primitives, input, datetime, scope, creq)]];
}
