/**
 * Multipart uploads. The object key and its sealing are decided at initiate (bound to the version
 * id the completed object will carry); each part is its own envelope under a part key derived
 * from the object key and part number. UploadPart under SSE-C must present the initiate's key.
 */
import { wipeKeys } from '../crypto/keys.js';
import { fail } from '../errors/index.js';
import { children, childText, el, opt, parseXml, type XmlNode } from '../http/xml.js';
import { resolveRange } from '../http/range.js';
import type { ObjectRecord, PartRecord, UploadRecord } from '../metadata/records.js';
import { UploadNotFoundError } from '../metadata/metadata-store.js';
import type { OperationContext } from './context.js';
import { multipartEtag, randomEtag, readContent, segmentKey, writeSegment } from './content.js';
import { loadCopySource } from './copy-source.js';
import { checkObjectName, etagIsMd5, evaluateConditionals, openMeta, requireBucket, sealMeta } from './object-common.js';
import { compositeChecksum, type ChecksumAlgorithm } from '../http/checksums.js';
import type {
  CompletedPartInput,
  CompleteMultipartInput,
  CreateMultipartInput,
  OperationResult,
  UploadPartCopyInput,
  UploadPartInput,
} from './types.js';
import type { CustomerKey } from '../sse/types.js';

export async function handleCreateMultipartUpload(ctx: OperationContext, input: CreateMultipartInput): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  checkObjectName(input.key);
  const request = ctx.sse.effectiveRequest(input.sse, bucket.encryption);
  const versionId = ctx.randomId(16);
  const prepared = await ctx.sse.prepareWrite(request, { bucket: bucket.name, key: input.key, versionId });
  try {
    const upload: UploadRecord = {
      schema: 1,
      // Time first (ms, 12 hex digits), so uploads of a key list in initiation order.
      uploadId: ctx.now().toString(16).padStart(12, '0') + ctx.randomId(18),
      bucket: bucket.name,
      key: input.key,
      versionId,
      initiated: ctx.now(),
      owner: ctx.principal ?? bucket.owner,
      storageClass: input.storageClass ?? 'STANDARD',
      sse: prepared.sse,
      sealedMeta: sealMeta(prepared.metadataKey, input.meta),
      ...(input.checksumAlgorithm ? { checksumAlgorithm: input.checksumAlgorithm } : {}),
      ...(input.tags && Object.keys(input.tags).length ? { tags: input.tags } : {}),
    };
    await ctx.metadata.createUpload(upload);
    return {
      headers: { sse: ctx.sse.report(upload.sse) },
      body: el('InitiateMultipartUploadResult', el('Bucket', bucket.name), el('Key', input.key), el('UploadId', upload.uploadId)),
    };
  } finally {
    wipeKeys(prepared);
  }
}

async function loadUpload(ctx: OperationContext, uploadId: string, key: string): Promise<UploadRecord> {
  const bucket = requireBucket(ctx);
  const upload = await ctx.metadata.getUpload(uploadId);
  if (!upload || upload.bucket !== bucket.name || upload.key !== key) throw fail('NoSuchUpload', undefined, { key });
  return upload;
}

function checkPartNumber(ctx: OperationContext, partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > ctx.limits.maxParts) {
    throw fail('InvalidArgument', `Part number must be an integer between 1 and ${ctx.limits.maxParts}, inclusive`, { argumentName: 'partNumber', argumentValue: String(partNumber) });
  }
}

/** The upload's object key: SSE-C uploads need the same customer key as initiate. */
async function openUploadKey(ctx: OperationContext, upload: UploadRecord, customer: CustomerKey | undefined): Promise<Buffer> {
  if (upload.sse.mode === 'sse-c' && customer === undefined) {
    throw fail('InvalidRequest', 'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.');
  }
  if (upload.sse.mode !== 'sse-c' && customer !== undefined) {
    throw fail('InvalidRequest', 'The multipart upload initiate did not request encryption with a customer key. Subsequent part requests must not include encryption parameters.');
  }
  return ctx.sse.openObjectKey(upload.sse, { bucket: upload.bucket, key: upload.key, versionId: upload.versionId }, customer);
}

