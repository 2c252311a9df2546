/**
 * Customer keys in the console (console/src/api/customer-keys.ts): generated keys are 32 random
 * bytes with the right MD5; hex and base64 spellings parse to the same key; every malformed
 * spelling is refused with a message that says why and never repeats the text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { customerKeyOf, generateCustomerKey, parseCustomerKey } from '../../../console/src/api/customer-keys.js';
import { base64ToBytes, bytesToBase64 } from '../../../console/src/api/bytes.js';

function md5Base64(raw: Buffer): string {
  return createHash('md5').update(raw).digest('base64');
}

test('a generated customer key is 32 random bytes with its MD5, different each time', () => {
  const keys = Array.from({ length: 8 }, () => generateCustomerKey());
  for (const key of keys) {
    const raw = Buffer.from(key.keyBase64, 'base64');
    assert.equal(raw.length, 32);
    assert.equal(key.keyMd5Base64, md5Base64(raw));
  }
  assert.equal(new Set(keys.map((k) => k.keyBase64)).size, keys.length);
});

test('64 hex digits and the base64 of the same 32 bytes parse to the same key (MD5 as node:crypto computes it)', () => {
  for (let i = 0; i < 20; i++) {
    const raw = randomBytes(32);
    const expected = { keyBase64: raw.toString('base64'), keyMd5Base64: md5Base64(raw) };
    assert.deepEqual(parseCustomerKey(raw.toString('hex')), expected);
    assert.deepEqual(parseCustomerKey(raw.toString('hex').toUpperCase()), expected);
    assert.deepEqual(parseCustomerKey(`  ${raw.toString('base64')}\n`), expected);
  }
});

const secretLooking = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXo=';
const mustFail: Array<[string, string, RegExp]> = [
  ['empty text', '', /Enter a customer key/],
  ['white space only', '   ', /Enter a customer key/],
  ['63 hex digits', 'a'.repeat(63), /64 digits; this one has 63/],
  ['65 hex digits', 'b'.repeat(65), /64 digits; this one has 65/],
  ['the base64 of 31 bytes', randomBytes(31).toString('base64'), /32 bytes .*holds 31 bytes/],
  ['the base64 of 33 bytes', randomBytes(33).toString('base64'), /32 bytes .*holds 33 bytes/],
  ['the base64 of 48 bytes (64 characters, not hex)', randomBytes(48).toString('base64').replace(/^[0-9a-f]/i, 'Z'), /64 characters but is not hexadecimal/],
  ['base64 without its padding', randomBytes(32).toString('base64').replace(/=+$/, ''), /neither 64 hexadecimal digits nor valid base64/],
  ['base64url', Buffer.from('fb'.repeat(32), 'hex').toString('base64url') + '=', /neither 64 hexadecimal digits nor valid base64/],
  ['base64 with a non-canonical last character', randomBytes(32).toString('base64').replace(/.=$/, (m) => (m === 'B=' ? 'C=' : 'B=')), /neither/],
  ['base64 with inner white space', randomBytes(32).toString('base64').replace(/^(.{10})/, '$1 '), /neither/],
  ['64 hex digits but one', 'a'.repeat(63) + 'g', /64 characters but is not hexadecimal/],
  ['a pass phrase', 'correct horse battery staple', /neither/],
  ['text that looks like a secret', secretLooking, /holds 20 bytes/],
];

for (const [what, text, message] of mustFail) {
  test(`parseCustomerKey refuses ${what}, saying why without echoing the text`, () => {
    assert.throws(
      () => parseCustomerKey(text),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(e.message, message);
        if (text.trim().length > 3) assert.ok(!e.message.includes(text.trim()), 'the message repeats the key text');
        return true;
      },
    );
  });
}

test('customerKeyOf refuses raw keys that are not 32 bytes', () => {
  assert.throws(() => customerKeyOf(new Uint8Array(16)), /32 bytes; got 16/);
});

test('base64 helpers round-trip every length and refuse non-canonical text', () => {
  for (let n = 0; n < 40; n++) {
    const raw = randomBytes(n);
    assert.equal(bytesToBase64(raw), raw.toString('base64'));
    assert.deepEqual(Buffer.from(base64ToBytes(raw.toString('base64'))!), raw);
  }
  assert.equal(base64ToBytes('QQ'), undefined);
  assert.equal(base64ToBytes('QR=='), undefined);
  assert.equal(base64ToBytes('Q==='), undefined);
});
