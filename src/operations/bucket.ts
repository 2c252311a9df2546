/** ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation. */
import { fail } from '../errors/index.js';
import { childText, el, parseXml } from '../http/xml.js';
import type { BucketRecord } from '../metadata/records.js';
import type { OperationContext } from './context.js';
import { requireBucket } from './object-common.js';
import type { OperationResult } from './types.js';

/** S3 bucket naming rules (general purpose buckets). */
export function checkBucketName(name: string): void {
  const ok =
    name.length >= 3 &&
    name.length <= 63 &&
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !name.includes('.-') &&
    !name.includes('-.') &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(name);
  if (!ok) throw fail('InvalidBucketName', undefined, { bucketName: name });
}

/** The location in a CreateBucket body: S3 `<LocationConstraint>`, OBS `<Location>`. */
export function parseCreateBucketBody(body: Buffer): string | undefined {
  if (body.length === 0 || body.toString('utf8').trim() === '') return undefined;
  const doc = parseXml(body);
  const root = doc['CreateBucketConfiguration'];
  if (root === undefined) throw fail('MalformedXML');
  if (typeof root === 'string') return root === '' ? undefined : undefined;
  const location = childText(root, 'LocationConstraint') ?? childText(root, 'Location');
  return location === '' ? undefined : location;
}

export async function handleCreateBucket(ctx: OperationContext, name: string, location: string | undefined): Promise<OperationResult> {
  checkBucketName(name);
  if (ctx.principal === undefined) throw fail('AccessDenied');
  if (location !== undefined && !/^[a-zA-Z0-9-]{1,64}$/.test(location)) throw fail('InvalidLocationConstraint', undefined, { bucketName: name });
  const record: BucketRecord = { schema: 1, name, owner: ctx.principal, createdAt: ctx.now(), region: location ?? ctx.region };
  const created = await ctx.metadata.createBucket(record);
  if (created === 'exists') {
    const existing = await ctx.metadata.getBucket(name);
    throw fail(existing?.owner === ctx.principal ? 'BucketAlreadyOwnedByYou' : 'BucketAlreadyExists', undefined, { bucketName: name });
  }
  return { headers: { location: `/${name}` } };
}

export async function handleHeadBucket(ctx: OperationContext): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  return { headers: { bucketRegion: bucket.region } };
}

export async function handleDeleteBucket(ctx: OperationContext): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const result = await ctx.metadata.deleteBucket(bucket.name);
  if (result === 'missing') throw fail('NoSuchBucket', undefined, { bucketName: bucket.name });
  if (result === 'not-empty') throw fail('BucketNotEmpty', undefined, { bucketName: bucket.name });
  return { status: 204 };
}

export async function handleListBuckets(ctx: OperationContext): Promise<OperationResult> {
  if (ctx.principal === undefined) throw fail('AccessDenied');
  const owner = ctx.principal;
  const buckets = (await ctx.metadata.listBuckets()).filter((b) => b.owner === owner);
  return {
    body: el(
      'ListAllMyBucketsResult',
      el('Owner', el('ID', owner), el('DisplayName', owner)),
      el('Buckets', buckets.map((b) => el('Bucket', el('Name', b.name), el('CreationDate', new Date(b.createdAt).toISOString()), el('BucketRegion', b.region)))),
    ),
  };
}

export async function handleGetBucketLocation(ctx: OperationContext, dialect: 'obs' | 's3'): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  if (dialect === 'obs') return { body: el('Location', bucket.region) };
  // S3 answers an empty LocationConstraint for us-east-1.
  return { body: el('LocationConstraint', bucket.region === 'us-east-1' ? undefined : bucket.region) };
}
