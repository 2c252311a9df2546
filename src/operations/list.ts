/**
 * ListObjects (v1) and ListObjectsV2: prefix, delimiter, marker / continuation token /
 * start-after, max-keys, encoding-type=url. Common prefixes are skipped in one seek each, so a
 * listing costs one store query per page, not per key.
 */
import { fail } from '../errors/index.js';
import { el, escapeXml, opt, XmlFragment, type XmlNode } from '../http/xml.js';
import type { ObjectRecord } from '../metadata/records.js';
import type { OperationContext } from './context.js';
import { requireBucket } from './object-common.js';
import type { ListObjectsInput, OperationResult } from './types.js';

/**
 * A key greater than every key that starts with `prefix` (keys are at most 1,024 bytes, and
 * U+10FFFF is the largest UTF-8 sequence), so a listing can seek past a common prefix.
 */
export function afterAllWithPrefix(prefix: string): string {
  return prefix + '\u{10FFFF}'.repeat(256);
}

interface Page {
  contents: ObjectRecord[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned (the next marker). */
  last?: string;
}

export async function listPage(ctx: OperationContext, bucket: string, prefix: string, delimiter: string | undefined, after: string | undefined, maxKeys: number): Promise<Page> {
  const page: Page = { contents: [], prefixes: [], truncated: false };
  if (maxKeys === 0) return page;
  let cursor = after;
  for (;;) {
    const batch = await ctx.metadata.listObjects(bucket, { prefix, ...(cursor !== undefined ? { after: cursor } : {}), limit: Math.min(1000, maxKeys + 1) });
    if (batch.length === 0) return page;
    for (const record of batch) {
      if (page.contents.length + page.prefixes.length >= maxKeys) {
        page.truncated = true;
        return page;
      }
      if (delimiter) {
        const i = record.key.indexOf(delimiter, prefix.length);
        if (i >= 0) {
          const cp = record.key.slice(0, i + delimiter.length);
          page.prefixes.push(cp);
          page.last = cp;
          cursor = afterAllWithPrefix(cp);
          break;
        }
      }
      page.contents.push(record);
      page.last = record.key;
      cursor = record.key;
    }
    if (delimiter === undefined && batch.length < Math.min(1000, maxKeys + 1)) return page;
  }
}

export function parseMaxKeys(value: string | undefined, name = 'max-keys'): number {
  if (value === undefined || value === '') return 1000;
  if (!/^\d{1,9}$/.test(value)) throw fail('InvalidArgument', `Provided ${name} not an integer or within integer range`, { argumentName: name, argumentValue: value });
  return Math.min(1000, Number(value));
}

export function encodeContinuationToken(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw fail('InvalidArgument', 'The continuation token provided is incorrect', { argumentName: 'continuation-token' });
  return Buffer.from(token, 'base64url').toString('utf8');
}

/**
 * One Contents entry of a listing, as markup: a page of 1,000 entries is 1,000 short strings
 * rather than ~10,000 element nodes, which stayed alive beside the page's records until the page
 * was rendered and were promoted by V8's young-generation collections (~0.3 MB of old-generation
 * garbage a page). The same bytes as the elements would render.
 */
export function contentsEntry(r: ObjectRecord, key: string, withOwner: boolean): XmlFragment {
  const owner = withOwner ? `<Owner><ID>${escapeXml(r.owner)}</ID><DisplayName>${escapeXml(r.owner)}</DisplayName></Owner>` : '';
  return new XmlFragment(
    `<Contents><Key>${escapeXml(key)}</Key><LastModified>${new Date(r.lastModified).toISOString()}</LastModified><ETag>${escapeXml(`"${r.etag}"`)}</ETag><Size>${r.size}</Size>${owner}<StorageClass>${escapeXml(r.storageClass)}</StorageClass></Contents>`,
  );
}

export async function handleListObjects(ctx: OperationContext, input: ListObjectsInput): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const enc = (s: string): string => (input.encodingType === 'url' ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  let after: string | undefined;
  if (input.version === 2) {
    after = input.continuationToken !== undefined ? decodeContinuationToken(input.continuationToken) : input.startAfter;
  } else {
    after = input.marker;
  }
  if (after === '') after = undefined;
  // A marker inside a common prefix continues after that prefix (S3 behaviour).
  if (after !== undefined && input.delimiter && after.startsWith(input.prefix) && after.endsWith(input.delimiter) && after.indexOf(input.delimiter, input.prefix.length) === after.length - input.delimiter.length) {
    after = afterAllWithPrefix(after);
  }
  const page = await listPage(ctx, bucket.name, input.prefix, input.delimiter, after, input.maxKeys);
  const withOwner = input.version === 1 || input.fetchOwner === true;
  const contents = page.contents.map((r) => contentsEntry(r, enc(r.key), withOwner));
  const prefixes = page.prefixes.map((p) => el('CommonPrefixes', el('Prefix', enc(p))));
  let doc: XmlNode;
  if (input.version === 1) {
    doc = el(
      'ListBucketResult',
      el('Name', bucket.name),
      el('Prefix', enc(input.prefix)),
      el('Marker', enc(input.marker ?? '')),
      el('MaxKeys', input.maxKeys),
      opt('Delimiter', input.delimiter !== undefined ? enc(input.delimiter) : undefined),
      el('IsTruncated', page.truncated),
      opt('NextMarker', page.truncated && input.delimiter && page.last !== undefined ? enc(page.last) : undefined),
      opt('EncodingType', input.encodingType),
      contents,
      prefixes,
    );
  } else {
    doc = el(
      'ListBucketResult',
      el('Name', bucket.name),
      el('Prefix', enc(input.prefix)),
      opt('Delimiter', input.delimiter !== undefined ? enc(input.delimiter) : undefined),
      el('MaxKeys', input.maxKeys),
      el('KeyCount', page.contents.length + page.prefixes.length),
      el('IsTruncated', page.truncated),
      opt('ContinuationToken', input.continuationToken),
      opt('NextContinuationToken', page.truncated && page.last !== undefined ? encodeContinuationToken(page.last) : undefined),
      opt('StartAfter', input.startAfter !== undefined ? enc(input.startAfter) : undefined),
      opt('EncodingType', input.encodingType),
      contents,
      prefixes,
    );
  }
  return { body: doc };
}
