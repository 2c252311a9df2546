/** XML bodies: rendering (golden bytes, long documents), and entity and character references in requests, as SDKs write object names with CR and LF. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { el, elAttrs, escapeXml, opt, parseXml, renderXml, XmlFragment } from '../../../src/http/xml.js';

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

test('renderXml: golden bytes, with escapes, attributes, nested lists, skipped children and a fragment', () => {
  const doc = elAttrs('R', { xmlns: 'urn:x', a: '"<&>' }, el('N', 3), el('B', false), [el('T', 'ä & <b>'), [el('C', '\u0001\'')]], opt('O', undefined), null, new XmlFragment('<F>x&amp;y</F>'));
  const bytes = renderXml(doc);
  assert.ok(Buffer.isBuffer(bytes));
  assert.equal(
    bytes.toString('utf8'),
    '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="urn:x" a="&quot;&lt;&amp;&gt;"><N>3</N><B>false</B><T>ä &amp; &lt;b&gt;</T><C>&#1;&apos;</C><F>x&amp;y</F></R>',
  );
});

test('renderXml: a document of many thousand pieces, multi-byte text across its chunks, is every byte in order', () => {
  const entries = Array.from({ length: 5000 }, (_, i) => el('K', `ä€😀&${i}`));
  const bytes = renderXml(el('L', entries));
  const expected = '<?xml version="1.0" encoding="UTF-8"?>\n<L>' + Array.from({ length: 5000 }, (_, i) => `<K>ä€😀&amp;${i}</K>`).join('') + '</L>';
  assert.equal(bytes.length, Buffer.byteLength(expected));
  assert.ok(bytes.equals(Buffer.from(expected, 'utf8')));
});

test('renderXml: fragments of any length, short or longer than a chunk, multi-byte, every byte in order', () => {
  const short = Array.from({ length: 1000 }, (_, i) => `<E>é${'x'.repeat(250)}${i}</E>`);
  const long = `<L>${'€'.repeat(40_000)}</L>`;
  const bytes = renderXml(el('R', short.map((m) => new XmlFragment(m)), new XmlFragment(long), el('T', 'a&b')));
  const expected = '<?xml version="1.0" encoding="UTF-8"?>\n<R>' + short.join('') + long + '<T>a&amp;b</T></R>';
  assert.ok(bytes.equals(Buffer.from(expected, 'utf8')));
});
