/** HTTP dates: the three formats of RFC 9110 §5.6.7 and ISO 8601, read as UTC in any server time zone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpDate, parseHttpDate } from '../../../src/http/dates.js';

const RFC_EXAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37);

const table: Array<[string, number | undefined]> = [
  ['Sun, 06 Nov 1994 08:49:37 GMT', RFC_EXAMPLE],
  ['Sunday, 06-Nov-94 08:49:37 GMT', RFC_EXAMPLE],
  ['Sun Nov  6 08:49:37 1994', RFC_EXAMPLE],
  ['1994-11-06T08:49:37Z', RFC_EXAMPLE],
  ['1994-11-06T08:49:37.000Z', RFC_EXAMPLE],
  ['1994-11-06T08:49:37', RFC_EXAMPLE],
  ['1994-11-06T09:49:37+01:00', RFC_EXAMPLE],
  ['Sun, 06 Nov 1994 09:49:37 +0100', RFC_EXAMPLE],
  ['  Sun, 06 Nov 1994 08:49:37 GMT  ', RFC_EXAMPLE],
  ['Sun, 31 Feb 1994 08:49:37 GMT', undefined],
  ['Sun, 06 Nov 1994 24:00:00 GMT', undefined],
  ['x 1994', undefined],
  ['Nov 6 1994', undefined],
  ['', undefined],
];

for (const zone of ['UTC', 'America/New_York', 'Asia/Kathmandu']) {
  test(`HTTP dates read the same with the server in ${zone}`, () => {
    const saved = process.env['TZ'];
    process.env['TZ'] = zone;
    try {
      for (const [text, expected] of table) assert.equal(parseHttpDate(text), expected, text);
    } finally {
      process.env['TZ'] = saved;
    }
  });
}

test('a two-digit RFC 850 year more than 50 years ahead is in the past century', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(new Date(parseHttpDate('Monday, 01-Jan-76 00:00:00 GMT', now)!).getUTCFullYear(), 2076);
  assert.equal(new Date(parseHttpDate('Thursday, 01-Jan-77 00:00:00 GMT', now)!).getUTCFullYear(), 1977);
});

test('what httpDate writes, parseHttpDate reads', () => {
  for (const ms of [0, RFC_EXAMPLE, Date.UTC(2026, 10, 23, 2, 16, 38)]) assert.equal(parseHttpDate(httpDate(ms)), ms);
});
