/**
 * Range header arithmetic (RFC 9110 §14). One range only, as S3 and OBS serve; a multi-range or
 * malformed header is ignored (whole object), as S3 does; an unsatisfiable one is 416.
 */
import { fail } from '../errors/index.js';

export type RangeSpec =
  | { kind: 'bounded'; first: number; last?: number } // bytes=a-b or bytes=a-
  | { kind: 'suffix'; length: number }; // bytes=-n

/** Inclusive byte range resolved against a size. */
export interface ResolvedRange {
  first: number;
  last: number;
}

/** Parses `bytes=a-b`, `bytes=a-`, `bytes=-n`. Returns undefined for anything S3 would ignore. */
export function parseRange(header: string | undefined): RangeSpec | undefined {
  if (header === undefined) return undefined;
  // Each run of spaces is matched by exactly one \s* (an empty number between two would backtrack
  // quadratically: a 16 KiB header of spaces took a third of a second).
  const m = /^\s*bytes\s*=\s*(?:(\d+)\s*)?-\s*(?:(\d+)\s*)?$/i.exec(header);
  if (!m) return undefined;
  const a = m[1] ?? '';
  const b = m[2] ?? '';
  if (a === '' && b === '') return undefined;
  if (a.length > 16 || b.length > 16) return undefined;
  if (a === '') return { kind: 'suffix', length: Number(b) };
  const first = Number(a);
  if (b === '') return { kind: 'bounded', first };
  const last = Number(b);
  if (last < first) return undefined;
  return { kind: 'bounded', first, last };
}

/** Resolves a range against the object size; throws InvalidRange (416) when unsatisfiable. */
export function resolveRange(spec: RangeSpec, size: number): ResolvedRange {
  if (spec.kind === 'suffix') {
    if (spec.length === 0 || size === 0) throw fail('InvalidRange', undefined, { extra: { ActualObjectSize: String(size) } });
    return { first: Math.max(0, size - spec.length), last: size - 1 };
  }
  if (spec.first >= size) throw fail('InvalidRange', undefined, { extra: { ActualObjectSize: String(size) } });
  return { first: spec.first, last: Math.min(spec.last ?? size - 1, size - 1) };
}

/** Parses `bytes=a-b` of x-amz-copy-source-range: both bounds required. */
export function parseCopySourceRange(header: string): ResolvedRange {
  const m = /^bytes=(\d{1,16})-(\d{1,16})$/.exec(header.trim());
  if (!m) throw fail('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { argumentName: 'x-amz-copy-source-range', argumentValue: header });
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (last < first) throw fail('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { argumentName: 'x-amz-copy-source-range', argumentValue: header });
  return { first, last };
}
