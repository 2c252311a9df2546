/**
 * PutObject (and the content half of PostObject): choose the mode, create the object key, stream
 * the body through digest and encryption into the blob store, then commit the version.
 */
import { wipeKeys } from '../crypto/keys.js';
import { fail } from '../errors/index.js';
import type { ObjectRecord } from '../metadata/records.js';
import type { OperationContext } from './context.js';
import { randomEtag, writeSegment } from './content.js';
import { checkObjectName, commitVersion, etagIsMd5, requireBucket, sealMeta } from './object-common.js';
import type { OperationResult, PutObjectInput } from './types.js';

export async function handlePutObject(ctx: OperationContext, input: PutObjectInput): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  checkObjectName(input.key);
  if (input.contentLength !== undefined && input.contentLength > ctx.limits.maxObjectBytes) {
    throw fail('EntityTooLarge', undefined, { extra: { MaxSizeAllowed: String(ctx.limits.maxObjectBytes) } });
  }
  if (input.conditions?.ifNoneMatchStar || input.conditions?.ifMatch !== undefined) {
    const current = await ctx.metadata.getObject(bucket.name, input.key);
    if (input.conditions.ifNoneMatchStar && current) throw fail('PreconditionFailed', undefined, { extra: { Condition: 'If-None-Match' } });
    if (input.conditions.ifMatch !== undefined && (!current || current.etag !== input.conditions.ifMatch)) {
      throw fail(current ? 'PreconditionFailed' : 'NoSuchKey', undefined, { extra: { Condition: 'If-Match' } });
    }
  }
  const request = ctx.sse.effectiveRequest(input.sse, bucket.encryption);
  const versionId = ctx.randomId(16);
  const identity = { bucket: bucket.name, key: input.key, versionId };
  const prepared = await ctx.sse.prepareWrite(request, identity);
  try {
    const md5Etag = etagIsMd5(prepared.sse.mode);
    const written = await writeSegment(ctx, ctx.body, prepared.objectKey, {
      partNumber: 0,
      wantMd5: md5Etag,
      ...(input.contentMd5 !== undefined ? { contentMd5: input.contentMd5 } : {}),
      checksum: input.checksum,
      trailers: ctx.trailers,
      maxBytes: ctx.limits.maxObjectBytes,
      ...(input.contentLength !== undefined ? { expectedBytes: input.contentLength } : {}),
    });
    const meta = Object.assign({}, input.meta, Object.keys(written.checksums).length ? { checksums: written.checksums, checksumType: 'FULL_OBJECT' as const } : undefined);
    const record: ObjectRecord = {
      schema: 1,
      bucket: bucket.name,
      key: input.key,
      versionId,
      size: written.segment.plainBytes,
      etag: md5Etag && written.md5 ? written.md5.toString('hex') : randomEtag(),
      lastModified: ctx.now(),
      storageClass: input.storageClass ?? 'STANDARD',
      sse: prepared.sse,
      sealedMeta: sealMeta(prepared.metadataKey, meta),
      segments: [written.segment],
      owner: ctx.principal ?? bucket.owner,
      ...(input.tags && Object.keys(input.tags).length ? { tags: input.tags } : {}),
    };
    try {
      await commitVersion(ctx, record);
    } catch (e) {
      await ctx.reaper.releaseNow([written.segment.locator]);
      throw e;
    }
    return {
      headers: {
        etag: record.etag,
        sse: ctx.sse.report(record.sse),
        ...(Object.keys(written.checksums).length ? { checksums: written.checksums, checksumType: 'FULL_OBJECT' } : {}),
      },
    };
  } finally {
    wipeKeys(prepared);
  }
}
