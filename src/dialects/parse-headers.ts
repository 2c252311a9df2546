/**
 * Parsing of the request headers that operations need, into typed values: SSE (STYLE.md §4: one
 * typed union chosen once per request, a copy source gets its own), object metadata,
 * conditionals, copy source, checksums. Everything untrusted is validated here and rejected with
 * the table's codes; nothing here logs or echoes a key.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import { fail } from '../errors/index.js';
import { parseHttpDate } from '../http/dates.js';
import type { ObjectMeta } from '../metadata/records.js';
import type { ChecksumInput, Conditionals, CopySource, ResponseOverrides } from '../operations/types.js';
import type { CustomerKey, SseRequest } from '../sse/types.js';
import { parseChecksumAlgorithm, type ChecksumAlgorithm } from '../http/checksums.js';
import type { Dialect } from './dialect.js';
import { headerValue, prefixed, queryValue, type WireRequest } from './wire.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isStrictBase64(value: string): boolean {
  return BASE64.test(value);
}

type OneShotHash = (algorithm: string, data: Buffer, outputEncoding: 'buffer') => Buffer;
const oneShotHash = (nodeCrypto as unknown as { hash?: OneShotHash }).hash;

/**
 * The MD5 of a customer key, checked against the one the client sent on every SSE-C request.
 * node:crypto's one-shot `hash` (Node 20.12 and later) makes no Hash object (a stream with a native
 * handle that the garbage collector finalizes); earlier Node 20 releases use createHash.
 */
const md5Of: (bytes: Buffer) => Buffer = oneShotHash ? (bytes) => oneShotHash('md5', bytes, 'buffer') : (bytes) => createHash('md5').update(bytes).digest();

const SSE_C_MESSAGES = {
  algorithm: 'The requested encryption algorithm is not valid. The valid value is AES256.',
  missingKey: 'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.',
  missingAlgorithm: 'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.',
  badKey: 'The secret key was invalid for the specified algorithm.',
  missingMd5: 'Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.',
  badMd5: 'The calculated MD5 hash of the key did not match the hash that was provided.',
} as const;

/**
 * Parses a customer key triple. `which` selects the plain headers or the copy-source ones.
 * Returns undefined when none of the three headers is present.
 */
export function parseCustomerKey(req: WireRequest, dialect: Dialect, which: 'target' | 'copy-source'): CustomerKey | undefined {
  const base = which === 'target' ? 'server-side-encryption-customer-' : 'copy-source-server-side-encryption-customer-';
  const algorithm = prefixed(req, dialect, base + 'algorithm');
  const keyB64 = prefixed(req, dialect, base + 'key');
  const md5B64 = prefixed(req, dialect, base + 'key-md5');
  if (algorithm === undefined && keyB64 === undefined && md5B64 === undefined) return undefined;
  const argumentName = dialect.prefix + base + 'algorithm';
  if (algorithm === undefined) throw fail('InvalidArgument', SSE_C_MESSAGES.missingAlgorithm, { argumentName, argumentValue: 'null' });
  if (algorithm !== 'AES256') throw fail('InvalidArgument', SSE_C_MESSAGES.algorithm, { argumentName, argumentValue: algorithm });
  // Key values are never echoed back (argumentValue omitted on purpose).
  if (keyB64 === undefined || keyB64 === '') throw fail('InvalidArgument', SSE_C_MESSAGES.missingKey, { argumentName: dialect.prefix + base + 'key' });
  const key = isStrictBase64(keyB64) ? Buffer.from(keyB64, 'base64') : undefined;
  if (key === undefined || key.length !== 32) throw fail('InvalidArgument', SSE_C_MESSAGES.badKey, { argumentName: dialect.prefix + base + 'key' });
  if (md5B64 === undefined || md5B64 === '') throw fail('InvalidArgument', SSE_C_MESSAGES.missingMd5, { argumentName: dialect.prefix + base + 'key-MD5' });
  const actual = md5Of(key);
  const sent = isStrictBase64(md5B64) ? Buffer.from(md5B64, 'base64') : Buffer.alloc(0);
  if (sent.length !== actual.length || !timingSafeEqual(sent, actual)) {
    key.fill(0);
    throw fail('InvalidArgument', SSE_C_MESSAGES.badMd5, { argumentName: dialect.prefix + base + 'key-MD5' });
  }
  return { key, keyMd5: actual.toString('base64') };
}

/** The value of the `server-side-encryption` mode header, normalised to 'kms' | 'AES256'. */
function parseModeHeader(req: WireRequest, dialect: Dialect): 'kms' | 'AES256' | undefined {
  const mode = prefixed(req, dialect, 'server-side-encryption');
  if (mode === undefined) return undefined;
  if (mode === 'AES256') return 'AES256';
  if (mode === 'aws:kms' || (dialect.name === 'obs' && mode === 'kms')) return 'kms';
  throw fail('InvalidArgument', 'The encryption method specified is not supported', {
    argumentName: dialect.prefix + 'server-side-encryption',
    argumentValue: mode,
  });
}

