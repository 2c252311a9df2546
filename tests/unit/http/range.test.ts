/** Range header arithmetic: boundary table and must-fail cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCopySourceRange, parseRange, resolveRange } from '../../../src/http/range.js';

const size = 1000;
const table: Array<[string, [number, number] | 'ignored' | 416]> = [
  ['bytes=0-0', [0, 0]],
  ['bytes=0-999', [0, 999]],
  ['bytes=0-5000', [0, 999]],
  ['bytes=999-', [999, 999]],
  ['bytes=500-', [500, 999]],
  ['bytes=-1', [999, 999]],
  ['bytes=-1000', [0, 999]],
  ['bytes=-5000', [0, 999]],
  ['bytes=1000-', 416],
  ['bytes=1000-2000', 416],
  ['bytes=-0', 416],
  ['bytes=5-3', 'ignored'],
  ['bytes=0-1,5-6', 'ignored'],
  ['items=0-1', 'ignored'],
  ['bytes=', 'ignored'],
  ['bytes=-', 'ignored'],
  ['bytes=a-b', 'ignored'],
  ['bytes=99999999999999999-', 'ignored'],
];

for (const [header, expected] of table) {
  test(`Range "${header}" on ${size} bytes → ${JSON.stringify(expected)}`, () => {
    const spec = parseRange(header);
    if (expected === 'ignored') return assert.equal(spec, undefined);
    assert.ok(spec);
    if (expected === 416) return assert.throws(() => resolveRange(spec, size), (e: { code?: string; status?: number }) => e.code === 'InvalidRange' && e.status === 416);
    const r = resolveRange(spec, size);
    assert.deepEqual([r.first, r.last], expected);
  });
}

test('a zero-length object satisfies no range', () => {
  assert.throws(() => resolveRange({ kind: 'bounded', first: 0 }, 0), /not satisfiable/);
  assert.throws(() => resolveRange({ kind: 'suffix', length: 5 }, 0), /not satisfiable/);
});

test('copy-source-range needs both bounds in order', () => {
  assert.deepEqual(parseCopySourceRange('bytes=0-9'), { first: 0, last: 9 });
  for (const bad of ['bytes=5-', 'bytes=-5', 'bytes=9-0', '0-9', 'bytes=a-b']) assert.throws(() => parseCopySourceRange(bad), /copy-source-range/, bad);
});

test('a Range header of 16 KiB of spaces is read in linear time (no quadratic backtracking)', () => {
  for (const header of ['bytes=' + ' '.repeat(16_000) + 'x', 'bytes=-' + '\t'.repeat(16_000) + 'x', 'bytes=' + ' '.repeat(16_000)]) {
    const start = process.hrtime.bigint();
    assert.equal(parseRange(header), undefined);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms < 100, `took ${ms.toFixed(1)} ms`);
  }
  assert.deepEqual(parseRange(' bytes = 1 - 2 '), { kind: 'bounded', first: 1, last: 2 });
});
