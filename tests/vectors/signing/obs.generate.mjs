/**
 * Writes obs.json: golden OBS-signature vectors. Each string to sign below is written out by hand
 * from ../../../../shared/OBS-PROTOCOL.md §2–§3 (it is NOT produced by src/signing), and the
 * signature is Base64(HMAC-SHA1(SK, UTF-8(StringToSign))) from node:crypto directly. Run once:
 *
 *   node tests/vectors/signing/obs.generate.mjs
 *
 * The JSON is the golden file; regenerate only when a case is added, and review the diff.
 */
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const AK = 'OBSEXAMPLEACCESSKEY1';
const SK = 'obs/Example+Secret/Key0123456789abcdefGHIJ';
const D = 'Mon, 23 Nov 2026 02:16:38 GMT';
const NOW_MS = Date.parse(D);
const EXPIRES = NOW_MS / 1000 + 300;
// SSE-C customer key: the 32 ASCII bytes "0123456789abcdef0123456789abcdef".
const K64 = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
const M64 = 'hRasmdxgYDKV3nvbahU1MA==';
// Content-MD5 of "hello world".
const CMD5 = 'XrY7u+Ae7tCTyyK7j1rNww==';

const sign = (sts) => createHmac('sha1', SK).update(sts, 'utf8').digest('base64');

const ssec = {
  'x-obs-server-side-encryption-customer-algorithm': 'AES256',
  'x-obs-server-side-encryption-customer-key': K64,
  'x-obs-server-side-encryption-customer-key-md5': M64,
};

