/**
 * Fuzzing of Range and x-amz-copy-source-range (src/http/range.ts): any header is parsed exactly as
 * a hand-written tokenizer reads RFC 9110 single ranges, rendered ranges round-trip, resolution
 * stays inside the object or is 416, and no header of any shape takes long to read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCopySourceRange, parseRange, resolveRange, type RangeSpec } from '../../../src/http/range.js';
import { anyText, elapsedMs, outcome, params } from './fuzz-support.js';

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Reference reading of `bytes=a-b`, `bytes=a-`, `bytes=-n` with optional whitespace around each token. */
function referenceRange(header: string): RangeSpec | undefined {
  let i = 0;
  const skipSpace = (): void => {
    while (isSpace(header[i])) i++;
  };
  const digits = (): string => {
    const start = i;
    while (isDigit(header[i])) i++;
    return header.slice(start, i);
  };
  skipSpace();
  if (header.slice(i, i + 5).toLowerCase() !== 'bytes') return undefined;
  i += 5;
  skipSpace();
  if (header[i] !== '=') return undefined;
  i++;
  skipSpace();
  const a = digits();
  skipSpace();
  if (header[i] !== '-') return undefined;
  i++;
  skipSpace();
  const b = digits();
  skipSpace();
  if (i !== header.length) return undefined;
  if ((a === '' && b === '') || a.length > 16 || b.length > 16) return undefined;
  if (a === '') return { kind: 'suffix', length: Number(b) };
  if (b === '') return { kind: 'bounded', first: Number(a) };
  return Number(b) < Number(a) ? undefined : { kind: 'bounded', first: Number(a), last: Number(b) };
}

const space = fc.string({ unit: fc.constantFrom(' ', '\t', '\u00a0', '\u2003', '\ufeff'), maxLength: 3 });
const offset = fc.oneof(fc.nat({ max: 2000 }), fc.nat(), fc.maxSafeNat());

/** A well-formed range header and the spec it stands for, with whitespace and case variations. */
const renderedRange = fc
  .tuple(
    fc.oneof(
      fc.tuple(offset, offset).map(([x, y]): RangeSpec => ({ kind: 'bounded', first: Math.min(x, y), last: Math.max(x, y) })),
      offset.map((first): RangeSpec => ({ kind: 'bounded', first })),
      offset.map((length): RangeSpec => ({ kind: 'suffix', length })),
    ),
    fc.constantFrom('bytes', 'BYTES', 'Bytes'),
    fc.array(space, { minLength: 6, maxLength: 6 }),
  )
  .map(([spec, unit, s]) => {
    const a = spec.kind === 'suffix' ? '' : String(spec.first);
    const b = spec.kind === 'suffix' ? String(spec.length) : spec.last === undefined ? '' : String(spec.last);
    return { spec, header: `${s[0]}${unit}${s[1]}=${s[2]}${a}${s[3]}-${s[4]}${b}${s[5]}` };
  });

/** Near-misses of valid headers: one character inserted, removed or replaced. */
const mutatedRange = fc
  .tuple(renderedRange, fc.nat(), fc.constantFrom('', ',', '-', '=', ' ', '0', '9', 'a', 'x', '\u0660', '+', '.'), fc.constantFrom('insert', 'remove', 'replace'))
  .map(([{ header }, at, c, how]) => {
    const i = at % (header.length + 1);
    if (how === 'insert') return header.slice(0, i) + c + header.slice(i);
    if (how === 'remove') return header.slice(0, i) + header.slice(i + 1);
    return header.slice(0, i) + c + header.slice(i + 1);
  });

test('parseRange reads any header exactly as the reference tokenizer does', () => {
  fc.assert(
    fc.property(fc.oneof(anyText(60), renderedRange.map((r) => r.header), mutatedRange), (header) => {
      assert.deepEqual(parseRange(header), referenceRange(header));
    }),
    params(3),
  );
});

test('a rendered range parses back to the range it was rendered from', () => {
  fc.assert(
    fc.property(renderedRange, ({ spec, header }) => {
      assert.deepEqual(parseRange(header), spec);
    }),
    params(),
  );
});

test('a parsed range resolves inside the object, exactly as the arithmetic says, or is 416', () => {
  fc.assert(
    fc.property(fc.oneof(renderedRange.map((r) => r.header), mutatedRange), fc.oneof(fc.nat({ max: 5000 }), fc.maxSafeNat()), (header, size) => {
      const spec = parseRange(header);
      if (spec === undefined) return;
      const r = outcome(() => resolveRange(spec, size), ['InvalidRange']);
      const unsatisfiable = spec.kind === 'suffix' ? spec.length === 0 || size === 0 : spec.first >= size;
      assert.equal('error' in r, unsatisfiable);
      if ('error' in r) {
        assert.equal(r.error.status, 416);
        assert.equal(r.error.detail.extra?.['ActualObjectSize'], String(size));
        return;
      }
      const { first, last } = r.value;
      assert.ok(Number.isSafeInteger(first) && Number.isSafeInteger(last) && first >= 0 && first <= last && last < size);
      if (spec.kind === 'suffix') assert.deepEqual(r.value, { first: Math.max(0, size - spec.length), last: size - 1 });
      else assert.deepEqual(r.value, { first: spec.first, last: Math.min(spec.last ?? size - 1, size - 1) });
    }),
    params(),
  );
});

test('x-amz-copy-source-range: valid ranges round-trip; anything else is 400 InvalidArgument', () => {
  fc.assert(
    fc.property(fc.tuple(offset, offset), ([x, y]) => {
      const first = Math.min(x, y);
      const last = Math.max(x, y);
      assert.deepEqual(parseCopySourceRange(`bytes=${first}-${last}`), { first, last });
    }),
    params(),
  );
  fc.assert(
    fc.property(fc.oneof(anyText(60), mutatedRange), (header) => {
      const r = outcome(() => parseCopySourceRange(header), ['InvalidArgument']);
      if ('value' in r) {
        assert.match(header.trim(), /^bytes=\d{1,16}-\d{1,16}$/);
        assert.ok(r.value.first <= r.value.last);
      }
    }),
    params(2),
  );
});

test('no Range header of up to 16 KiB (the header limit) takes long to parse, whatever its shape', () => {
  const filler = fc.constantFrom(' ', '\t', '0', '1', ' 1', '1 ', '- ', ' -');
  fc.assert(
    fc.property(
      fc.constantFrom('bytes=', 'bytes =', 'bytes=-', 'bytes=1-', 'bytes=1', ' bytes', 'bytes=1 -', ''),
      filler,
      fc.integer({ min: 4000, max: 16 * 1024 }),
      fc.constantFrom('', 'x', '-', '-x', '1x', ' '),
      (prefix, unit, count, suffix) => {
        const header = (prefix + unit.repeat(count) + suffix).slice(0, 16 * 1024);
        for (const [name, parse] of [['parseRange', parseRange], ['parseCopySourceRange', parseCopySourceRange]] as const) {
          const ms = elapsedMs(() => parse(header));
          assert.ok(ms < 100, `${name} took ${ms.toFixed(1)} ms on ${JSON.stringify(header.slice(0, 40))}… (${header.length} chars)`);
        }
      },
    ),
    params(0.25),
  );
});