/**
 * The SSE mode a write asks for (PUT, POST form via fields mapped to headers, Copy target,
 * InitiateMultipart). Validates combinations.
 */
export function parseSseRequest(req: WireRequest, dialect: Dialect): SseRequest {
  const customer = parseCustomerKey(req, dialect, 'target');
  const mode = parseModeHeader(req, dialect);
  const keyId = dialect.name === 'obs'
    ? prefixed(req, dialect, 'server-side-encryption-kms-key-id') ?? headerValue(req.headers, 'x-amz-server-side-encryption-aws-kms-key-id')
    : headerValue(req.headers, 'x-amz-server-side-encryption-aws-kms-key-id');
  const context = headerValue(req.headers, dialect.prefix + 'server-side-encryption-context');
  const projectId = prefixed(req, dialect, 'sse-kms-key-project-id');
  const bucketKey = headerValue(req.headers, 'x-amz-server-side-encryption-bucket-key-enabled');
  if (customer) {
    if (mode !== undefined) {
      customer.key.fill(0);
      throw fail('InvalidArgument', 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified', {
        argumentName: dialect.prefix + 'server-side-encryption',
        argumentValue: mode,
      });
    }
    if (keyId !== undefined || context !== undefined) {
      customer.key.fill(0);
      throw fail('InvalidArgument', 'Server Side Encryption with Customer provided key is incompatible with a KMS key id', {
        argumentName: dialect.kmsKeyIdHeader,
      });
    }
    return { kind: 'sse-c', customer };
  }
  if (mode === 'kms') {
    if (context !== undefined) {
      const decoded = isStrictBase64(context) ? Buffer.from(context, 'base64').toString('utf8') : undefined;
      let ok = false;
      try {
        const parsed: unknown = decoded === undefined ? undefined : JSON.parse(decoded);
        ok = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string');
      } catch {
        ok = false;
      }
      if (!ok) throw fail('InvalidArgument', 'The encryption context must be base64-encoded JSON of string values.', { argumentName: dialect.prefix + 'server-side-encryption-context' });
    }
    return {
      kind: 'sse-kms',
      ...(keyId !== undefined && keyId !== '' ? { keyId } : {}),
      ...(context !== undefined ? { context } : {}),
      ...(projectId !== undefined ? { projectId } : {}),
      ...(bucketKey !== undefined ? { bucketKeyEnabled: bucketKey.toLowerCase() === 'true' } : {}),
    };
  }
  if (keyId !== undefined || context !== undefined) {
    throw fail('InvalidArgument', 'Specifying a KMS key id or encryption context requires the kms server-side encryption mode.', {
      argumentName: dialect.kmsKeyIdHeader,
    });
  }
  if (mode === 'AES256') return { kind: 'sse-s3' };
  return { kind: 'none' };
}

/** The name of any SSE *mode* header present (for operations where only the customer key may appear). */
export function sseModeHeaderPresent(req: WireRequest, dialect: Dialect): string | undefined {
  for (const suffix of ['server-side-encryption', 'server-side-encryption-kms-key-id', 'server-side-encryption-aws-kms-key-id', 'server-side-encryption-context']) {
    if (prefixed(req, dialect, suffix) !== undefined) return dialect.prefix + suffix;
  }
  return undefined;
}

const STANDARD_META: Array<[keyof ObjectMeta, string]> = [
  ['contentType', 'content-type'],
  ['contentEncoding', 'content-encoding'],
  ['contentDisposition', 'content-disposition'],
  ['contentLanguage', 'content-language'],
  ['cacheControl', 'cache-control'],
  ['expires', 'expires'],
];

/** User metadata limit (bytes of names + values), S3: 2 KB; OBS documents 8 KB. */
function metadataLimit(dialect: Dialect): number {
  return dialect.name === 'obs' ? 8 * 1024 : 2 * 1024;
}

/** Standard headers and user metadata to store with an object. */
export function parseObjectMeta(req: WireRequest, dialect: Dialect): ObjectMeta {
  const meta: ObjectMeta = { user: {} };
  for (const [field, name] of STANDARD_META) {
    const v = headerValue(req.headers, name);
    if (v !== undefined) (meta as unknown as Record<string, string>)[field] = v;
  }
  // aws-chunked is a transfer detail, not the object's content encoding.
  if (meta.contentEncoding !== undefined) {
    const rest = meta.contentEncoding.split(',').map((s) => s.trim()).filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked');
    if (rest.length === 0) delete meta.contentEncoding;
    else meta.contentEncoding = rest.join(',');
  }
  const redirect = prefixed(req, dialect, 'website-redirect-location');
  if (redirect !== undefined) meta.websiteRedirectLocation = redirect;
  let bytes = 0;
  const prefixes = dialect.acceptsOtherPrefix ? ['x-obs-meta-', 'x-amz-meta-'] : [dialect.prefix + 'meta-'];
  for (const [name, value] of Object.entries(req.headers)) {
    const p = prefixes.find((pre) => name.startsWith(pre));
    if (p === undefined || value === undefined) continue;
    const metaName = name.slice(p.length);
    const metaValue = (Array.isArray(value) ? value.join(',') : value).trim();
    if (metaName === '') continue;
    // Defined, not assigned: a name like `__proto__` is metadata, not the record's prototype.
    Object.defineProperty(meta.user, metaName, { value: metaValue, enumerable: true, writable: true, configurable: true });
    bytes += Buffer.byteLength(metaName) + Buffer.byteLength(metaValue);
  }
  if (bytes > metadataLimit(dialect)) throw fail('MetadataTooLarge', undefined, { extra: { MaxSizeAllowed: String(metadataLimit(dialect)) } });
  return meta;
}

