/**
 * Server-side verification of every authentication scheme: OBS and AWS V2 header and query
 * signatures, SigV4 header and presigned. Throws table errors; compares signatures in constant
 * time; never puts a string-to-sign or a secret in an error.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { fail } from '../../errors/index.js';
import { parseHttpDate } from '../../http/dates.js';
import {
  canonicalQueryV4,
  canonicalRequest,
  canonicalResourceV2,
  canonicalUriFromDecoded,
  cachedSigningKeyV4,
  credentialScope,
  signatureV4,
  signV2,
  splitQuery,
  stringToSignV2,
  stringToSignV4,
  tryDecode,
  UNSIGNED_PAYLOAD,
  type SignaturePrefix,
} from '../../signing/index.js';

export interface AuthRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  virtualBucket?: string;
}

export type SecretLookup = (accessKeyId: string) => string | undefined;

export type PayloadMode =
  | { kind: 'none' }
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hex: string }
  | { kind: 'streaming-signed'; trailer: boolean; seedSignature: string; signingKey: Buffer; datetime: string; scope: string }
  | { kind: 'streaming-unsigned'; trailer: true };

export interface AuthResult {
  accessKeyId?: string;
  scheme: 'anonymous' | 'v4-header' | 'v4-query' | 'v2-header' | 'v2-query' | 'obs-header' | 'obs-query';
  dialect?: 'obs' | 's3';
  payload: PayloadMode;
  region?: string;
  service?: string;
}

/** Allowed clock skew for header authentication (S3: 15 minutes). */
export const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 604_800;

/**
 * The request's headers as signers see them: a header sent more than once is a list (joined with
 * "," when canonicalized), not Node's ", "-joined string. When no name repeats (the raw list has
 * one entry per parsed header), that is Node's own header object, read only: building the view
 * from `headersDistinct` was ~1.5 % of a 4 KiB request.
 */
export function signedHeaderView(req: { headersDistinct: NodeJS.Dict<string[]>; headers?: IncomingHttpHeaders; rawHeaders?: string[] }): IncomingHttpHeaders {
  if (req.headers !== undefined && req.rawHeaders !== undefined && req.rawHeaders.length === 2 * Object.keys(req.headers).length) return req.headers;
  const view: IncomingHttpHeaders = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) if (values) view[name] = values.length === 1 ? values[0] : values;
  return view;
}

/** SigV4 covers every x-amz-* header sent; one outside the signature could have been added by anyone. */
function requireSignedAmzHeaders(headers: IncomingHttpHeaders, signedHeaders: string[], exempt: string[] = []): void {
  const unsigned = Object.keys(headers).filter((n) => n.startsWith('x-amz-') && !signedHeaders.includes(n) && !exempt.includes(n));
  if (unsigned.length > 0) throw fail('AccessDenied', 'There were headers present in the request which were not signed', { extra: { HeadersNotSigned: unsigned.sort().join(', ') } });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Constant-time comparison of two signature strings. */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

function secretFor(lookup: SecretLookup, accessKeyId: string): string {
  const secret = accessKeyId === '' ? undefined : lookup(accessKeyId);
  if (secret === undefined) throw fail('InvalidAccessKeyId', undefined, { extra: { AWSAccessKeyId: accessKeyId.slice(0, 128) } });
  return secret;
}

/** The path forms a client may have signed: as sent, then re-encoded strictly from its decoded form. */
function pathCandidates(rawPath: string): string[] {
  const decoded = tryDecode(rawPath);
  if (decoded === undefined) return [rawPath];
  const strict = canonicalUriFromDecoded(decoded);
  return strict === rawPath ? [rawPath] : [rawPath, strict];
}

function parseAmzDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(ms) ? ms : undefined;
}

function parseAnyDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return parseAmzDate(value) ?? parseHttpDate(value);
}

export interface AuthOptions {
  /** SHA-256 (hex) of a body already read, for services that do not send x-amz-content-sha256 (KMS). */
  bodySha256?: string;
}

