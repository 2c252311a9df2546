/**
 * Fuzzing of the XML request bodies (src/http/xml.ts and the parsers of CompleteMultipartUpload,
 * DeleteObjects, PutBucketEncryption, CreateBucket and PutObjectTagging): any bytes are parsed or
 * refused with a 400; documents written the ways clients write them (entities, character
 * references, CDATA, indentation, namespaces) read back exactly; DOCTYPEs, more than 1,000 keys,
 * bodies over the size limit and out-of-range part numbers are refused with their codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { s3Dialect } from '../../../src/dialects/dialect.js';
import { invoke } from '../../../src/dialects/invoke.js';
import type { WireRequest } from '../../../src/dialects/wire.js';
import { readBodyLimited } from '../../../src/http/limits.js';
import { escapeXml } from '../../../src/http/xml.js';
import type { BucketEncryption } from '../../../src/metadata/records.js';
import { parseCreateBucketBody } from '../../../src/operations/bucket.js';
import { parseBucketEncryption } from '../../../src/operations/bucket-encryption.js';
import { defaultLimits, type OperationContext } from '../../../src/operations/context.js';
import { parseCompleteMultipart } from '../../../src/operations/multipart.js';
import { parseDeleteObjects } from '../../../src/operations/object-delete.js';
import { parseTagging } from '../../../src/operations/object-tagging.js';
import { anyText, elapsedMs, outcome, outcomeAsync, params, refused, unicodeText } from './fuzz-support.js';

const MAX_KEYS = defaultLimits.maxDeleteKeys;

/** Every body parser with the codes it may refuse with. */
const PARSERS: Array<[string, (body: Buffer) => unknown, string[]]> = [
  ['CompleteMultipartUpload', parseCompleteMultipart, ['MalformedXML']],
  ['DeleteObjects', (b) => parseDeleteObjects(b, MAX_KEYS), ['MalformedXML']],
  ['PutBucketEncryption', parseBucketEncryption, ['MalformedXML', 'InvalidArgument']],
  ['CreateBucket', parseCreateBucketBody, ['MalformedXML']],
  ['PutObjectTagging', parseTagging, ['MalformedXML', 'InvalidArgument']],
];

// ---- Writing text the ways clients do -------------------------------------------------------

/** Characters no XML 1.0 document can carry, not even as a reference. */
const UNREPRESENTABLE = /[\u0000\uFFFE\uFFFF]/;

type Style = 'sdk' | 'numeric' | 'hex' | 'ours' | 'cdata';

