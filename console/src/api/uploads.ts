/**
 * uploadObject: a single PUT below the multipart threshold, else a multipart upload (the SSE
 * choice on CreateMultipartUpload, the customer key again on every part and on completion, four
 * parts in flight, progress summed over parts). A failed or cancelled multipart upload is aborted
 * on the server, so no parts are left behind. Bodies go as UNSIGNED-PAYLOAD (never read into
 * memory to hash them); TLS or the loopback protects them in transit.
 */
import type { ApiResult, UploadOptions } from './contract.js';
import { unquoteEtag } from './objects.js';
import { withoutBody, resultOf } from './results.js';
import { partHeaders, writeHeaders } from './sse-headers.js';
import type { Answer, Transport } from './transport.js';
import { child, element, parseXml, text, XML_DECLARATION } from './xml.js';

const MiB = 1024 * 1024;
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 16 * MiB;
export const DEFAULT_PART_BYTES = 8 * MiB;
/** S3's smallest part (all but the last). */
export const MIN_PART_BYTES = 5 * MiB;
/** S3's largest part count. */
const MAX_PARTS = 10_000;
const PARTS_IN_FLIGHT = 4;

interface MultipartUpload {
  target: { bucket: string; key: string };
  uploadId: string;
}

interface CompletedPart {
  partNumber: number;
  etag: string;
}

function renderCompletion(parts: CompletedPart[]): string {
  const body = parts.map((p) => `<Part>${element('PartNumber', String(p.partNumber))}${element('ETag', `"${p.etag}"`)}</Part>`).join('');
  return `${XML_DECLARATION}<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</CompleteMultipartUpload>`;
}

/** Sums the bytes sent by each part into one progress report. */
function progressOf(totalBytes: number, report: UploadOptions['onProgress']): (part: number, loadedBytes: number) => void {
  const loaded = new Map<number, number>();
  return (part, loadedBytes) => {
    loaded.set(part, loadedBytes);
    let sum = 0;
    for (const bytes of loaded.values()) sum += bytes;
    report?.({ loadedBytes: Math.min(sum, totalBytes), totalBytes });
  };
}

