/** A listing's Contents entries, written as markup: the same bytes as the element tree they replace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { el, renderXml } from '../../../src/http/xml.js';
import type { ObjectRecord } from '../../../src/metadata/records.js';
import { contentsEntry } from '../../../src/operations/list.js';

const record = { key: 'a&b<c>"d\'\u0001é/😀', lastModified: Date.UTC(2026, 11, 7, 5, 6, 7, 89), etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 12345, owner: 'AK<&>', storageClass: 'STANDARD' } as ObjectRecord;

/** The element tree the entry stands for (what handleListObjects built before). */
function tree(r: ObjectRecord, withOwner: boolean) {
  return el('Contents', el('Key', r.key), el('LastModified', new Date(r.lastModified).toISOString()), el('ETag', `"${r.etag}"`), el('Size', r.size), withOwner ? el('Owner', el('ID', r.owner), el('DisplayName', r.owner)) : undefined, el('StorageClass', r.storageClass));
}

test('contentsEntry: golden markup, every text escaped', () => {
  assert.equal(
    contentsEntry(record, record.key, true).markup,
    '<Contents><Key>a&amp;b&lt;c&gt;&quot;d&apos;&#1;é/😀</Key><LastModified>2026-12-07T05:06:07.089Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>12345</Size><Owner><ID>AK&lt;&amp;&gt;</ID><DisplayName>AK&lt;&amp;&gt;</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>',
  );
});

test('contentsEntry renders the bytes of the element tree, with and without the owner, the key as given (url-encoded or not)', () => {
  for (const withOwner of [true, false]) {
    for (const key of [record.key, encodeURIComponent(record.key)]) {
      const r = { ...record, key };
      assert.ok(renderXml(el('L', contentsEntry(r, key, withOwner))).equals(renderXml(el('L', tree(r, withOwner)))), `owner ${withOwner}, key ${key}`);
    }
  }
});
