/**
 * CopyObject. The content does not change, so the object key is re-sealed under the target's
 * mode and identity and the ciphertext is copied as it is: nothing is decrypted (DESIGN.md §5).
 * Copy to itself reuses the blobs outright.
 */
import { wipeKeys, type ObjectKeys } from '../crypto/keys.js';
import { fail } from '../errors/index.js';
import type { SealedKey } from '../sse/sse-service.js';
import type { ObjectRecord } from '../metadata/records.js';
import type { OperationContext } from './context.js';
import { translateStorageError } from './content.js';
import { checkObjectName, commitVersion, evaluateConditionals, openMeta, requireBucket, sealMeta } from './object-common.js';
import type { CopyObjectInput, OperationResult } from './types.js';
import { loadCopySource } from './copy-source.js';

export async function handleCopyObject(ctx: OperationContext, input: CopyObjectInput): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  checkObjectName(input.key);
  const source = await loadCopySource(ctx, input.source);
  const unpin = ctx.reaper.pin(source.segments.map((s) => s.locator));
  let keys: ObjectKeys | undefined;
  let sealed: SealedKey | undefined;
  const copied: string[] = [];
  try {
    keys = await ctx.sse.openRead(source.sse, source, input.sourceCustomer);
    const sourceMeta = openMeta(keys, source.sealedMeta);
    evaluateConditionals(input.sourceConditions, source, true);
    const request = ctx.sse.effectiveRequest(input.sse, bucket.encryption);
    const toItself = source.bucket === bucket.name && source.key === input.key;
    if (toItself && input.directive === 'COPY' && input.sse.kind === 'none' && input.storageClass === undefined && bucket.encryption === undefined) {
      throw fail('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
    }
    const versionId = ctx.randomId(16);
    const identity = { bucket: bucket.name, key: input.key, versionId };
    sealed = await ctx.sse.seal(keys.objectKey, request, identity);
    const meta = input.directive === 'REPLACE'
      ? { ...input.meta, ...(sourceMeta.checksums ? { checksums: sourceMeta.checksums, checksumType: sourceMeta.checksumType ?? 'FULL_OBJECT' } : {}) }
      : sourceMeta;
    const segments = [];
    for (const segment of source.segments) {
      if (toItself) {
        segments.push(segment);
        continue;
      }
      const result = await ctx.blobs.copy(segment.locator, 'copy').catch((e: unknown) => {
        throw translateStorageError(e);
      });
      copied.push(result.locator);
      segments.push({ ...segment, locator: result.locator, cipherBytes: result.bytes });
    }
    const record: ObjectRecord = {
      schema: 1,
      bucket: bucket.name,
      key: input.key,
      versionId,
      size: source.size,
      // The content is unchanged, so its ETag is too (an MD5 stays an MD5; a non-MD5 stays stable).
      etag: source.etag,
      lastModified: ctx.now(),
      storageClass: input.storageClass ?? source.storageClass,
      sse: sealed.sse,
      sealedMeta: sealMeta(sealed.metadataKey, meta),
      segments,
      owner: ctx.principal ?? bucket.owner,
      ...(() => {
        const tags = input.tags ?? source.tags;
        return tags && Object.keys(tags).length ? { tags } : {};
      })(),
    };
    await commitVersion(ctx, record);
    copied.length = 0;
    return {
      headers: {
        sse: ctx.sse.report(record.sse),
        ...(source.versionId ? {} : {}),
      },
      body: {
        name: 'CopyObjectResult',
        children: [
          { name: 'LastModified', children: [new Date(record.lastModified).toISOString()] },
          { name: 'ETag', children: [`"${record.etag}"`] },
        ],
      },
    };
  } finally {
    unpin();
    wipeKeys(keys);
    sealed?.metadataKey.fill(0);
    if (copied.length) await ctx.reaper.releaseNow(copied);
  }
}