async function storePart(ctx: OperationContext, part: PartRecord): Promise<void> {
  try {
    const replaced = await ctx.metadata.putPart(part);
    if (replaced) ctx.reaper.release([replaced.segment.locator]);
  } catch (e) {
    await ctx.reaper.releaseNow([part.segment.locator]);
    if (e instanceof UploadNotFoundError) throw fail('NoSuchUpload');
    throw e;
  }
}

export async function handleUploadPart(ctx: OperationContext, input: UploadPartInput): Promise<OperationResult> {
  checkPartNumber(ctx, input.partNumber);
  if (input.sseModeHeader !== undefined) {
    throw fail('InvalidArgument', 'Server-side encryption mode headers are not allowed on UploadPart: parts follow their upload.', { argumentName: input.sseModeHeader });
  }
  if (input.contentLength !== undefined && input.contentLength > ctx.limits.maxObjectBytes) throw fail('EntityTooLarge');
  const upload = await loadUpload(ctx, input.uploadId, input.key);
  const objectKey = await openUploadKey(ctx, upload, input.customer);
  const partKey = segmentKey(objectKey, input.partNumber);
  try {
    const md5Etag = etagIsMd5(upload.sse.mode);
    const written = await writeSegment(ctx, ctx.body, partKey, {
      partNumber: input.partNumber,
      wantMd5: md5Etag,
      ...(input.contentMd5 !== undefined ? { contentMd5: input.contentMd5 } : {}),
      checksum: input.checksum,
      trailers: ctx.trailers,
      maxBytes: ctx.limits.maxObjectBytes,
      ...(input.contentLength !== undefined ? { expectedBytes: input.contentLength } : {}),
    });
    const etag = md5Etag && written.md5 ? written.md5.toString('hex') : randomEtag();
    await storePart(ctx, {
      schema: 1,
      uploadId: upload.uploadId,
      partNumber: input.partNumber,
      etag,
      lastModified: ctx.now(),
      segment: { ...written.segment, etag },
      ...(Object.keys(written.checksums).length ? { checksums: written.checksums } : {}),
    });
    return { headers: { etag, sse: ctx.sse.report(upload.sse), ...(Object.keys(written.checksums).length ? { checksums: written.checksums } : {}) } };
  } finally {
    partKey.fill(0);
    objectKey.fill(0);
  }
}

/** UploadPartCopy: the part key differs from the source's content key, so this one decrypts and re-encrypts. */
export async function handleUploadPartCopy(ctx: OperationContext, input: UploadPartCopyInput): Promise<OperationResult> {
  checkPartNumber(ctx, input.partNumber);
  const upload = await loadUpload(ctx, input.uploadId, input.key);
  const source = await loadCopySource(ctx, input.source);
  const unpin = ctx.reaper.pin(source.segments.map((s) => s.locator));
  let sourceKey: Buffer | undefined;
  let objectKey: Buffer | undefined;
  let partKey: Buffer | undefined;
  try {
    sourceKey = await ctx.sse.openObjectKey(source.sse, source, input.sourceCustomer);
    evaluateConditionals(input.sourceConditions, source, true);
    let first = 0;
    let last = source.size - 1;
    if (input.sourceRange) {
      if (input.sourceRange.last >= source.size) {
        throw fail('InvalidRange', 'The x-amz-copy-source-range value is out of the bounds of the source object.', { extra: { ActualObjectSize: String(source.size) } });
      }
      ({ first, last } = resolveRange({ kind: 'bounded', first: input.sourceRange.first, last: input.sourceRange.last }, source.size));
    }
    if (last - first + 1 > ctx.limits.maxObjectBytes) throw fail('EntityTooLarge');
    objectKey = await openUploadKey(ctx, upload, input.customer);
    partKey = segmentKey(objectKey, input.partNumber);
    const sk = sourceKey;
    const plaintext = readContent(ctx, source.segments, (n) => segmentKey(sk, n), first, last);
    const md5Etag = etagIsMd5(upload.sse.mode);
    const written = await writeSegment(ctx, plaintext, partKey, {
      partNumber: input.partNumber,
      wantMd5: md5Etag,
      checksum: { expected: {} },
      maxBytes: ctx.limits.maxObjectBytes,
      expectedBytes: Math.max(0, last - first + 1),
    });
    const etag = md5Etag && written.md5 ? written.md5.toString('hex') : randomEtag();
    const lastModified = ctx.now();
    await storePart(ctx, { schema: 1, uploadId: upload.uploadId, partNumber: input.partNumber, etag, lastModified, segment: { ...written.segment, etag } });
    return {
      headers: { sse: ctx.sse.report(upload.sse) },
      body: el('CopyPartResult', el('LastModified', new Date(lastModified).toISOString()), el('ETag', `"${etag}"`)),
    };
  } finally {
    unpin();
    sourceKey?.fill(0);
    objectKey?.fill(0);
    partKey?.fill(0);
  }
}

