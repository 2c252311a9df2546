/**
 * The request counters behind GET /_obscura/metrics (src/server/request-history.ts), on a fake
 * clock: totals by status class, 10-second slots for 10 minutes with old slots overwritten and
 * empty ones reported as zero, and rates averaged over the last minute (or since start).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestHistory } from '../../../src/server/request-history.js';

/** A clock the test moves; starts mid-slot so slot boundaries are not the start time. */
function fakeClock(startMs = Date.UTC(2026, 10, 23, 12, 0, 5)): { now: () => number; advance: (ms: number) => void } {
  let t = startMs;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('totals count every answer, 4xx and 5xx apart (3xx and 2xx are not errors)', () => {
  const clock = fakeClock();
  const history = new RequestHistory({ now: clock.now });
  for (const status of [200, 204, 206, 304, 400, 403, 404, 499, 500, 503]) history.record(status);
  assert.deepEqual(history.snapshot().totals, { total: 10, errors4xx: 4, errors5xx: 2 });
});

test('the history has one point per 10 s for 10 minutes, oldest first, ending with the current slot', () => {
  const clock = fakeClock();
  const history = new RequestHistory({ now: clock.now });
  history.record(200);
  clock.advance(10_000);
  history.record(200);
  history.record(404);
  const points = history.snapshot().history;
  assert.equal(points.length, 60);
  const slotStart = Math.floor(clock.now() / 10_000) * 10_000;
  assert.equal(points.at(-1)!.atMs, slotStart);
  assert.equal(points[0]!.atMs, slotStart - 59 * 10_000);
  assert.ok(points.every((p, i) => i === 0 || p.atMs - points[i - 1]!.atMs === 10_000));
  assert.deepEqual(points.slice(-2).map((p) => [p.requests, p.errors]), [[1, 0], [2, 1]]);
  assert.equal(points.slice(0, -2).reduce((n, p) => n + p.requests, 0), 0);
});

test('slots older than 10 minutes are forgotten: a reused ring position starts from zero', () => {
  const clock = fakeClock();
  const history = new RequestHistory({ now: clock.now });
  for (let i = 0; i < 5; i++) history.record(500);
  clock.advance(600_000); // exactly one lap of the ring: same position, new slot
  history.record(200);
  const snapshot = history.snapshot();
  assert.deepEqual([snapshot.history.at(-1)!.requests, snapshot.history.at(-1)!.errors], [1, 0]);
  assert.equal(snapshot.history.reduce((n, p) => n + p.requests, 0), 1, 'the first lap is gone from the history');
  assert.deepEqual(snapshot.totals, { total: 6, errors4xx: 0, errors5xx: 5 }, 'totals are since start');
});

test('a silent period reads as zeros, not as the counts of the slot that last used the position', () => {
  const clock = fakeClock();
  const history = new RequestHistory({ now: clock.now });
  history.record(200);
  clock.advance(590_000);
  assert.equal(history.snapshot().history.reduce((n, p) => n + p.requests, 0), 1, 'still within 10 minutes');
  clock.advance(20_000);
  assert.equal(history.snapshot().history.reduce((n, p) => n + p.requests, 0), 0);
});

test('rates average the last minute: 120 requests spread over 2 minutes read as about 1 per second', () => {
  const clock = fakeClock();
  const history = new RequestHistory({ now: clock.now });
  for (let i = 0; i < 120; i++) {
    history.record(i % 4 === 0 ? 503 : 200);
    clock.advance(1000);
  }
  const { requestsPerSecond, errorsPerSecond } = history.snapshot();
  assert.ok(requestsPerSecond > 0.9 && requestsPerSecond <= 1.05, `requestsPerSecond ${requestsPerSecond}`);
  assert.ok(errorsPerSecond > 0.2 && errorsPerSecond < 0.3, `errorsPerSecond ${errorsPerSecond}`);
});

test('just after start the rate is over the time since start, not a whole minute', () => {
  const clock = fakeClock();
  const history = new RequestHistory({ now: clock.now });
  for (let i = 0; i < 20; i++) history.record(200);
  clock.advance(4000);
  assert.equal(history.snapshot().requestsPerSecond, 5);
  assert.equal(history.snapshot().errorsPerSecond, 0);
});

test('after a quiet minute the rates are zero', () => {
  const clock = fakeClock();
  const history = new RequestHistory({ now: clock.now });
  for (let i = 0; i < 50; i++) history.record(400);
  clock.advance(75_000);
  assert.deepEqual([history.snapshot().requestsPerSecond, history.snapshot().errorsPerSecond], [0, 0]);
});

test('slot size and count can be chosen (a small ring for the arithmetic at its edges)', () => {
  const clock = fakeClock(0);
  const history = new RequestHistory({ now: clock.now, slotMs: 1000, slots: 3, rateWindowMs: 3000 });
  for (let second = 0; second < 7; second++) {
    for (let n = 0; n <= second; n++) history.record(200);
    clock.advance(1000);
  }
  clock.advance(-1);
  assert.deepEqual(history.snapshot().history.map((p) => [p.atMs, p.requests]), [[4000, 5], [5000, 6], [6000, 7]]);
});