export function authenticate(req: AuthRequest, lookup: SecretLookup, nowMs: number, options: AuthOptions = {}): AuthResult {
  const authorization = header(req.headers, 'authorization');
  const query = splitQuery(req.rawQuery);
  if (query === undefined) throw fail('InvalidArgument', 'The query string is not valid percent-encoded UTF-8.');
  const names = new Set(query.map(([n]) => n));
  if (authorization !== undefined && authorization !== '') {
    if (authorization.startsWith('AWS4-HMAC-SHA256 ')) return verifyV4Header(req, query, authorization, lookup, nowMs, options);
    if (authorization.startsWith('OBS ')) return verifyV2Header(req, query, authorization.slice(4), 'x-obs-', lookup, nowMs);
    if (authorization.startsWith('AWS ')) return verifyV2Header(req, query, authorization.slice(4), 'x-amz-', lookup, nowMs);
    throw fail('AccessDenied', 'Unsupported Authorization Type');
  }
  if (names.has('X-Amz-Algorithm') || names.has('X-Amz-Signature')) return verifyV4Query(req, query, lookup, nowMs);
  if (names.has('AWSAccessKeyId')) return verifyV2Query(req, query, 'AWSAccessKeyId', 'x-amz-', lookup, nowMs);
  if (names.has('AccessKeyId')) return verifyV2Query(req, query, 'AccessKeyId', 'x-obs-', lookup, nowMs);
  return { scheme: 'anonymous', payload: { kind: 'none' } };
}

function resourcePaths(req: AuthRequest): string[] {
  return pathCandidates(req.rawPath).map((p) => (req.virtualBucket !== undefined ? `/${req.virtualBucket}${p}` : p));
}