/** Parses the CompleteMultipartUpload body (esdk sends no declaration and escaped quotes). */
export function parseCompleteMultipart(body: Buffer): CompletedPartInput[] {
  const doc = parseXml(body);
  const root = doc['CompleteMultipartUpload'];
  if (root === undefined || typeof root === 'string') throw fail('MalformedXML');
  const parts = children(root, 'Part');
  if (parts.length === 0) throw fail('MalformedXML', 'You must specify at least one part.');
  return parts.map((p) => {
    const n = childText(p, 'PartNumber');
    const etag = childText(p, 'ETag');
    if (n === undefined || etag === undefined || !/^\d{1,5}$/.test(n)) throw fail('MalformedXML');
    const checksums: CompletedPartInput['checksums'] = {};
    for (const alg of ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const) {
      const v = childText(p, 'Checksum' + alg.toUpperCase());
      if (v !== undefined) checksums[alg] = v;
    }
    return { partNumber: Number(n), etag: etag.replace(/^"(.*)"$/, '$1').replace(/^&quot;(.*)&quot;$/, '$1'), checksums };
  });
}

export async function handleCompleteMultipartUpload(ctx: OperationContext, input: CompleteMultipartInput): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const upload = await loadUpload(ctx, input.uploadId, input.key);
  const stored = new Map<number, PartRecord>();
  for (let after = 0; ; ) {
    const page = await ctx.metadata.listParts(upload.uploadId, after, 1000);
    for (const p of page) stored.set(p.partNumber, p);
    if (page.length < 1000) break;
    after = page[page.length - 1]!.partNumber;
  }
  let previous = 0;
  const chosen: PartRecord[] = [];
  for (const part of input.parts) {
    if (part.partNumber <= previous) throw fail('InvalidPartOrder');
    previous = part.partNumber;
    const record = stored.get(part.partNumber);
    if (!record || record.etag !== part.etag) {
      throw fail('InvalidPart', undefined, { extra: { UploadId: upload.uploadId, PartNumber: String(part.partNumber), ETag: part.etag } });
    }
    for (const [alg, value] of Object.entries(part.checksums)) {
      if (record.checksums?.[alg] !== undefined && record.checksums[alg] !== value) throw fail('InvalidPart', `The ${alg} checksum of part ${part.partNumber} does not match.`);
    }
    chosen.push(record);
  }
  chosen.forEach((p, i) => {
    if (i < chosen.length - 1 && p.segment.plainBytes < ctx.limits.minPartBytes) {
      throw fail('EntityTooSmall', undefined, {
        extra: { ProposedSize: String(p.segment.plainBytes), MinSizeAllowed: String(ctx.limits.minPartBytes), PartNumber: String(p.partNumber), ETag: p.etag },
      });
    }
  });
  const etag = multipartEtag(chosen.map((p) => p.etag));
  const record: ObjectRecord = {
    schema: 1,
    bucket: bucket.name,
    key: upload.key,
    versionId: upload.versionId,
    size: chosen.reduce((n, p) => n + p.segment.plainBytes, 0),
    etag,
    lastModified: ctx.now(),
    storageClass: upload.storageClass,
    sse: upload.sse,
    sealedMeta: await completedMeta(ctx, upload, chosen, input.customer),
    segments: chosen.map((p) => p.segment),
    owner: upload.owner,
    ...(upload.tags ? { tags: upload.tags } : {}),
  };
  let result;
  try {
    result = await ctx.metadata.completeUpload(upload.uploadId, record);
  } catch (e) {
    if (e instanceof UploadNotFoundError) throw fail('NoSuchUpload');
    throw e;
  }
  const used = new Set(record.segments.map((s) => s.locator));
  await ctx.reaper.releaseNow(result.parts.map((p) => p.segment.locator).filter((l) => !used.has(l)));
  if (result.replaced) ctx.reaper.release(result.replaced.segments.map((s) => s.locator), [...used]);
  return {
    headers: { sse: ctx.sse.report(record.sse) },
    body: el(
      'CompleteMultipartUploadResult',
      el('Location', `/${bucket.name}/${encodeURIComponent(upload.key)}`),
      el('Bucket', bucket.name),
      el('Key', upload.key),
      el('ETag', `"${etag}"`),
    ),
  };
}

