/**
 * Object calls of the console client other than uploads: ListObjectsV2 by "folder", HeadObject
 * (with the encryption badge), GetObject as a Blob with download progress and ranges, CopyObject
 * with re-encryption, DeleteObject and presigned GET URLs.
 */
import type { ApiResult, CustomerKey, DownloadOptions, ObjectHead, ObjectPage, ObjectSummary, SseChoice } from './contract.js';
import { uriEncode } from '../../../src/signing/encoding.js';
import { withoutBody, resultOf } from './results.js';
import { badgeOf, customerKeyHeaders, writeHeaders } from './sse-headers.js';
import { asTransportError, headersOf, type Answer, type Transport } from './transport.js';
import { child, children, parseXml, text } from './xml.js';

/** Longest lifetime of a SigV4 presigned URL: 7 days. */
export const MAX_PRESIGN_SECONDS = 604_800;

const META_PREFIX = 'x-amz-meta-';

export function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"(.*)"$/, '$1');
}

/** Full object size: Content-Range's total on a 206, else Content-Length. */
function sizeOf(header: Record<string, string>): number {
  const total = /\/(\d+)$/.exec(header['content-range'] ?? '')?.[1];
  return Number(total ?? header['content-length'] ?? 0);
}

export function headOf(header: Record<string, string>): ObjectHead {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) if (name.startsWith(META_PREFIX)) metadata[name.slice(META_PREFIX.length)] = value;
  return {
    size: sizeOf(header),
    lastModified: new Date(header['last-modified'] ?? 0),
    etag: unquoteEtag(header['etag']),
    ...(header['content-type'] !== undefined ? { contentType: header['content-type'] } : {}),
    encryption: badgeOf(header),
    metadata,
  };
}

/** Listing values come URL-encoded (encoding-type=url), so any object name survives XML. */
function decodeListed(value: string | undefined): string {
  try {
    return decodeURIComponent(value ?? '');
  } catch {
    return value ?? '';
  }
}

function parseObjectPage(xml: string, prefix: string): ObjectPage {
  const list = child(parseXml(xml), 'ListBucketResult');
  const objects: ObjectSummary[] = children(list, 'Contents').map((c) => ({
    key: decodeListed(text(c, 'Key')),
    size: Number(text(c, 'Size') ?? 0),
    lastModified: new Date(text(c, 'LastModified') ?? 0),
    etag: unquoteEtag(text(c, 'ETag')),
  }));
  const next = text(list, 'NextContinuationToken');
  return {
    prefix,
    commonPrefixes: children(list, 'CommonPrefixes').map((p) => decodeListed(text(p, 'Prefix'))),
    objects,
    isTruncated: text(list, 'IsTruncated') === 'true',
    ...(next ? { nextContinuationToken: next } : {}),
  };
}

/** The body of a GET, read chunk by chunk so progress can be reported. */
async function readBody(response: Response, totalBytes: number, onProgress?: DownloadOptions['onProgress']): Promise<Blob> {
  const type = response.headers.get('content-type') ?? 'application/octet-stream';
  if (!response.body) return new Blob([], { type });
  const chunks: Array<Uint8Array<ArrayBuffer>> = [];
  let loadedBytes = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // A fetch body's chunks are views of ordinary (not shared) ArrayBuffers.
      chunks.push(value as Uint8Array<ArrayBuffer>);
      loadedBytes += value.length;
      onProgress?.({ loadedBytes, totalBytes });
    }
  } catch (e) {
    throw asTransportError(e);
  }
  return new Blob(chunks, { type });
}

function copySource(bucket: string, key: string): string {
  return `/${uriEncode(bucket)}/${uriEncode(key, false)}`;
}

export function objectCalls(transport: Transport) {
  const exchange = (request: Parameters<Transport['exchange']>[0]): Promise<Answer> => transport.exchange(request);
  const keyHeaders = (key: CustomerKey | undefined): Record<string, string> => (key ? customerKeyHeaders(key) : {});

  return {
    async listObjects(bucket: string, options: { prefix?: string; continuationToken?: string; maxKeys?: number }): Promise<ApiResult<ObjectPage>> {
      const prefix = options.prefix ?? '';
      const query: Array<[string, string]> = [['list-type', '2'], ['delimiter', '/'], ['encoding-type', 'url'], ['prefix', prefix]];
      if (options.continuationToken !== undefined) query.push(['continuation-token', options.continuationToken]);
      if (options.maxKeys !== undefined) query.push(['max-keys', String(options.maxKeys)]);
      return resultOf(await exchange({ method: 'GET', bucket, query }), { sentCustomerKey: false }, (a) => parseObjectPage(a.text, prefix));
    },

    async headObject(bucket: string, key: string, customerKey?: CustomerKey): Promise<ApiResult<ObjectHead>> {
      const answer = await exchange({ method: 'HEAD', bucket, key, headers: keyHeaders(customerKey) });
      return resultOf(answer, { sentCustomerKey: customerKey !== undefined }, (a) => headOf(a.header));
    },

    async downloadObject(bucket: string, key: string, options: DownloadOptions): Promise<ApiResult<{ content: Blob; head: ObjectHead }>> {
      const headers = { ...keyHeaders(options.customerKey), ...(options.range ? { range: options.range } : {}) };
      const response = await transport.open({ method: 'GET', bucket, key, headers, ...(options.signal ? { signal: options.signal } : {}) });
      const context = { sentCustomerKey: options.customerKey !== undefined };
      const answer: Answer = { status: response.status, reason: response.statusText, header: headersOf(response), text: '' };
      if (response.status >= 300) return resultOf({ ...answer, text: await response.text().catch((e: unknown) => Promise.reject(asTransportError(e))) }, context);
      const content = await readBody(response, Number(answer.header['content-length'] ?? 0), options.onProgress);
      return resultOf(answer, context, (a) => ({ content, head: headOf(a.header) }));
    },

    async copyObject(source: { bucket: string; key: string; customerKey?: CustomerKey }, target: { bucket: string; key: string; sse: SseChoice }): Promise<ApiResult<{ etag: string }>> {
      const headers = {
        'x-amz-copy-source': copySource(source.bucket, source.key),
        'x-amz-metadata-directive': 'COPY',
        ...(source.customerKey ? customerKeyHeaders(source.customerKey, 'copy-source') : {}),
        ...writeHeaders(target.sse),
      };
      const answer = await exchange({ method: 'PUT', bucket: target.bucket, key: target.key, headers });
      const result: ApiResult<{ etag: string }> = resultOf(answer, { sentCustomerKey: source.customerKey !== undefined }, (a) => ({ etag: unquoteEtag(text(child(parseXml(a.text), 'CopyObjectResult'), 'ETag')) }));
      // S3 may answer 200 with an <Error> body when a copy fails after it started.
      if (result.status < 300 && answer.text.includes('<Error>')) return withoutBody(resultOf({ ...answer, status: 500 }, { sentCustomerKey: false }));
      return result;
    },

    async deleteObject(bucket: string, key: string): Promise<ApiResult> {
      return resultOf(await exchange({ method: 'DELETE', bucket, key }), { sentCustomerKey: false });
    },

    async presignGet(bucket: string, key: string, expiresSeconds: number): Promise<string> {
      if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGN_SECONDS) {
        throw new RangeError(`A presigned URL lives 1 second to 7 days (${MAX_PRESIGN_SECONDS} s); got ${expiresSeconds}.`);
      }
      return transport.presignGet(bucket, key, expiresSeconds);
    },
  };
}