/** A controller aborted by the caller's signal or by the first failing part. */
function linkedController(signal: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort();
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

export function uploadCalls(transport: Transport) {
  const etagResult = (answer: Answer, sentCustomerKey: boolean): ApiResult<{ etag: string }> =>
    resultOf(answer, { sentCustomerKey }, (a) => ({ etag: unquoteEtag(a.header['etag']) }));

  async function putSingle(bucket: string, key: string, file: Blob, options: UploadOptions, contentType: string): Promise<ApiResult<{ etag: string }>> {
    const report = progressOf(file.size, options.onProgress);
    const answer = await transport.upload(
      { method: 'PUT', bucket, key, headers: { 'content-type': contentType, ...writeHeaders(options.sse) }, body: file, ...(options.signal ? { signal: options.signal } : {}) },
      (loadedBytes) => report(1, loadedBytes),
    );
    return etagResult(answer, options.sse.mode === 'sse-c');
  }

  /** Sends every part, PARTS_IN_FLIGHT at a time; the first failure stops the rest. Throws on network failure or cancel. */
  async function sendParts(upload: MultipartUpload, file: Blob, options: UploadOptions, partBytes: number): Promise<{ parts: CompletedPart[] } | { failure: ApiResult<{ etag: string }> }> {
    const controller = linkedController(options.signal);
    const report = progressOf(file.size, options.onProgress);
    const partCount = Math.ceil(file.size / partBytes);
    const parts: CompletedPart[] = [];
    let failure: ApiResult<{ etag: string }> | undefined;
    /** The first exception (network failure, cancel); the parts it stopped only echo it. */
    let thrown: unknown;
    let nextPart = 1;
    const sendNextParts = async (): Promise<void> => {
      while (failure === undefined && thrown === undefined && nextPart <= partCount) {
        const partNumber = nextPart++;
        const body = file.slice((partNumber - 1) * partBytes, Math.min(partNumber * partBytes, file.size));
        let answer: Answer;
        try {
          answer = await transport.upload(
            { method: 'PUT', ...upload.target, query: [['partNumber', String(partNumber)], ['uploadId', upload.uploadId]], headers: partHeaders(options.sse), body, signal: controller.signal },
            (loadedBytes) => report(partNumber, loadedBytes),
          );
        } catch (e) {
          thrown ??= e;
          controller.abort();
          return;
        }
        const result = etagResult(answer, options.sse.mode === 'sse-c');
        if (result.status < 300 && result.body) {
          parts.push({ partNumber, etag: result.body.etag });
        } else {
          failure ??= result;
          controller.abort();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, partCount) }, sendNextParts));
    if (failure !== undefined) return { failure };
    if (thrown !== undefined) throw thrown;
    // Cancelled after the last part was sent: the upload must still not complete.
    if (options.signal?.aborted) throw new DOMException('The upload was cancelled.', 'AbortError');
    return { parts: parts.sort((a, b) => a.partNumber - b.partNumber) };
  }

  async function completeUpload(upload: MultipartUpload, parts: CompletedPart[], options: UploadOptions): Promise<ApiResult<{ etag: string }>> {
    const completed = await transport.exchange({ method: 'POST', ...upload.target, query: [['uploadId', upload.uploadId]], headers: { 'content-type': 'application/xml', ...partHeaders(options.sse) }, body: renderCompletion(parts) });
    // CompleteMultipartUpload may answer 200 with an <Error> body.
    const answer = completed.status < 300 && completed.text.includes('<Error>') ? { ...completed, status: 500 } : completed;
    return resultOf(answer, { sentCustomerKey: options.sse.mode === 'sse-c' }, (a) => ({ etag: unquoteEtag(text(child(parseXml(a.text), 'CompleteMultipartUploadResult'), 'ETag')) }));
  }

  async function putMultipart(bucket: string, key: string, file: Blob, options: UploadOptions, contentType: string, partBytes: number): Promise<ApiResult<{ etag: string }>> {
    const initiated = await transport.exchange({ method: 'POST', bucket, key, query: [['uploads', '']], headers: { 'content-type': contentType, ...writeHeaders(options.sse) }, ...(options.signal ? { signal: options.signal } : {}) });
    const created = resultOf(initiated, { sentCustomerKey: options.sse.mode === 'sse-c' }, (a) => text(child(parseXml(a.text), 'InitiateMultipartUploadResult'), 'UploadId') ?? '');
    if (created.status >= 300 || !created.body) return withoutBody(created);
    const upload: MultipartUpload = { target: { bucket, key }, uploadId: created.body };
    // Not cancellable: it runs because the upload failed or was cancelled.
    const abortUpload = (): Promise<unknown> => transport.exchange({ method: 'DELETE', bucket, key, query: [['uploadId', upload.uploadId]] }).catch(() => undefined);
    let result: ApiResult<{ etag: string }>;
    try {
      const sent = await sendParts(upload, file, options, partBytes);
      result = 'failure' in sent ? sent.failure : await completeUpload(upload, sent.parts, options);
    } catch (e) {
      await abortUpload();
      throw e;
    }
    if (result.status >= 300) await abortUpload();
    return result;
  }

  return {
    async uploadObject(bucket: string, key: string, file: Blob, options: UploadOptions): Promise<ApiResult<{ etag: string }>> {
      const threshold = options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
      const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
      const contentType = options.contentType ?? (file.type || 'application/octet-stream');
      if (file.size <= threshold) return putSingle(bucket, key, file, options, contentType);
      if (partBytes < MIN_PART_BYTES) throw new RangeError(`Parts are at least ${MIN_PART_BYTES} bytes (5 MiB); got ${partBytes}.`);
      if (Math.ceil(file.size / partBytes) > MAX_PARTS) throw new RangeError(`This file needs more than ${MAX_PARTS} parts of ${partBytes} bytes; use larger parts.`);
      return putMultipart(bucket, key, file, options, contentType, partBytes);
    },
  };
}