/**
 * The completed object's sealed metadata is the initiate's; composite checksums are added when the
 * upload declared an algorithm. Re-sealing needs the object key, which only SSE-C withholds: then
 * the initiate's metadata is kept unchanged (checksums of SSE-C multipart objects are per part).
 */
async function completedMeta(ctx: OperationContext, upload: UploadRecord, parts: PartRecord[], customer: CustomerKey | undefined): Promise<string> {
  const alg = upload.checksumAlgorithm;
  if (alg === undefined || (upload.sse.mode === 'sse-c' && customer === undefined)) return upload.sealedMeta;
  const digests = parts.map((p) => p.checksums?.[alg]).filter((v): v is string => v !== undefined);
  if (digests.length !== parts.length) return upload.sealedMeta;
  const keys = await ctx.sse.openRead(upload.sse, { bucket: upload.bucket, key: upload.key, versionId: upload.versionId }, customer);
  try {
    const meta = openMeta(keys, upload.sealedMeta);
    meta.checksums = { [alg]: compositeChecksum(alg as ChecksumAlgorithm, digests.map((d) => Buffer.from(d, 'base64'))) };
    meta.checksumType = 'COMPOSITE';
    return sealMeta(keys.metadataKey, meta);
  } finally {
    wipeKeys(keys);
  }
}

export async function handleAbortMultipartUpload(ctx: OperationContext, uploadId: string, key: string): Promise<OperationResult> {
  const upload = await loadUpload(ctx, uploadId, key);
  let parts: PartRecord[];
  try {
    parts = await ctx.metadata.abortUpload(upload.uploadId);
  } catch (e) {
    if (e instanceof UploadNotFoundError) throw fail('NoSuchUpload');
    throw e;
  }
  await ctx.reaper.releaseNow(parts.map((p) => p.segment.locator));
  return { status: 204 };
}

function ownerNode(id: string): XmlNode {
  return el('Owner', el('ID', id), el('DisplayName', id));
}

