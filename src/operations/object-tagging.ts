/**
 * GetObjectTagging, PutObjectTagging, DeleteObjectTagging. Tags live on the version record in
 * clear (as object names do), so they can be read and changed without the object key; S3 limits
 * them to 10 per object, keys ≤ 128 and values ≤ 256 characters.
 */
import { fail } from '../errors/index.js';
import { children, childText, el, parseXml } from '../http/xml.js';
import type { OperationContext } from './context.js';
import { requireBucket } from './object-common.js';
import type { OperationResult } from './types.js';

export function parseTagging(body: Buffer): Record<string, string> {
  const doc = parseXml(body);
  const root = doc['Tagging'];
  if (root === undefined || typeof root === 'string') throw fail('MalformedXML');
  const set = children(root, 'TagSet')[0];
  const tags = new Map<string, string>();
  for (const tag of children(set, 'Tag')) {
    const key = childText(tag, 'Key', true);
    const value = childText(tag, 'Value', true) ?? '';
    if (key === undefined || key === '') throw fail('MalformedXML');
    addTag(tags, key, value);
  }
  // fromEntries defines own properties: "__proto__" or "constructor" are keys like any other.
  return Object.fromEntries(tags);
}

function addTag(tags: Map<string, string>, key: string, value: string): void {
  if ([...key].length > 128 || [...value].length > 256) throw fail('InvalidArgument' as const, 'The TagKey or TagValue you have provided is too long', { argumentName: 'Tagging' });
  if (tags.has(key)) throw fail('InvalidArgument', 'Cannot provide multiple Tags with the same key', { argumentName: 'Tagging' });
  if (tags.size >= 10) throw fail('InvalidArgument' as const, 'Object tags cannot be greater than 10', { argumentName: 'Tagging' });
  tags.set(key, value);
}

/** The `x-amz-tagging` header form: URL-encoded `k1=v1&k2=v2`. */
export function parseTaggingHeader(value: string): Record<string, string> {
  const tags = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(value)) addTag(tags, k, v);
  return Object.fromEntries(tags);
}

export async function handleGetObjectTagging(ctx: OperationContext, key: string): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const record = await ctx.metadata.getObject(bucket.name, key);
  if (!record) throw fail('NoSuchKey', undefined, { key });
  return { body: el('Tagging', el('TagSet', Object.entries(record.tags ?? {}).map(([k, v]) => el('Tag', el('Key', k), el('Value', v))))) };
}

export async function handleSetObjectTagging(ctx: OperationContext, key: string, tags: Record<string, string> | undefined): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  // Retry on a concurrent overwrite: tags go on the version that is current when written.
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await ctx.metadata.getObject(bucket.name, key);
    if (!record) throw fail('NoSuchKey', undefined, { key });
    const { tags: _old, ...rest } = record;
    if (await ctx.metadata.updateObject(tags && Object.keys(tags).length ? { ...rest, tags } : rest)) return { status: tags ? 200 : 204 };
  }
  throw fail('SlowDown');
}
