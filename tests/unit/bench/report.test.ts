/**
 * The benchmark's target ratios (bench/report.ts): a ratio of two things measured in the same
 * rounds is the median of the round-by-round ratios, anything else the ratio of the medians, and
 * each target is judged against its own bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, pairedRatio, ratios, renderMarkdown, type BenchResults, type TargetResults } from '../../../bench/report.js';

test('median takes the middle value, or the mean of the two middle ones', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
});

test('pairedRatio is the median of round-by-round ratios when both sides have the same rounds', () => {
  // Round by round: 2/1, 3/6, 10/5 → 2, 0.5, 2: median 2. The medians alone (3 and 5) would say 0.6.
  assert.equal(pairedRatio({ median: 3, samples: [2, 3, 10] }, { median: 5, samples: [1, 6, 5] }), 2);
});

test('pairedRatio falls back to the ratio of the medians when the rounds do not pair up', () => {
  assert.equal(pairedRatio({ median: 3, samples: [2, 3, 10] }, { median: 5 }), 0.6);
  assert.equal(pairedRatio({ median: 3, samples: [2, 3, 10] }, { median: 5, samples: [5, 5] }), 0.6);
  assert.equal(pairedRatio({ median: 3, samples: [] }, { median: 5, samples: [] }), 0.6);
});

function big(put: number[], get: number[]): { putGBps: number; getGBps: number; putSamples: number[]; getSamples: number[] } {
  return { putGBps: median(put), getGBps: median(get), putSamples: put, getSamples: get };
}

function small(put: number[], get: number[]): NonNullable<TargetResults['small']['none']> {
  return { putOps: median(put), putP99: 10, getOps: median(get), getP99: 10, putSamples: put, getSamples: get };
}

/**
 * Two rounds; the second ran on a VM half as fast, for every server and limit alike, but for the
 * SSE-C GET, which lost two thirds (so its paired ratios differ from the ratios of its medians).
 */
const RESULTS: BenchResults = {
  date: '2026-12-07T00:00:00.000Z',
  quick: true,
  machine: { cpus: 2, cpuModel: 'test', memoryGiB: 24, node: 'v20', platform: 'Linux' },
  sizes: { bigMiB: 256, smallOps: 800, multipartMiB: 64, listKeys: 10_000, rounds: 2, warmOps: 400 },
  limits: {
    gcmOneCore: 2,
    streamPlain: 2,
    streamGcm: 0.75,
    uploadDiscard: 3,
    diskFsync: 0.75,
    samples: { streamGcm: [1, 0.5], diskFsync: [1, 0.5] },
  },
  targets: {
    obscura: {
      big: { none: big([0.5, 0.25], [1, 0.5]), 'sse-c': big([0.9, 0.45], [0.9, 0.3]), 'sse-kms': big([0.4, 0.2], [1, 0.5]) },
      small: { none: small([1000, 500], [2000, 1000]), 'sse-c': small([2000, 1000], [4000, 2000]), 'sse-kms': small([1000, 500], [1800, 900]) },
      ranges: { mode: 'sse-c', startP50: 2, startP99: 4, endP50: 3, endP99: 5 },
      multipart: { mode: 'sse-c', GBps: 0.4 },
      listSeconds: 1.5,
      server: { peakRssMB: 201, cpuSeconds: 10, wallSeconds: 10 },
      clientCpu: {},
    },
    s3rver: {
      big: { none: big([0.6, 0.3], [0.45, 0.225]) },
      small: { none: small([1000, 500], [1000, 500]) },
      clientCpu: {},
    },
  },
};

test('ratios pair every comparison measured in the same rounds and judge each against its bound', () => {
  const byName = new Map(ratios(RESULTS).map((r) => [r.name, r]));
  const expect = (name: string, value: number, met: boolean): void => {
    const r = byName.get(name);
    assert.ok(r, name);
    assert.ok(Math.abs(r.value - value) < 1e-9, `${name}: ${r.value} ≠ ${value}`);
    assert.equal(r.met, met, name);
  };
  // Round by round 0.9 and 0.6: 0.75 (the medians, 0.6 / 0.75, would say 0.8 and meet it).
  expect('GET SSE-C / GCM streaming limit', 0.75, false);
  // Round by round 2 and 4/3.
  expect('GET SSE-C / s3rver GET', 5 / 3, false);
  expect("PUT SSE-C / fsync'd disk write limit", 0.9, true);
  expect('PUT SSE-C / s3rver PUT', 1.5, true);
  expect('PUT SSE-C / PUT no SSE', 1.8, true);
  expect('PUT SSE-KMS / PUT no SSE', 0.8, false);
  expect('1 MiB range p50, end / start', 1.5, false);
  expect('1 MiB range p50 at the end, ms', 3, true);
  expect('4 KiB PUT ops/s sse-c / none', 2, true);
  expect('4 KiB PUT ops/s sse-c / s3rver', 2, true);
  expect('4 KiB GET ops/s sse-kms / none', 0.9, true);
  expect('4 KiB GET ops/s sse-kms / s3rver', 1.8, false);
  expect('server peak RSS, MB', 201, false);
  expect('listing 10000 keys, s', 1.5, true);
});

test('BENCHMARKS.md says how the 4 KiB requests were sliced, when they were', () => {
  const sliced = renderMarkdown({ ...RESULTS, sizes: { ...RESULTS.sizes, smallSlices: 4 } }, 'npm run bench').document;
  assert.match(sliced, /4 KiB requests per mode go in 4 slices, the modes taking turns slice by slice/);
  assert.match(sliced, /slice-by-slice/);
  assert.doesNotMatch(renderMarkdown(RESULTS, 'npm run bench').document, /slices/);
});

test('a 4 KiB cell carries the server main thread\'s µs per request where they were measured', () => {
  const o = RESULTS.targets['obscura']!;
  const measured: BenchResults = { ...RESULTS, targets: { ...RESULTS.targets, obscura: { ...o, small: { ...o.small, none: { ...o.small.none!, putCpuUs: 475.4, getCpuUs: 300 } } } } };
  const { table } = renderMarkdown(measured, 'npm run bench');
  assert.match(table, /\| 4 KiB PUT, none, ops\/s \(p99 ms; server main thread µs per request\) \| 750 \(10\.0; 475\) \| 750 \(10\.0\) \|/);
  assert.match(table, /\| 4 KiB GET, none, ops\/s \(p99 ms; server main thread µs per request\) \| 1500 \(10\.0; 300\) \| 750 \(10\.0\) \|/);
  assert.match(table, /\| 4 KiB PUT, sse-c, ops\/s \(p99 ms; server main thread µs per request\) \| 1500 \(10\.0\) \| n\/a \|/);
});
