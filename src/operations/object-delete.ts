/** DeleteObject and DeleteObjects. Deleting a missing key succeeds, as in S3. */
import { fail } from '../errors/index.js';
import { children, childText, el, parseXml, type XmlNode } from '../http/xml.js';
import type { OperationContext } from './context.js';
import { requireBucket } from './object-common.js';
import type { OperationResult } from './types.js';

export async function handleDeleteObject(ctx: OperationContext, key: string): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const deleted = await ctx.metadata.deleteObject(bucket.name, key);
  if (deleted) ctx.reaper.release(deleted.segments.map((s) => s.locator));
  return { status: 204 };
}

/** Parses the DeleteObjects body: at most `max` keys, each non-empty. */
export function parseDeleteObjects(body: Buffer, max: number): { quiet: boolean; keys: string[] } {
  const doc = parseXml(body);
  const root = doc['Delete'];
  if (root === undefined || typeof root === 'string') throw fail('MalformedXML');
  const objects = children(root, 'Object');
  if (objects.length === 0 || objects.length > max) throw fail('MalformedXML', `The request must contain between 1 and ${max} keys.`);
  const keys = objects.map((o) => {
    const key = childText(o, 'Key', true);
    if (key === undefined || key === '') throw fail('MalformedXML');
    return key;
  });
  return { quiet: (childText(root, 'Quiet') ?? 'false').toLowerCase() === 'true', keys };
}

export async function handleDeleteObjects(ctx: OperationContext, request: { quiet: boolean; keys: string[] }): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const results: XmlNode[] = [];
  for (const key of request.keys) {
    try {
      const deleted = await ctx.metadata.deleteObject(bucket.name, key);
      if (deleted) ctx.reaper.release(deleted.segments.map((s) => s.locator));
      if (!request.quiet) results.push(el('Deleted', el('Key', key)));
    } catch (e) {
      ctx.log.warn({ err: e, requestId: ctx.requestId }, 'DeleteObjects: one key failed');
      results.push(el('Error', el('Key', key), el('Code', 'InternalError'), el('Message', 'We encountered an internal error. Please try again.')));
    }
  }
  return { body: el('DeleteResult', results) };
}
