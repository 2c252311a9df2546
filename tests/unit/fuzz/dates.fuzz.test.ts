/**
 * Fuzzing of HTTP date parsing (src/http/dates.ts), the dates of conditional headers: every instant
 * written in any of the three HTTP formats (RFC 9110 §5.6.7) or ISO 8601 parses back to itself,
 * whatever the server's time zone; any other text parses to a finite instant or to undefined, the
 * same in every time zone, and never throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { httpDate, parseHttpDate } from '../../../src/http/dates.js';
import { anyText, elapsedMs, params } from './fuzz-support.js';

// A zone with a half-hour offset and daylight saving: local-time readings cannot hide in it.
process.env['TZ'] = 'America/St_Johns';
const ZONES = ['UTC', 'America/St_Johns', 'Asia/Kathmandu', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'];

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');
const clock = (d: Date): string => `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;

const render = {
  imf: (ms: number): string => httpDate(ms),
  rfc850: (ms: number): string => {
    const d = new Date(ms);
    return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${two(d.getUTCFullYear() % 100)} ${clock(d)} GMT`;
  },
  asctime: (ms: number): string => {
    const d = new Date(ms);
    return `${DAYS[d.getUTCDay()]!.slice(0, 3)} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${clock(d)} ${d.getUTCFullYear()}`;
  },
  iso: (ms: number): string => new Date(ms).toISOString(),
  isoWithoutZone: (ms: number): string => new Date(ms).toISOString().slice(0, -1),
};

/** Whole seconds from 1970 to the end of 9999 (four-digit years; a day spare for offsets). */
const instant = fc.integer({ min: 0, max: 253402300799 - 86400 }).map((s) => s * 1000);
/** Within 49 years of now, where RFC 850's two-digit year is unambiguous (RFC 9110 §5.6.7). */
const nearInstant = fc.integer({ min: -49 * 365 * 86400, max: 49 * 365 * 86400 }).map((s) => Math.floor(Date.now() / 1000 + s) * 1000);

/** Runs `fn` once in each time zone and returns the results. */
function inEachZone<T>(fn: () => T): T[] {
  const saved = process.env['TZ'];
  try {
    return ZONES.map((zone) => {
      process.env['TZ'] = zone;
      return fn();
    });
  } finally {
    process.env['TZ'] = saved;
  }
}

test('the test really runs with a local time zone that is not UTC', () => {
  assert.notEqual(new Date(Date.UTC(2026, 0, 1)).getHours(), 0);
});

test('any instant in IMF-fixdate, asctime or ISO 8601 (with or without zone) parses back to itself', () => {
  fc.assert(
    fc.property(instant, fc.constantFrom('imf', 'asctime', 'iso', 'isoWithoutZone') as fc.Arbitrary<keyof typeof render>, fc.nat({ max: 999 }), (ms, format, fraction) => {
      assert.equal(parseHttpDate(render[format](ms)), ms, render[format](ms));
      if (format === 'iso') assert.equal(parseHttpDate(render.iso(ms + fraction)), ms + fraction);
    }),
    params(2),
  );
});

test('any instant within 49 years of now in RFC 850 form (two-digit year) parses back to itself', () => {
  fc.assert(
    fc.property(nearInstant, (ms) => {
      assert.equal(parseHttpDate(render.rfc850(ms)), ms, render.rfc850(ms));
    }),
    params(),
  );
});

test('an ISO 8601 time with a numeric offset parses to the instant it names', () => {
  fc.assert(
    fc.property(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.boolean(), (ms, offsetMinutes, colon) => {
      const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
      const abs = Math.abs(offsetMinutes);
      const zone = `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}${colon ? ':' : ''}${two(abs % 60)}`;
      assert.equal(parseHttpDate(local + zone), ms, local + zone);
    }),
    params(),
  );
});

/** Date-shaped text: a rendered date with one character inserted, removed or replaced. */
const nearDate = fc
  .tuple(instant, fc.constantFrom(...(Object.keys(render) as Array<keyof typeof render>)), fc.nat(), fc.constantFrom('', ' ', '0', '9', '3', '-', ':', '+', 'Z', 'T', 'x', 'G', '\t'), fc.constantFrom('insert', 'remove', 'replace'))
  .map(([ms, format, at, c, how]) => {
    const text = render[format](ms);
    const i = at % (text.length + 1);
    if (how === 'insert') return text.slice(0, i) + c + text.slice(i);
    if (how === 'remove') return text.slice(0, i) + text.slice(i + 1);
    return text.slice(0, i) + c + text.slice(i + 1);
  });

test('any text parses to undefined or a finite instant, never throws, and reads the same in every time zone', () => {
  fc.assert(
    fc.property(fc.oneof(anyText(80), nearDate, fc.constantFrom('Sun Nov  6 08:49:37 1994', 'Sun, 06 Nov 1994 08:49:37', '1994-11-06T08:49:37', 'x 1994', '1', 'Nov 6 1994')), (text) => {
      const results = inEachZone(() => parseHttpDate(text));
      for (const r of results) assert.ok(r === undefined || Number.isFinite(r));
      assert.deepEqual(new Set(results).size, 1, `${JSON.stringify(text)} read as ${JSON.stringify(results)} in ${ZONES.join(', ')}`);
    }),
    params(),
  );
});

test('a parsed date always renders back to the same calendar fields (no 31 February, no 25:00)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 35 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 70 }), (year, month, day, hour, minute) => {
      const text = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:00Z`;
      const ms = parseHttpDate(text);
      const valid = day >= 1 && hour <= 23 && minute <= 59 && day <= new Date(Date.UTC(2000, month, 0)).getUTCDate() + (month === 2 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? -1 : 0);
      assert.equal(ms !== undefined, valid, text);
      if (ms !== undefined) assert.equal(new Date(ms).toISOString().slice(0, 19), text.slice(0, 19));
    }),
    params(),
  );
});

test('long date-like text is refused quickly', () => {
  fc.assert(
    fc.property(fc.constantFrom(' ', '1', ', ', '1 ', 'Sun '), fc.integer({ min: 1000, max: 16 * 1024 }), (unit, count) => {
      const text = unit.repeat(count).slice(0, 16 * 1024);
      assert.ok(elapsedMs(() => parseHttpDate(text)) < 50);
      assert.equal(parseHttpDate(text), undefined);
    }),
    params(0.1),
  );
});
