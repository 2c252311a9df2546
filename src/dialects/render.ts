/**
 * Renders typed results and table errors in a dialect: header names, value spellings, XML
 * namespace, error bodies (and error headers for bodiless HEAD answers), request id headers.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { errorTable } from '../errors/index.js';
import type { ObscuraError } from '../errors/index.js';
import { httpDate } from '../http/dates.js';
import { el, escapeXml, renderXml, type XmlNode } from '../http/xml.js';
import type { ResultHeaders } from '../operations/types.js';
import type { SseReport } from '../sse/types.js';
import type { Dialect } from './dialect.js';

export interface KeyIdRenderer {
  /** The KMS key id as the dialect answers it (OBS `region:domainId:key/uuid`, S3 ARN). */
  (dialect: Dialect, keyId: string): string;
}

/** Every answer's first headers; literals with constant names (computed names cost a runtime call each). */
export function requestIdHeaders(dialect: Dialect, requestId: string, hostId: string): OutgoingHttpHeaders {
  return dialect.prefix === 'x-amz-' ? { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId } : { 'x-obs-request-id': requestId, 'x-obs-id-2': hostId };
}

/** Header values must be latin1 without control characters; anything else is percent-encoded. */
function safeHeaderValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\u0020-\u007e\u0080-\u00ff\t]*$/.test(value) ? value : encodeURIComponent(value);
}

export function renderSseHeaders(dialect: Dialect, sse: SseReport | undefined, renderKeyId: KeyIdRenderer, out: OutgoingHttpHeaders): void {
  if (!sse) return;
  const p = dialect.prefix;
  switch (sse.mode) {
    case 'sse-s3':
      out[p + 'server-side-encryption'] = 'AES256';
      break;
    case 'sse-kms':
      out[p + 'server-side-encryption'] = dialect.kmsAlgorithm;
      if (sse.kmsKeyId !== undefined) out[dialect.kmsKeyIdHeader] = renderKeyId(dialect, sse.kmsKeyId);
      if (sse.kmsContext !== undefined && dialect.name === 's3') out['x-amz-server-side-encryption-context'] = sse.kmsContext;
      break;
    case 'sse-c':
      out[p + 'server-side-encryption-customer-algorithm'] = 'AES256';
      if (sse.customerKeyMd5 !== undefined) out[p + 'server-side-encryption-customer-key-md5'] = sse.customerKeyMd5;
      break;
    case 'none':
      break;
  }
}

export function renderResultHeaders(dialect: Dialect, h: ResultHeaders, renderKeyId: KeyIdRenderer): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const p = dialect.prefix;
  if (h.etag !== undefined) out['etag'] = `"${h.etag}"`;
  if (h.lastModified !== undefined) out['last-modified'] = httpDate(h.lastModified);
  if (h.contentLength !== undefined) out['content-length'] = String(h.contentLength);
  if (h.contentType !== undefined) out['content-type'] = safeHeaderValue(h.contentType);
  if (h.contentRange !== undefined) out['content-range'] = h.contentRange;
  if (h.acceptRanges) out['accept-ranges'] = 'bytes';
  if (h.cacheControl !== undefined) out['cache-control'] = safeHeaderValue(h.cacheControl);
  if (h.contentDisposition !== undefined) out['content-disposition'] = safeHeaderValue(h.contentDisposition);
  if (h.contentEncoding !== undefined) out['content-encoding'] = safeHeaderValue(h.contentEncoding);
  if (h.contentLanguage !== undefined) out['content-language'] = safeHeaderValue(h.contentLanguage);
  if (h.expires !== undefined) out['expires'] = safeHeaderValue(h.expires);
  if (h.websiteRedirectLocation !== undefined) out[p + 'website-redirect-location'] = safeHeaderValue(h.websiteRedirectLocation);
  if (h.location !== undefined) out['location'] = h.location;
  if (h.userMeta) for (const [k, v] of Object.entries(h.userMeta)) out[p + 'meta-' + k] = safeHeaderValue(v);
  renderSseHeaders(dialect, h.sse, renderKeyId, out);
  if (h.checksums) for (const [alg, v] of Object.entries(h.checksums)) out['x-amz-checksum-' + alg] = v;
  if (h.checksumType !== undefined && h.checksums) out['x-amz-checksum-type'] = h.checksumType;
  if (h.partsCount !== undefined) out[p + 'mp-parts-count'] = String(h.partsCount);
  if (h.storageClass !== undefined && h.storageClass !== 'STANDARD') out[p + 'storage-class'] = h.storageClass;
  if (h.bucketRegion !== undefined) {
    out[p + 'bucket-region'] = h.bucketRegion;
    if (dialect.name === 'obs') out['x-obs-bucket-location'] = h.bucketRegion;
  }
  return out;
}

export function renderBody(dialect: Dialect, doc: XmlNode): Buffer {
  return renderXml({ ...doc, attrs: { xmlns: dialect.xmlns, ...(doc.attrs ?? {}) } });
}

export function errorCode(dialect: Dialect, error: ObscuraError): string {
  const entry = errorTable[error.code] as { obsCode?: string };
  return dialect.name === 'obs' && entry.obsCode !== undefined ? entry.obsCode : error.code;
}

export function renderErrorBody(dialect: Dialect, error: ObscuraError, requestId: string, hostId: string, resource: string): Buffer {
  const d = error.detail;
  const doc = el(
    'Error',
    el('Code', errorCode(dialect, error)),
    el('Message', error.message),
    d.bucketName !== undefined ? el('BucketName', d.bucketName) : undefined,
    d.key !== undefined ? el('Key', d.key) : undefined,
    d.argumentName !== undefined ? el('ArgumentName', d.argumentName) : undefined,
    d.argumentValue !== undefined ? el('ArgumentValue', d.argumentValue) : undefined,
    d.extra ? Object.entries(d.extra).map(([k, v]) => el(k, v)) : undefined,
    el('Resource', resource),
    el('RequestId', requestId),
    el('HostId', hostId),
  );
  return renderXml(doc);
}

export function renderErrorHeaders(dialect: Dialect, error: ObscuraError): OutgoingHttpHeaders {
  // Header values must be single-line latin1; messages are ours, so this only guards odd details.
  return {
    [dialect.prefix + 'error-code']: errorCode(dialect, error),
    [dialect.prefix + 'error-message']: safeHeaderValue(error.message),
    ...(error.detail.headers ?? {}),
  };
}

export { escapeXml };
