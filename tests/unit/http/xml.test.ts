/** XML request bodies: entity and character references, as SDKs write object names with CR and LF. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, parseXml } from '../../../src/http/xml.js';

const text = (inner: string): unknown => (parseXml(`<a><b>${inner}</b></a>`)['a'] as Record<string, unknown>)['b'];

test('character references are decoded, decimal or hex, once', () => {
  assert.equal(text('a&#13;&#x0A;b'), 'a\r\nb');
  assert.equal(text('&#65;&#x41;&#x6a;&#0065;&#x1F600;'), 'AAjA😀');
  assert.equal(text('&amp;#65; &lt;&gt;&quot;&apos;'), '&#65; <>"\'');
  assert.equal(text('<![CDATA[&#65;&amp;]]>'), '&#65;&amp;');
});

test('control characters written by escapeXml read back (S3 writes them as references too)', () => {
  const name = 'a\u0001b\u001fc\td\ne\rf';
  assert.equal(text(escapeXml(name).replace(/\r/g, '&#13;')), name);
});

test('undeclared entities and references to characters XML cannot carry are MalformedXML', () => {
  for (const bad of ['&nbsp;', '&foo;', '&constructor;', '&#0;', '&#xD800;', '&#x110000;', '&#xFFFE;', '&#99999999999;', '&#;', '&#x;']) {
    assert.throws(() => text(bad), (e: { code?: string }) => e.code === 'MalformedXML', bad);
  }
});