function parseEtagList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => s.replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
}

/** If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since (or the copy-source ones). */
export function parseConditionals(req: WireRequest, dialect: Dialect, copySource: boolean): Conditionals {
  const get = (name: string): string | undefined =>
    copySource ? prefixed(req, dialect, 'copy-source-' + name) : headerValue(req.headers, name);
  const c: Conditionals = {};
  const ifMatch = parseEtagList(get('if-match'));
  const ifNoneMatch = parseEtagList(get('if-none-match'));
  const ims = parseHttpDate(get('if-modified-since'));
  const ius = parseHttpDate(get('if-unmodified-since'));
  if (ifMatch) c.ifMatch = ifMatch;
  if (ifNoneMatch) c.ifNoneMatch = ifNoneMatch;
  if (ims !== undefined) c.ifModifiedSince = ims;
  if (ius !== undefined) c.ifUnmodifiedSince = ius;
  return c;
}

/** `response-*` overrides (only honoured on signed requests, as S3 does; the caller checks). */
export function parseResponseOverrides(req: WireRequest): ResponseOverrides {
  const o: ResponseOverrides = {};
  const map: Array<[keyof ResponseOverrides, string]> = [
    ['contentType', 'response-content-type'],
    ['contentLanguage', 'response-content-language'],
    ['expires', 'response-expires'],
    ['cacheControl', 'response-cache-control'],
    ['contentDisposition', 'response-content-disposition'],
    ['contentEncoding', 'response-content-encoding'],
  ];
  for (const [field, name] of map) {
    const v = queryValue(req, name);
    if (v !== undefined) o[field] = v;
  }
  return o;
}

/**
 * The copy source: percent-decoded fully, leading slash optional, split at the first '/'.
 * A `?versionId=` suffix is taken from the raw value before decoding.
 */
export function parseCopySource(raw: string): CopySource {
  let value = raw.trim();
  let versionId: string | undefined;
  const q = value.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(value.slice(q + 1));
    versionId = params.get('versionId') ?? undefined;
    value = value.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw fail('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { argumentName: 'x-amz-copy-source', argumentValue: raw });
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw fail('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { argumentName: 'x-amz-copy-source', argumentValue: raw });
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), ...(versionId !== undefined ? { versionId } : {}) };
}

const CHECKSUM_ALGORITHMS: ChecksumAlgorithm[] = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'];

/** Checksums sent as headers, and the algorithm the client declared (header or trailer). */
export function parseChecksumInput(req: WireRequest): ChecksumInput {
  const expected: ChecksumInput['expected'] = {};
  for (const alg of CHECKSUM_ALGORITHMS) {
    const v = headerValue(req.headers, 'x-amz-checksum-' + alg);
    if (v === undefined) continue;
    if (!isStrictBase64(v)) throw fail('InvalidRequest', `Value for x-amz-checksum-${alg} header is invalid.`);
    expected[alg] = v;
  }
  if (Object.keys(expected).length > 1) throw fail('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const declared = headerValue(req.headers, 'x-amz-sdk-checksum-algorithm') ?? headerValue(req.headers, 'x-amz-checksum-algorithm');
  let algorithm: ChecksumAlgorithm | undefined;
  if (declared !== undefined) {
    algorithm = parseChecksumAlgorithm(declared);
    if (algorithm === undefined) throw fail('InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
  }
  const trailer = headerValue(req.headers, 'x-amz-trailer');
  if (trailer !== undefined) {
    const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(trailer.trim().toLowerCase());
    const alg = m ? parseChecksumAlgorithm(m[1] as string) : undefined;
    if (alg === undefined) throw fail('InvalidRequest', 'The value specified in the x-amz-trailer header is not supported');
    algorithm = alg;
  }
  return { expected, ...(algorithm !== undefined ? { algorithm } : {}) };
}

/** Content-MD5, validated as base64 of 16 bytes (InvalidDigest otherwise). */
export function parseContentMd5(req: WireRequest): string | undefined {
  const v = headerValue(req.headers, 'content-md5');
  if (v === undefined) return undefined;
  const trimmed = v.trim();
  if (!isStrictBase64(trimmed) || Buffer.from(trimmed, 'base64').length !== 16) throw fail('InvalidDigest');
  return trimmed;
}