export async function handleListParts(ctx: OperationContext, input: { key: string; uploadId: string; maxParts: number; marker: number }): Promise<OperationResult> {
  const upload = await loadUpload(ctx, input.uploadId, input.key);
  const page = await ctx.metadata.listParts(upload.uploadId, input.marker, input.maxParts + 1);
  const truncated = page.length > input.maxParts;
  const parts = page.slice(0, input.maxParts);
  return {
    body: el(
      'ListPartsResult',
      el('Bucket', upload.bucket),
      el('Key', upload.key),
      el('UploadId', upload.uploadId),
      el('Initiator', el('ID', upload.owner), el('DisplayName', upload.owner)),
      ownerNode(upload.owner),
      el('StorageClass', upload.storageClass),
      el('PartNumberMarker', input.marker),
      opt('NextPartNumberMarker', parts.length ? parts[parts.length - 1]!.partNumber : undefined),
      el('MaxParts', input.maxParts),
      el('IsTruncated', truncated),
      parts.map((p) =>
        el(
          'Part',
          el('PartNumber', p.partNumber),
          el('LastModified', new Date(p.lastModified).toISOString()),
          el('ETag', `"${p.etag}"`),
          el('Size', p.segment.plainBytes),
          Object.entries(p.checksums ?? {}).map(([alg, v]) => el('Checksum' + alg.toUpperCase(), v)),
        ),
      ),
    ),
  };
}

export async function handleListMultipartUploads(
  ctx: OperationContext,
  input: { prefix: string; delimiter?: string; keyMarker?: string; uploadIdMarker?: string; maxUploads: number; encodingType?: 'url' },
): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const enc = (s: string): string => (input.encodingType === 'url' ? encodeURIComponent(s) : s);
  const uploads: UploadRecord[] = [];
  const prefixes: string[] = [];
  let keyMarker = input.keyMarker;
  let uploadIdMarker = input.uploadIdMarker;
  let truncated = false;
  outer: for (;;) {
    const page = await ctx.metadata.listUploads(bucket.name, {
      prefix: input.prefix,
      ...(keyMarker !== undefined ? { keyMarker } : {}),
      ...(uploadIdMarker !== undefined ? { uploadIdMarker } : {}),
      limit: 1000,
    });
    for (const u of page) {
      if (uploads.length + prefixes.length >= input.maxUploads) {
        truncated = true;
        break outer;
      }
      if (input.delimiter) {
        const i = u.key.indexOf(input.delimiter, input.prefix.length);
        if (i >= 0) {
          const cp = u.key.slice(0, i + input.delimiter.length);
          if (prefixes[prefixes.length - 1] !== cp) prefixes.push(cp);
          continue;
        }
      }
      uploads.push(u);
    }
    if (page.length < 1000) break;
    const lastUpload = page[page.length - 1]!;
    keyMarker = lastUpload.key;
    uploadIdMarker = lastUpload.uploadId;
  }
  const last = uploads[uploads.length - 1];
  return {
    body: el(
      'ListMultipartUploadsResult',
      el('Bucket', bucket.name),
      el('KeyMarker', enc(input.keyMarker ?? '')),
      el('UploadIdMarker', input.uploadIdMarker ?? ''),
      opt('NextKeyMarker', truncated && last ? enc(last.key) : undefined),
      opt('NextUploadIdMarker', truncated && last ? last.uploadId : undefined),
      opt('Delimiter', input.delimiter !== undefined ? enc(input.delimiter) : undefined),
      el('Prefix', enc(input.prefix)),
      el('MaxUploads', input.maxUploads),
      el('IsTruncated', truncated),
      opt('EncodingType', input.encodingType),
      uploads.map((u) =>
        el(
          'Upload',
          el('Key', enc(u.key)),
          el('UploadId', u.uploadId),
          el('Initiator', el('ID', u.owner), el('DisplayName', u.owner)),
          ownerNode(u.owner),
          el('StorageClass', u.storageClass),
          el('Initiated', new Date(u.initiated).toISOString()),
        ),
      ),
      prefixes.map((p) => el('CommonPrefixes', el('Prefix', enc(p)))),
    ),
  };
}
