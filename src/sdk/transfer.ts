/**
 * High-level transfers on top of ObsClient: `uploadFile` (parallel multipart, resumable from a
 * checkpoint file after a crash or Ctrl-C, progress callback) and `downloadFile` (parallel ranged
 * GETs into a temporary file, resumable, SSE-C supported). Checkpoints never hold key material.
 */
import { open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { ObsClient } from './obs-client.js';
import type { PutObjectHeader, SseCHeader } from './headers.js';
import type { ObsResult } from './result.js';

export interface Progress {
  transferredBytes: number;
  totalBytes: number;
}

export interface UploadFileOptions {
  partSize?: number;
  concurrency?: number;
  /** Where progress is saved; resuming with the same file continues the same upload. Default `<file>.upload-checkpoint`. */
  checkpointFile?: string;
  header?: PutObjectHeader;
  progress?: (p: Progress) => void;
  signal?: AbortSignal;
}

interface UploadCheckpoint {
  kind: 'upload';
  bucket: string;
  key: string;
  file: string;
  size: number;
  mtimeMs: number;
  partSize: number;
  uploadId: string;
  parts: Record<string, string>;
}

interface DownloadCheckpoint {
  kind: 'download';
  bucket: string;
  key: string;
  etag: string;
  size: number;
  partSize: number;
  done: number[];
}

async function loadCheckpoint<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function saveCheckpoint(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
  await rename(tmp, path);
}

/** Runs `work` over indices with at most `concurrency` in flight; stops starting new ones on the first failure. */
async function parallel(indices: number[], concurrency: number, work: (i: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < indices.length) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const i = indices[next++]!;
      try {
        await work(i);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, indices.length)) }, worker));
  if (failure !== undefined) throw failure;
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

export class TransferError extends Error {
  constructor(readonly result: ObsResult<unknown>, what: string) {
    super(`${what} failed: ${result.status} ${result.errorCode ?? result.reason}${result.errorMessage ? ` (${result.errorMessage})` : ''}`);
    this.name = 'TransferError';
  }
}

function check<T>(result: ObsResult<T>, what: string): T {
  if (result.status >= 300 || result.body === undefined) throw new TransferError(result, what);
  return result.body;
}

export async function uploadFile(client: ObsClient, bucket: string, key: string, file: string, options: UploadFileOptions = {}): Promise<{ etag: string }> {
  const info = await stat(file);
  const partSize = Math.max(5 * 1024 * 1024, options.partSize ?? 8 * 1024 * 1024);
  const checkpointFile = options.checkpointFile ?? `${file}.upload-checkpoint`;
  const sse = options.header?.sseHeader;
  const partHeader = sse && 'keyMd5' in sse ? { sseHeader: sse as SseCHeader } : {};
  let cp = await loadCheckpoint<UploadCheckpoint>(checkpointFile);
  if (!cp || cp.kind !== 'upload' || cp.bucket !== bucket || cp.key !== key || cp.size !== info.size || cp.mtimeMs !== info.mtimeMs || cp.partSize !== partSize) {
    const init = check(await client.initiateMultipartUpload(bucket, key, options.header), 'initiateMultipartUpload');
    cp = { kind: 'upload', bucket, key, file, size: info.size, mtimeMs: info.mtimeMs, partSize, uploadId: init.uploadId, parts: {} };
    await saveCheckpoint(checkpointFile, cp);
  }
  const checkpoint = cp;
  const count = Math.max(1, Math.ceil(info.size / partSize));
  let transferred = Object.keys(checkpoint.parts).reduce((n, p) => n + Math.min(partSize, info.size - (Number(p) - 1) * partSize), 0);
  options.progress?.({ transferredBytes: transferred, totalBytes: info.size });
  const todo = Array.from({ length: count }, (_, i) => i + 1).filter((n) => checkpoint.parts[String(n)] === undefined);
  let saving = Promise.resolve();
  await parallel(
    todo,
    options.concurrency ?? 4,
    async (n) => {
      const offset = (n - 1) * partSize;
      const size = Math.min(partSize, info.size - offset);
      const r = check(await client.uploadPart(bucket, key, checkpoint.uploadId, n, { file, offset, size }, partHeader), `uploadPart ${n}`);
      checkpoint.parts[String(n)] = r.etag;
      transferred += size;
      options.progress?.({ transferredBytes: transferred, totalBytes: info.size });
      saving = saving.then(() => saveCheckpoint(checkpointFile, checkpoint));
      await saving;
    },
    options.signal,
  );
  const parts = Array.from({ length: count }, (_, i) => ({ partNumber: i + 1, etag: checkpoint.parts[String(i + 1)]! }));
  const done = check(await client.completeMultipartUpload(bucket, key, checkpoint.uploadId, parts), 'completeMultipartUpload');
  await unlink(checkpointFile).catch(() => undefined);
  return { etag: done.etag };
}

