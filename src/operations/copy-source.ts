/** Loading a copy source: its bucket (the caller must be allowed to read it) and current version. */
import { fail } from '../errors/index.js';
import type { ObjectRecord } from '../metadata/records.js';
import type { OperationContext } from './context.js';
import type { CopySource } from './types.js';

export async function loadCopySource(ctx: OperationContext, source: CopySource): Promise<ObjectRecord> {
  const bucket = await ctx.metadata.getBucket(source.bucket);
  if (!bucket) throw fail('NoSuchBucket', undefined, { bucketName: source.bucket });
  if (bucket.owner !== ctx.principal) throw fail('AccessDenied');
  const record = await ctx.metadata.getObject(source.bucket, source.key);
  if (!record) throw fail('NoSuchKey', undefined, { key: source.key });
  if (source.versionId !== undefined && source.versionId !== 'null' && source.versionId !== record.versionId) {
    throw fail('NoSuchKey', 'The specified version does not exist.', { key: source.key });
  }
  return record;
}