function verifyV2Header(req: AuthRequest, query: Array<[string, string]>, credentials: string, prefix: SignaturePrefix, lookup: SecretLookup, nowMs: number): AuthResult {
  const colon = credentials.lastIndexOf(':');
  if (colon <= 0) throw fail('AccessDenied', 'The Authorization header is malformed.');
  const accessKeyId = credentials.slice(0, colon).trim();
  const signature = credentials.slice(colon + 1).trim();
  const secret = secretFor(lookup, accessKeyId);
  const prefixedDate = header(req.headers, prefix + 'date');
  const date = header(req.headers, 'date');
  const when = parseAnyDate(prefixedDate ?? date);
  if (when === undefined) throw fail('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  if (Math.abs(nowMs - when) > MAX_SKEW_MS) throw fail('RequestTimeTooSkewed', undefined, { extra: { RequestTime: prefixedDate ?? date ?? '', ServerTime: new Date(nowMs).toISOString(), MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS) } });
  verifyV2Signature(req, secret, signature, { accessKeyId, prefix, dateOrExpires: prefixedDate !== undefined ? '' : (date ?? ''), query, queryAuth: false });
  return { accessKeyId, scheme: prefix === 'x-obs-' ? 'obs-header' : 'v2-header', dialect: prefix === 'x-obs-' ? 'obs' : 's3', payload: { kind: 'none' } };
}

/** Checks a V2/OBS signature under every accepted reading of the path; SignatureDoesNotMatch if none. */
function verifyV2Signature(
  req: AuthRequest,
  secret: string,
  signature: string,
  signed: { accessKeyId: string; prefix: SignaturePrefix; dateOrExpires: string; query: Array<[string, string]>; queryAuth: boolean },
): void {
  const matched = resourcePaths(req).some((path) => {
    const sts = stringToSignV2({
      method: req.method,
      contentMd5: header(req.headers, 'content-md5') ?? '',
      contentType: header(req.headers, 'content-type') ?? '',
      dateOrExpires: signed.dateOrExpires,
      headers: req.headers,
      prefix: signed.prefix,
      resource: canonicalResourceV2(path, signed.query, signed.prefix, signed.queryAuth),
    });
    return sameSignature(signV2(secret, sts), signature);
  });
  if (!matched) throw fail('SignatureDoesNotMatch', undefined, { extra: { AWSAccessKeyId: signed.accessKeyId } });
}

function verifyV2Query(req: AuthRequest, query: Array<[string, string]>, keyParam: string, prefix: SignaturePrefix, lookup: SecretLookup, nowMs: number): AuthResult {
  const get = (n: string): string | undefined => query.find(([k]) => k === n)?.[1];
  const accessKeyId = get(keyParam) ?? '';
  const expires = get('Expires');
  const signature = get('Signature');
  if (expires === undefined || signature === undefined || !/^\d{1,12}$/.test(expires)) {
    throw fail('AccessDenied', 'Query-string authentication requires the Signature, Expires and AccessKeyId parameters');
  }
  const secret = secretFor(lookup, accessKeyId);
  if (nowMs > Number(expires) * 1000) throw fail('AccessDenied', 'Request has expired', { extra: { Expires: new Date(Number(expires) * 1000).toISOString(), ServerTime: new Date(nowMs).toISOString() } });
  const rest = query.filter(([k]) => k !== keyParam && k !== 'Expires' && k !== 'Signature');
  verifyV2Signature(req, secret, signature, { accessKeyId, prefix, dateOrExpires: expires, query: rest, queryAuth: true });
  return { accessKeyId, scheme: prefix === 'x-obs-' ? 'obs-query' : 'v2-query', dialect: prefix === 'x-obs-' ? 'obs' : 's3', payload: { kind: 'none' } };
}

interface V4Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(value: string, code: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): V4Credential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]!) || parts[0] === '' || parts[2] === '' || parts[3] === '') {
    throw fail(code, 'The Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  }
  return { accessKeyId: parts[0]!, date: parts[1]!, region: parts[2]!, service: parts[3]! };
}

function parseSignedHeaders(value: string, code: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): string[] {
  const list = value.split(';');
  // One pass for the usual list: lower-case names in strictly increasing order (so sorted, no repeats).
  let ordered = true;
  for (let i = 0; i < list.length; i++) {
    const h = list[i]!;
    if (h === '' || h !== h.toLowerCase()) throw fail(code, 'SignedHeaders is malformed.');
    if (i > 0 && !(list[i - 1]! < h)) ordered = false;
  }
  if (!ordered) {
    if (new Set(list).size !== list.length) throw fail(code, 'SignedHeaders is malformed.');
    throw fail(code, 'SignedHeaders must be sorted.');
  }
  if (!list.includes('host')) throw fail(code, 'The host header must be signed.');
  return list;
}

function v4Matches(req: AuthRequest, canonicalQuery: string, signedHeaders: string[], payloadHash: string, signingKey: Buffer, datetime: string, scope: string, signature: string): boolean {
  return pathCandidates(req.rawPath).some((uri) => {
    const creq = canonicalRequest({ method: req.method, canonicalUri: uri, canonicalQuery, headers: req.headers, signedHeaders, payloadHash });
    return sameSignature(signatureV4(signingKey, stringToSignV4(datetime, scope, creq)), signature);
  });
}

function verifyV4Header(req: AuthRequest, query: Array<[string, string]>, authorization: string, lookup: SecretLookup, nowMs: number, options: AuthOptions): AuthResult {
  const fields = new Map<string, string>();
  for (const part of authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw fail('AuthorizationHeaderMalformed', 'The authorization header is malformed.');
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credentialText = fields.get('Credential');
  const signedHeadersText = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credentialText === undefined || signedHeadersText === undefined || signature === undefined || !/^[0-9a-f]{64}$/.test(signature)) {
    throw fail('AuthorizationHeaderMalformed', 'The authorization header is malformed; it must contain Credential, SignedHeaders and Signature.');
  }
  const credential = parseCredential(credentialText, 'AuthorizationHeaderMalformed');
  const signedHeaders = parseSignedHeaders(signedHeadersText, 'AuthorizationHeaderMalformed');
  const secret = secretFor(lookup, credential.accessKeyId);
  const datetime = header(req.headers, 'x-amz-date');
  const when = datetime !== undefined ? parseAmzDate(datetime) : parseAnyDate(header(req.headers, 'date'));
  if (when === undefined) throw fail('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const signedDatetime = datetime ?? new Date(when).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  if (signedDatetime.slice(0, 8) !== credential.date) throw fail('AuthorizationHeaderMalformed', 'The credential date does not match the request date.');
  if (Math.abs(nowMs - when) > MAX_SKEW_MS) throw fail('RequestTimeTooSkewed', undefined, { extra: { RequestTime: datetime ?? '', ServerTime: new Date(nowMs).toISOString(), MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS) } });
  let payloadHash = header(req.headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    if (options.bodySha256 !== undefined) payloadHash = options.bodySha256;
    else if (credential.service === 's3') throw fail('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    else payloadHash = '';
  }
  const scope = credentialScope(credential.date, credential.region, credential.service);
  const signingKey = cachedSigningKeyV4(secret, credential.date, credential.region, credential.service);
  const canonicalQuery = canonicalQueryV4(query);
  if (!v4Matches(req, canonicalQuery, signedHeaders, payloadHash, signingKey, signedDatetime, scope, signature)) {
    throw fail('SignatureDoesNotMatch', undefined, { extra: { AWSAccessKeyId: credential.accessKeyId } });
  }
  requireSignedAmzHeaders(req.headers, signedHeaders);
  let payload: PayloadMode;
  switch (payloadHash) {
    case UNSIGNED_PAYLOAD:
      payload = { kind: 'unsigned' };
      break;
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      payload = { kind: 'streaming-signed', trailer: payloadHash.endsWith('TRAILER'), seedSignature: signature, signingKey, datetime: signedDatetime, scope };
      break;
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      payload = { kind: 'streaming-unsigned', trailer: true };
      break;
    case '':
      payload = { kind: 'none' };
      break;
    case options.bodySha256:
      payload = { kind: 'none' };
      break;
    default:
      if (!/^[0-9a-f]{64}$/.test(payloadHash)) throw fail('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a hex SHA-256.', { argumentName: 'x-amz-content-sha256' });
      payload = { kind: 'sha256', hex: payloadHash };
  }
  return { accessKeyId: credential.accessKeyId, scheme: 'v4-header', dialect: 's3', payload, region: credential.region, service: credential.service };
}

function verifyV4Query(req: AuthRequest, query: Array<[string, string]>, lookup: SecretLookup, nowMs: number): AuthResult {
  const get = (n: string): string | undefined => query.find(([k]) => k === n)?.[1];
  const algorithm = get('X-Amz-Algorithm');
  const credentialText = get('X-Amz-Credential');
  const datetime = get('X-Amz-Date');
  const expiresText = get('X-Amz-Expires');
  const signedHeadersText = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (algorithm !== 'AWS4-HMAC-SHA256' || credentialText === undefined || datetime === undefined || signedHeadersText === undefined || signature === undefined || !/^[0-9a-f]{64}$/.test(signature)) {
    throw fail('AuthorizationQueryParametersError', 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  const credential = parseCredential(credentialText, 'AuthorizationQueryParametersError');
  const signedHeaders = parseSignedHeaders(signedHeadersText, 'AuthorizationQueryParametersError');
  const when = parseAmzDate(datetime);
  if (when === undefined || datetime.slice(0, 8) !== credential.date) throw fail('AuthorizationQueryParametersError', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'" and match the credential date.');
  const expires = expiresText === undefined ? MAX_PRESIGN_SECONDS : Number(expiresText);
  if (!Number.isInteger(expires) || expires < 0 || expires > MAX_PRESIGN_SECONDS) throw fail('AuthorizationQueryParametersError', 'X-Amz-Expires must be between 0 and 604800 seconds.');
  const secret = secretFor(lookup, credential.accessKeyId);
  if (when - nowMs > MAX_SKEW_MS) throw fail('AccessDenied', 'Request is not valid yet');
  if (nowMs > when + expires * 1000) throw fail('AccessDenied', 'Request has expired', { extra: { 'X-Amz-Expires': String(expires), ServerTime: new Date(nowMs).toISOString() } });
  const payloadHash = get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
  const scope = credentialScope(credential.date, credential.region, credential.service);
  const signingKey = cachedSigningKeyV4(secret, credential.date, credential.region, credential.service);
  const canonicalQuery = canonicalQueryV4(query.filter(([k]) => k !== 'X-Amz-Signature'));
  if (!v4Matches(req, canonicalQuery, signedHeaders, payloadHash, signingKey, datetime, scope, signature)) {
    throw fail('SignatureDoesNotMatch', undefined, { extra: { AWSAccessKeyId: credential.accessKeyId } });
  }
  requireSignedAmzHeaders(req.headers, signedHeaders, ['x-amz-content-sha256']);
  return {
    accessKeyId: credential.accessKeyId,
    scheme: 'v4-query',
    dialect: 's3',
    payload: payloadHash === UNSIGNED_PAYLOAD ? { kind: 'unsigned' } : /^[0-9a-f]{64}$/.test(payloadHash) ? { kind: 'sha256', hex: payloadHash } : { kind: 'unsigned' },
    region: credential.region,
    service: credential.service,
  };
}
