/**
 * GetObject and HeadObject: unseal the object key (customer key checked here), evaluate
 * conditionals, map a range to the packages it touches and stream the plaintext (a small read is
 * decrypted whole first).
 */
import { Readable } from 'node:stream';
import { wipeKeys, type ObjectKeys } from '../crypto/keys.js';
import { fail } from '../errors/index.js';
import { resolveRange } from '../http/range.js';
import type { ObjectRecord } from '../metadata/records.js';
import type { OperationContext } from './context.js';
import { readObjectBody, segmentKey } from './content.js';
import { copyDefined, evaluateConditionals, objectHeaders, openMeta, requireBucket, STANDARD_HEADER_FIELDS } from './object-common.js';
import type { GetObjectInput, OperationResult, ResultHeaders } from './types.js';

async function loadObject(ctx: OperationContext, key: string): Promise<ObjectRecord> {
  const bucket = requireBucket(ctx);
  const record = await ctx.metadata.getObject(bucket.name, key);
  if (!record) throw fail('NoSuchKey', undefined, { key });
  return record;
}

export async function handleGetObject(ctx: OperationContext, input: GetObjectInput, head: boolean): Promise<OperationResult> {
  const record = await loadObject(ctx, input.key);
  const unpin = ctx.reaper.pin(record.segments.map((s) => s.locator));
  let keys: ObjectKeys | undefined;
  try {
    keys = await ctx.sse.openRead(record.sse, record, input.customer);
    const meta = openMeta(keys, record.sealedMeta);
    keys.metadataKey.fill(0); // from here on only the object key is needed (a body may stream for long)
    const headers = objectHeaders(record, meta, ctx);
    // A checksum describes the whole object: never sent with a range or a single part.
    if (input.checksumMode && meta.checksums && input.range === undefined && input.partNumber === undefined) {
      headers.checksums = meta.checksums;
      if (meta.checksumType !== undefined) headers.checksumType = meta.checksumType;
    }
    if (evaluateConditionals(input.conditions, record, false) === 'not-modified') {
      unpin();
      wipeKeys(keys);
      return { status: 304, headers: { etag: record.etag, lastModified: record.lastModified } };
    }
    applyOverrides(headers, input);
    let first = 0;
    let last = record.size - 1;
    let status = 200;
    if (input.partNumber !== undefined) {
      const index = input.partNumber - 1;
      const isMultipart = record.segments[0]?.partNumber !== 0;
      if (input.partNumber < 1 || (!isMultipart && input.partNumber !== 1) || (isMultipart && index >= record.segments.length)) {
        throw fail('InvalidPartNumber');
      }
      if (isMultipart) {
        first = record.segments.slice(0, index).reduce((n, s) => n + s.plainBytes, 0);
        last = first + (record.segments[index]?.plainBytes ?? 0) - 1;
        status = 206;
        headers.contentRange = `bytes ${first}-${last}/${record.size}`;
      }
    } else if (input.range) {
      const r = resolveRange(input.range, record.size);
      first = r.first;
      last = r.last;
      status = 206;
      headers.contentRange = `bytes ${first}-${last}/${record.size}`;
    }
    headers.contentLength = last - first + 1;
    if (head) {
      unpin();
      wipeKeys(keys);
      return { status, headers };
    }
    const opened = keys;
    const body = readObjectBody(ctx, record.segments, (n) => segmentKey(opened.objectKey, n), first, last);
    if (!(body instanceof Readable)) {
      // A small read, decrypted whole: it leaves with its headers in one write.
      const bytes = await body;
      unpin();
      wipeKeys(opened);
      return { status, headers, body: bytes };
    }
    body.once('close', () => {
      unpin();
      wipeKeys(opened);
    });
    return { status, headers, body, firstChunk: true };
  } catch (e) {
    unpin();
    wipeKeys(keys);
    throw e;
  }
}

function applyOverrides(headers: ResultHeaders, input: GetObjectInput): void {
  copyDefined(input.overrides, headers, STANDARD_HEADER_FIELDS);
}