export interface DownloadFileOptions {
  partSize?: number;
  concurrency?: number;
  checkpointFile?: string;
  sseHeader?: SseCHeader;
  progress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export async function downloadFile(client: ObsClient, bucket: string, key: string, file: string, options: DownloadFileOptions = {}): Promise<{ etag: string; size: number }> {
  const head = check(await client.getObjectMetadata(bucket, key, options.sseHeader ? { sseHeader: options.sseHeader } : {}), 'getObjectMetadata');
  const size = head.contentLength;
  const etag = head.etag ?? '';
  const partSize = Math.max(1024 * 1024, options.partSize ?? 8 * 1024 * 1024);
  const checkpointFile = options.checkpointFile ?? `${file}.download-checkpoint`;
  const temp = `${file}.obscura-download`;
  let cp = await loadCheckpoint<DownloadCheckpoint>(checkpointFile);
  const tempExists = await stat(temp).then(() => true, () => false);
  if (!cp || cp.kind !== 'download' || cp.bucket !== bucket || cp.key !== key || cp.etag !== etag || cp.size !== size || cp.partSize !== partSize || !tempExists) {
    cp = { kind: 'download', bucket, key, etag, size, partSize, done: [] };
    const fd = await open(temp, 'w', 0o600);
    await fd.truncate(size);
    await fd.close();
    await saveCheckpoint(checkpointFile, cp);
  }
  const checkpoint = cp;
  const count = Math.max(1, Math.ceil(size / partSize));
  const done = new Set(checkpoint.done);
  let transferred = [...done].reduce((n, i) => n + Math.min(partSize, size - i * partSize), 0);
  options.progress?.({ transferredBytes: transferred, totalBytes: size });
  const fd = await open(temp, 'r+');
  let saving = Promise.resolve();
  try {
    if (size > 0) {
      await parallel(
        Array.from({ length: count }, (_, i) => i).filter((i) => !done.has(i)),
        options.concurrency ?? 4,
        async (i) => {
          const first = i * partSize;
          const last = Math.min(size, first + partSize) - 1;
          const r = await client.getObject(bucket, key, { range: `bytes=${first}-${last}`, ifMatch: `"${etag}"`, saveAsStream: true, ...(options.sseHeader ? { sseHeader: options.sseHeader } : {}) });
          const body = check(r, `getObject bytes=${first}-${last}`);
          let position = first;
          for await (const chunk of body.content as AsyncIterable<Buffer>) {
            await fd.write(chunk, 0, chunk.length, position);
            position += chunk.length;
          }
          if (position !== last + 1) throw new Error(`short read for bytes ${first}-${last}`);
          checkpoint.done.push(i);
          transferred += last - first + 1;
          options.progress?.({ transferredBytes: transferred, totalBytes: size });
          saving = saving.then(() => saveCheckpoint(checkpointFile, checkpoint));
          await saving;
        },
        options.signal,
      );
    }
    await fd.sync();
  } finally {
    await fd.close();
  }
  await rename(temp, file);
  await unlink(checkpointFile).catch(() => undefined);
  return { etag, size };
}