/** Each case: the request as the server sees it (virtual-hosted, Node-lower-cased headers) and the hand-written StringToSign. */
const cases = [
  {
    name: 'put-object-md5-type-meta-ssec',
    about: 'PUT with Content-MD5, Content-Type, x-obs-meta-* and SSE-C headers; an x-amz-* header is not signed in the OBS dialect',
    auth: 'header',
    method: 'PUT',
    key: 'photos/cat.jpg',
    rawPath: '/photos/cat.jpg',
    rawQuery: '',
    query: [],
    headers: {
      host: 'bkt.obs.example.com',
      'content-md5': CMD5,
      'content-type': 'image/jpeg',
      date: D,
      'x-obs-meta-colour': 'light blue',
      'x-obs-meta-owner': 'alice',
      ...ssec,
      'x-amz-meta-ignored': 'not signed by OBS',
    },
    stringToSign:
      'PUT\n' +
      `${CMD5}\n` +
      'image/jpeg\n' +
      `${D}\n` +
      'x-obs-meta-colour:light blue\n' +
      'x-obs-meta-owner:alice\n' +
      'x-obs-server-side-encryption-customer-algorithm:AES256\n' +
      `x-obs-server-side-encryption-customer-key:${K64}\n` +
      `x-obs-server-side-encryption-customer-key-md5:${M64}\n` +
      '/bkt/photos/cat.jpg',
  },
  {
    name: 'upload-part-ssec',
    about: 'OBS-PROTOCOL.md §2 example: upload part 3 with SSE-C; partNumber and uploadId keep their case',
    auth: 'header',
    method: 'PUT',
    key: 'obj.bin',
    rawPath: '/obj.bin',
    rawQuery: 'partNumber=3&uploadId=UP1',
    query: [['partNumber', '3'], ['uploadId', 'UP1']],
    headers: { host: 'bkt.obs.example.com', 'content-length': '5242880', date: D, ...ssec },
    stringToSign:
      'PUT\n\n\n' +
      `${D}\n` +
      'x-obs-server-side-encryption-customer-algorithm:AES256\n' +
      `x-obs-server-side-encryption-customer-key:${K64}\n` +
      `x-obs-server-side-encryption-customer-key-md5:${M64}\n` +
      '/bkt/obj.bin?partNumber=3&uploadId=UP1',
  },
  {
    name: 'get-object-acl',
    about: 'GET ?acl on an object',
    auth: 'header',
    method: 'GET',
    key: 'photos/cat.jpg',
    rawPath: '/photos/cat.jpg',
    rawQuery: 'acl',
    query: [['acl', '']],
    headers: { host: 'bkt.obs.example.com', date: D },
    stringToSign: `GET\n\n\n${D}\n/bkt/photos/cat.jpg?acl`,
  },
  {
    name: 'get-upload-id-part-number-sorted',
    about: 'uploadId sent before partNumber: the sub-resources are sorted in the string to sign',
    auth: 'header',
    method: 'GET',
    key: 'obj.bin',
    rawPath: '/obj.bin',
    rawQuery: 'uploadId=UP1&partNumber=3',
    query: [['uploadId', 'UP1'], ['partNumber', '3']],
    headers: { host: 'bkt.obs.example.com', date: D },
    stringToSign: `GET\n\n\n${D}\n/bkt/obj.bin?partNumber=3&uploadId=UP1`,
  },
  {
    name: 'get-bucket-encryption',
    about: 'bucket-level GET ?encryption, virtual-hosted: the resource is /<bucket>/?encryption',
    auth: 'header',
    method: 'GET',
    rawPath: '/',
    rawQuery: 'encryption',
    query: [['encryption', '']],
    headers: { host: 'bkt.obs.example.com', date: D },
    stringToSign: `GET\n\n\n${D}\n/bkt/?encryption`,
  },
  {
    name: 'head-apiversion-not-a-sub-resource',
    about: 'apiversion is not in the sub-resource list (esdk does not sign it): the resource is /<bucket>/',
    auth: 'header',
    method: 'HEAD',
    rawPath: '/',
    rawQuery: 'apiversion',
    query: [['apiversion', '']],
    headers: { host: 'bkt.obs.example.com', date: D },
    stringToSign: `HEAD\n\n\n${D}\n/bkt/`,
  },
  {
    name: 'get-object-response-overrides',
    about: 'response-* overrides and versionId are signed with decoded values, sorted; prefix and other names are not',
    auth: 'header',
    method: 'GET',
    key: 'photos/cat.jpg',
    rawPath: '/photos/cat.jpg',
    rawQuery: 'versionId=v1&response-content-type=text%2Fplain&response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&prefix=ignored&x-unknown=ignored',
    query: [
      ['versionId', 'v1'],
      ['response-content-type', 'text/plain'],
      ['response-content-disposition', 'attachment; filename="a b.txt"'],
      ['prefix', 'ignored'],
      ['x-unknown', 'ignored'],
    ],
    headers: { host: 'bkt.obs.example.com', date: D },
    stringToSign:
      `GET\n\n\n${D}\n` +
      '/bkt/photos/cat.jpg?response-content-disposition=attachment; filename="a b.txt"&response-content-type=text/plain&versionId=v1',
  },
  {
    name: 'list-objects-virtual-hosted',
    about: 'virtual-hosted bucket listing: prefix, max-keys and marker are not sub-resources; the resource is /<bucket>/',
    auth: 'header',
    method: 'GET',
    rawPath: '/',
    rawQuery: 'prefix=photos%2F&max-keys=50&marker=puppy',
    query: [['prefix', 'photos/'], ['max-keys', '50'], ['marker', 'puppy']],
    headers: { host: 'bkt.obs.example.com', date: D },
    stringToSign: `GET\n\n\n${D}\n/bkt/`,
  },
  {
    name: 'object-name-escapes',
    about: "object name with spaces, unicode, '%', '(', ')', '!' and a '../' segment, signed as sent (strict RFC 3986, '/' kept, no dot-segment removal)",
    auth: 'header',
    method: 'GET',
    key: 'dir/a b/ünï%code/../x (1)!.txt',
    rawPath: '/dir/a%20b/%C3%BCn%C3%AF%25code/../x%20%281%29%21.txt',
    rawQuery: '',
    query: [],
    headers: { host: 'bkt.obs.example.com', date: D },
    stringToSign: `GET\n\n\n${D}\n/bkt/dir/a%20b/%C3%BCn%C3%AF%25code/../x%20%281%29%21.txt`,
  },
  {
    name: 'x-obs-date-and-security-token',
    about: 'x-obs-date present: the Date line is empty and x-obs-date is a canonical header; x-obs-security-token is signed like any x-obs-* header',
    auth: 'header',
    method: 'DELETE',
    key: 'photos/cat.jpg',
    rawPath: '/photos/cat.jpg',
    rawQuery: '',
    query: [],
    headers: { host: 'bkt.obs.example.com', date: 'Mon, 23 Nov 2026 02:16:00 GMT', 'x-obs-date': D, 'x-obs-security-token': 'TOKEN/abc+def=' },
    stringToSign: `DELETE\n\n\n\nx-obs-date:${D}\nx-obs-security-token:TOKEN/abc+def=\n/bkt/photos/cat.jpg`,
  },
  {
    name: 'signed-url-get',
    about: 'OBS-PROTOCOL.md §3: AccessKeyId/Expires/Signature; Expires takes the Date line',
    auth: 'query',
    method: 'GET',
    key: 'photos/cat.jpg',
    rawPath: '/photos/cat.jpg',
    rawQuery: '',
    query: [],
    expires: EXPIRES,
    headers: { host: 'bkt.obs.example.com:9000' },
    stringToSign: `GET\n\n\n${EXPIRES}\n/bkt/photos/cat.jpg`,
  },
  {
    name: 'signed-url-put-ssec-token',
    about: 'signed URL for a PUT with SSE-C headers sent as headers, and x-obs-security-token in the query (a sub-resource for query auth)',
    auth: 'query',
    method: 'PUT',
    key: 'obj.bin',
    rawPath: '/obj.bin',
    rawQuery: 'x-obs-security-token=TOKEN%2Fabc',
    query: [['x-obs-security-token', 'TOKEN/abc']],
    expires: EXPIRES,
    headers: { host: 'bkt.obs.example.com:9000', 'content-type': 'application/octet-stream', ...ssec },
    stringToSign:
      'PUT\n\napplication/octet-stream\n' +
      `${EXPIRES}\n` +
      'x-obs-server-side-encryption-customer-algorithm:AES256\n' +
      `x-obs-server-side-encryption-customer-key:${K64}\n` +
      `x-obs-server-side-encryption-customer-key-md5:${M64}\n` +
      '/bkt/obj.bin?x-obs-security-token=TOKEN/abc',
  },
];

const out = {
  about: 'Golden OBS signature vectors. stringToSign written by hand from OBS-PROTOCOL.md; signature = Base64(HMAC-SHA1(secretAccessKey, stringToSign)) from node:crypto. Generated by obs.generate.mjs.',
  accessKeyId: AK,
  secretAccessKey: SK,
  bucket: 'bkt',
  nowMs: NOW_MS,
  cases: cases.map((c) => ({ ...c, bucket: 'bkt', signature: sign(c.stringToSign) })),
};

const here = dirname(fileURLToPath(import.meta.url));
writeFileSync(join(here, 'obs.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${out.cases.length} cases`);