/** Element text in one client's style. All styles escape CR (raw CR is read as LF, XML 1.0 §2.11). */
function writeText(text: string, style: Style): string {
  switch (style) {
    case 'sdk': // the AWS SDK's escaping, plus C0 controls as references
      return text.replace(/[&<>"']|[\u0000-\u0008\u000B-\u001F\uFFFE\uFFFF]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')};`);
    case 'numeric':
      return [...text].map((c) => `&#${c.codePointAt(0)};`).join('');
    case 'hex':
      return [...text].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `&#x${c.codePointAt(0)!.toString(16)};`)).join('');
    case 'ours':
      return escapeXml(text).replace(/\r/g, '&#13;').replace(/[\uFFFE\uFFFF]/g, (c) => `&#${c.charCodeAt(0)};`);
    case 'cdata':
      return text === '' ? '' : `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
  }
}

/** Whether `style` can write `text` at all (CDATA cannot hold CR or control characters). */
const canWrite = (text: string, style: Style): boolean => style !== 'cdata' || !/[\u0000-\u0008\u000B-\u001F\uFFFE\uFFFF]/.test(text);

const style = fc.constantFrom<Style>('sdk', 'numeric', 'hex', 'ours', 'cdata');
/** Names as object keys and tags come: any well-formed Unicode, controls, entity look-alikes. */
const keyName = fc
  .oneof(
    unicodeText(1, 40),
    fc.string({ unit: fc.constantFrom('a', ' ', '\t', '\n', '\r', '&', ';', '#', '<', '>', ']]>', '"', "'", '&amp;', '&#10;', '\u0001', '\u001f', '\u0085', '\u2028', '\ufeff', 'é', '😀', '\uFFFF', '\u0000'), minLength: 1, maxLength: 20 }),
  )
  .filter((s) => s.length > 0 && !/\p{Surrogate}/u.test(s));
/** Layout between elements: none, newlines and indentation, or comments. */
const gap = fc.constantFrom('', '\n', '\n  ', '\r\n\t', ' ', '<!-- c -->', '\n<!-- a <b> & c -->\n');
const declaration = fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>");

// ---- Any bytes ------------------------------------------------------------------------------

/** A valid DeleteObjects document to mutate. */
const validDelete = fc.array(keyName.filter((k) => !UNREPRESENTABLE.test(k)), { minLength: 1, maxLength: 5 }).map((keys) => `<Delete><Quiet>true</Quiet>${keys.map((k) => `<Object><Key>${writeText(k, 'sdk')}</Key></Object>`).join('')}</Delete>`);
const validComplete = fc.array(fc.integer({ min: 1, max: 10000 }), { minLength: 1, maxLength: 5 }).map((ns) => `<CompleteMultipartUpload>${ns.map((n) => `<Part><PartNumber>${n}</PartNumber><ETag>"${n.toString(16).padStart(32, '0')}"</ETag></Part>`).join('')}</CompleteMultipartUpload>`);
const validOther = fc.constantFrom(
  '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>',
  '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>',
  '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>',
);
/** A valid document with characters inserted, removed, replaced or spliced from markup. */
const mutatedDocument = fc
  .tuple(fc.oneof(validDelete, validComplete, validOther), fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'remove', 'replace'), fc.constantFrom('<', '>', '/', '&', ';', '#', '"', '!', '?', '[', ']', 'x', ' ', '\u0000', '&#0;', '&lt', '<!DOCTYPE', ']]>', '<![CDATA[', '<!--', '-->', '</', '<Object>', '</Key>', '&#x110000;', '&#xD800;', '&bogus;')), { minLength: 1, maxLength: 4 }))
  .map(([doc, edits]) =>
    edits.reduce((d, [at, how, piece]) => {
      const i = at % (d.length + 1);
      return how === 'insert' ? d.slice(0, i) + piece + d.slice(i) : how === 'remove' ? d.slice(0, i) + d.slice(i + piece.length) : d.slice(0, i) + piece + d.slice(i + piece.length);
    }, doc),
  );

test('every XML body parser answers any bytes with a value or a 400 from its own codes', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), anyText(300).map((t) => Buffer.from(t)), mutatedDocument.map((d) => Buffer.from(d))), (body) => {
      for (const [, parse, codes] of PARSERS) outcome(() => parse(body), codes);
    }),
    params(2),
  );
});

// ---- Round trips ----------------------------------------------------------------------------

test('DeleteObjects: any key names, in any client style and layout, read back exactly; names XML cannot carry are 400', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(keyName, style, fc.option(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }))), { minLength: 1, maxLength: 12 }),
      fc.option(fc.constantFrom('true', 'false', 'TRUE', ' true ', 'no')),
      declaration,
      fc.boolean(),
      gap,
      (objects, quiet, decl, namespaced, g) => {
        const writable = objects.filter(([k, s]) => canWrite(k, s));
        if (writable.length === 0) return;
        const body = `${decl}<Delete${namespaced ? ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' : ''}>${g}${quiet === null ? '' : `<Quiet>${quiet}</Quiet>${g}`}${writable
          .map(([k, s, version]) => `<Object>${g}<Key>${writeText(k, s)}</Key>${g}${version === null ? '' : `<VersionId>${escapeXml(version)}</VersionId>`}${g}</Object>${g}`)
          .join('')}</Delete>`;
        const keys = writable.map(([k]) => k);
        const r = outcome(() => parseDeleteObjects(Buffer.from(body), MAX_KEYS), ['MalformedXML']);
        if (keys.some((k) => UNREPRESENTABLE.test(k))) return assert.ok('error' in r, `${JSON.stringify(keys)} cannot be carried by XML, yet parsed`);
        assert.ok('value' in r, `refused ${body}: ${'error' in r ? r.error.message : ''}`);
        assert.deepEqual(r.value.keys, keys);
        assert.equal(r.value.quiet, quiet !== null && quiet.trim().toLowerCase() === 'true');
      },
    ),
    params(2),
  );
});

test('PutObjectTagging: any tag keys and values read back exactly', () => {
  const tagText = keyName.filter((k) => !UNREPRESENTABLE.test(k) && [...k].length <= 128 && !['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'].includes(k));
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(tagText, fc.oneof(fc.constant(''), tagText)), { selector: ([k]) => k, minLength: 0, maxLength: 10 }), style, gap, (tags, s, g) => {
      const writable = tags.filter(([k, v]) => canWrite(k, s) && canWrite(v, s));
      const body = `<Tagging>${g}<TagSet>${g}${writable.map(([k, v]) => `<Tag><Key>${writeText(k, s)}</Key>${g}<Value>${writeText(v, s)}</Value></Tag>${g}`).join('')}</TagSet></Tagging>`;
      assert.deepEqual(parseTagging(Buffer.from(body)), Object.fromEntries(writable));
    }),
    params(),
  );
});

test('PutObjectTagging: tag keys named like Object.prototype members are ordinary keys', () => {
  for (const name of ['constructor', '__proto__', 'toString']) {
    const body = `<Tagging><TagSet><Tag><Key>${name}</Key><Value>v</Value></Tag></TagSet></Tagging>`;
    assert.deepEqual(Object.entries(parseTagging(Buffer.from(body))), [[name, 'v']]);
  }
});

test('CompleteMultipartUpload: part numbers are read exactly when they are 1 to 5 digits, refused otherwise; ETags lose their quotes', () => {
  const partNumberText = fc.oneof(
    fc.integer({ min: 1, max: 10000 }).map(String),
    fc.constantFrom('0', '00001', '10001', '99999', '100000', '9007199254740992', '18446744073709551616', '-1', '+1', '1e3', '0x10', '1.0', ' 7 ', '\u0663', '', 'NaN', 'Infinity'),
    fc.string({ unit: fc.constantFrom('0', '1', '9', ' ', '-', 'e', '.'), maxLength: 8 }),
  );
  const etag = fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.stringMatching(/^[0-9a-f]{32}-[1-9][0-9]{0,3}$/));
  const quoting = fc.constantFrom((e: string) => e, (e: string) => `"${e}"`, (e: string) => `&quot;${e}&quot;`, (e: string) => `&amp;quot;${e}&amp;quot;`, (e: string) => ` "${e}" `);
  fc.assert(
    fc.property(fc.array(fc.tuple(partNumberText, etag, quoting, fc.option(fc.base64String({ minLength: 4, maxLength: 12 }))), { minLength: 1, maxLength: 8 }), gap, (parts, g) => {
      const body = `<CompleteMultipartUpload>${g}${parts.map(([n, e, q, crc]) => `<Part>${g}<PartNumber>${n}</PartNumber>${g}<ETag>${q(e)}</ETag>${crc === null ? '' : `<ChecksumCRC32>${crc}</ChecksumCRC32>`}</Part>${g}`).join('')}</CompleteMultipartUpload>`;
      const valid = parts.every(([n]) => /^[0-9]{1,5}$/.test(n.trim()));
      const r = outcome(() => parseCompleteMultipart(Buffer.from(body)), ['MalformedXML']);
      assert.equal('value' in r, valid, body);
      if (!('value' in r)) return;
      assert.deepEqual(
        r.value,
        parts.map(([n, e, , crc]) => ({ partNumber: Number(n.trim()), etag: e, checksums: crc === null ? {} : { crc32: crc } })),
      );
      for (const p of r.value) assert.ok(Number.isSafeInteger(p.partNumber) && p.partNumber >= 0 && p.partNumber <= 99999);
    }),
    params(),
  );
});

test('UploadPart and UploadPartCopy refuse any part number outside 1..10000 with 400 InvalidArgument, before touching a store', async () => {
  // Only limits are given: a handler that went further than the part-number check would throw a TypeError.
  const ctx = { limits: defaultLimits } as unknown as OperationContext;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.constantFrom('0', '10001', '99999', '100000', '9007199254740992', '-1', '', '1.5', '1e3', ' 1', '0x1'), fc.integer({ min: 10001, max: 999999 }).map(String), anyText(12).filter((t) => !/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 10000)),
      fc.constantFrom('UploadPart', 'UploadPartCopy') as fc.Arbitrary<'UploadPart' | 'UploadPartCopy'>,
      async (partNumber, operation) => {
        const wire: WireRequest = {
          method: 'PUT',
          rawPath: '/b/k',
          rawQuery: '',
          query: new Map([['partNumber', partNumber], ['uploadId', 'u']]),
          headers: operation === 'UploadPartCopy' ? { 'x-amz-copy-source': '/src/key' } : {},
          bucket: 'b',
          key: 'k',
          isSecure: true,
          remoteAddress: '127.0.0.1',
        };
        const r = await outcomeAsync(() => invoke(operation, wire, s3Dialect, ctx, { renderKeyId: (_d, id) => id }), ['InvalidArgument']);
        assert.ok('error' in r, `part number ${JSON.stringify(partNumber)} was accepted`);
        assert.equal(r.error.detail.argumentName, 'partNumber');
      },
    ),
    params(),
  );
});

/** Bucket encryption written the ways S3 and OBS clients write it, and the record it stands for. */
const encryptionDocument = fc
  .record({
    algorithm: fc.constantFrom('AES256', 'aws:kms', 'kms'),
    keyId: fc.option(fc.oneof(fc.uuid(), keyName.filter((k) => !UNREPRESENTABLE.test(k)))),
    projectId: fc.option(fc.stringMatching(/^[0-9a-f]{32}$/)),
    dataEncryption: fc.option(fc.constantFrom('SM4', 'AES256')),
    bucketKey: fc.option(fc.constantFrom('true', 'false')),
    blocked: fc.option(fc.subarray(['SSE-C', 'NONE'])),
    order: fc.boolean(),
    g: gap,
  })
  .map((m) => {
    const apply = [
      `<SSEAlgorithm>${m.algorithm}</SSEAlgorithm>`,
      m.keyId === null ? '' : `<KMSMasterKeyID>${writeText(m.keyId, 'sdk')}</KMSMasterKeyID>`,
      m.projectId === null ? '' : `<ProjectID>${m.projectId}</ProjectID>`,
      m.dataEncryption === null ? '' : `<KMSDataEncryption>${m.dataEncryption}</KMSDataEncryption>`,
    ];
    if (m.order) apply.reverse();
    const rule = [
      `<ApplyServerSideEncryptionByDefault>${apply.join(m.g)}</ApplyServerSideEncryptionByDefault>`,
      m.bucketKey === null ? '' : `<BucketKeyEnabled>${m.bucketKey}</BucketKeyEnabled>`,
      m.blocked === null ? '' : `<BlockedEncryptionTypes>${m.blocked.map((t) => `<EncryptionType>${t}</EncryptionType>`).join('')}</BlockedEncryptionTypes>`,
    ];
    const body = `<ServerSideEncryptionConfiguration>${m.g}<Rule>${rule.join(m.g)}</Rule>${m.g}</ServerSideEncryptionConfiguration>`;
    const keyId = m.keyId?.trim();
    const kms = m.algorithm !== 'AES256';
    const expected: BucketEncryption | 'InvalidArgument' =
      !kms && keyId ? 'InvalidArgument' : {
        algorithm: kms ? 'kms' : 'AES256',
        ...(keyId ? { kmsKeyId: keyId } : {}),
        ...(m.projectId !== null ? { projectId: m.projectId } : {}),
        ...(m.dataEncryption !== null ? { kmsDataEncryption: m.dataEncryption } : {}),
        ...(m.bucketKey !== null ? { bucketKeyEnabled: m.bucketKey === 'true' } : {}),
        ...(m.blocked?.includes('SSE-C') ? { blockedEncryptionTypes: ['SSE-C'] } : {}),
      };
    return { body, expected };
  });

test('PutBucketEncryption: any valid configuration, either spelling, reads back as the record it describes', () => {
  fc.assert(
    fc.property(encryptionDocument, ({ body, expected }) => {
      if (expected === 'InvalidArgument') return void refused(() => parseBucketEncryption(Buffer.from(body)), ['InvalidArgument']);
      assert.deepEqual(parseBucketEncryption(Buffer.from(body)), expected);
    }),
    params(),
  );
  fc.assert(
    fc.property(anyText(20).filter((a) => !['AES256', 'aws:kms', 'kms'].includes(a.trim())), (algorithm) => {
      const body = `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${escapeXml(algorithm)}</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`;
      refused(() => parseBucketEncryption(Buffer.from(body)), ['MalformedXML']);
    }),
    params(0.5),
  );
});

test('CreateBucket: any location (S3 or OBS element) reads back trimmed; an empty body or element means none', () => {
  fc.assert(
    fc.property(fc.oneof(unicodeText(0, 30), fc.constantFrom('', '  ', '\n', 'eu-west-1', ' cn-north-4 ')), fc.constantFrom('LocationConstraint', 'Location'), declaration, gap, (location, element, decl, g) => {
      if (UNREPRESENTABLE.test(location)) return;
      const body = `${decl}<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${g}<${element}>${writeText(location, 'sdk')}</${element}>${g}</CreateBucketConfiguration>`;
      const trimmed = location.trim();
      assert.equal(parseCreateBucketBody(Buffer.from(body)), trimmed === '' ? undefined : trimmed);
    }),
    params(),
  );
  for (const empty of ['', ' ', '\n\t']) assert.equal(parseCreateBucketBody(Buffer.from(empty)), undefined);
});

// ---- Limits ---------------------------------------------------------------------------------

test('DeleteObjects accepts 1 to the limit of keys and refuses 0 or more with MalformedXML', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: MAX_KEYS - 2, max: MAX_KEYS + 200 })), fc.integer({ min: 1, max: MAX_KEYS }), (count, max) => {
      const limit = count > 30 ? MAX_KEYS : Math.min(max, 20);
      const body = Buffer.from(`<Delete>${Array.from({ length: count }, (_, i) => `<Object><Key>k${i}</Key></Object>`).join('')}</Delete>`);
      const r = outcome(() => parseDeleteObjects(body, limit), ['MalformedXML']);
      assert.equal('value' in r, count >= 1 && count <= limit, `${count} keys against a limit of ${limit}`);
      if ('value' in r) assert.equal(r.value.keys.length, count);
    }),
    params(0.25),
  );
});

test('a body over the XML size limit is refused with MaxMessageLengthExceeded, reading at most one chunk past it', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 30 }), fc.integer({ min: 0, max: 3000 }), async (sizes, limit) => {
      let pulled = 0;
      const chunks = sizes.map((n, i) => Buffer.alloc(n, 0x61 + (i % 26)));
      const source = Readable.from(
        (function* () {
          for (const c of chunks) {
            pulled++;
            yield c;
          }
        })(),
        { objectMode: true, highWaterMark: 1 },
      );
      const total = sizes.reduce((a, b) => a + b, 0);
      const r = await outcomeAsync(() => readBodyLimited(source, limit), ['MaxMessageLengthExceeded']);
      assert.equal('value' in r, total <= limit);
      if ('value' in r) return assert.deepEqual(r.value, Buffer.concat(chunks));
      let seen = 0;
      const over = sizes.findIndex((n) => (seen += n) > limit);
      assert.ok(pulled <= over + 3, `pulled ${pulled} chunks; the limit was passed at chunk ${over + 1}`);
    }),
    params(),
  );
});

test('DOCTYPEs and entity declarations are refused wherever they appear, without expanding anything', () => {
  const doctype = fc.constantFrom(
    '<!DOCTYPE Delete>',
    '<!doctype Delete [<!ENTITY a "keep">]>',
    '<!DocType d SYSTEM "file:///etc/passwd">',
    `<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]>`,
    '<!ENTITY x "y">',
  );
  fc.assert(
    fc.property(fc.oneof(validDelete, validComplete, validOther), doctype, fc.nat(), fc.constantFrom('&a;', '&lol9;', '&x;', ''), (doc, dt, at, use) => {
      const i = at % (doc.length + 1);
      const body = Buffer.from(dt + doc.slice(0, i) + use + doc.slice(i));
      for (const [, parse] of PARSERS) {
        let r: ReturnType<typeof outcome> | undefined;
        const ms = elapsedMs(() => (r = outcome(() => parse(body), ['MalformedXML'])));
        assert.ok(r && 'error' in r, `accepted ${body.toString().slice(0, 80)}`);
        assert.ok(ms < 100, `took ${ms} ms`);
      }
    }),
    params(0.5),
  );
});

test('deep nesting and large documents are answered quickly and never with a stack overflow', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('a', 'Delete', 'Object', 'Part', 'Rule', 'x:y'), fc.constantFrom('Delete', 'CompleteMultipartUpload', 'ServerSideEncryptionConfiguration', 'CreateBucketConfiguration', 'Tagging'), (depth, name, root) => {
      const body = Buffer.from(`<${root}>${`<${name}>`.repeat(depth)}x${`</${name}>`.repeat(depth)}</${root}>`);
      for (const [, parse, codes] of PARSERS) {
        const ms = elapsedMs(() => outcome(() => parse(body), codes));
        assert.ok(ms < 500, `depth ${depth} took ${ms} ms`);
      }
    }),
    params(0.1),
  );
  // A whole 1 MiB body (the limit) of keys: refused (too many keys) in well under a second.
  const big = Buffer.from(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(Math.floor((1024 * 1024 - 20) / 28))}</Delete>`);
  const ms = elapsedMs(() => refused(() => parseDeleteObjects(big, MAX_KEYS), ['MalformedXML']));
  assert.ok(ms < 2000, `1 MiB DeleteObjects took ${ms} ms`);
});
