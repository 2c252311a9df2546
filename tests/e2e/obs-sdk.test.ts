/**
 * Huawei's esdk-obs-nodejs against the real server: the OBS dialect (virtual-hosted, after its
 * `HEAD /?apiversion` probe, `Authorization: OBS`), its signed URLs and POST policies, and the V2
 * dialect in path style.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { encodeForm } from '../helpers/bodies.js';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { loopbackLookup, obsClient, obsClientV2, type ObsClientInstance } from '../helpers/clients.js';

let server: TestServer;
let obs: ObsClientInstance;
let v2: ObsClientInstance;
const seenAuth: string[] = [];

before(async () => {
  server = await startTestServer({ args: ['--log-level', 'debug'] });
  obs = obsClient(server);
  v2 = obsClientV2(server);
});

after(async () => {
  obs?.close();
  v2?.close();
  assert.equal(await server.stop(), 0);
  await server.cleanup();
});

function ok(result: { CommonMsg: { Status: number; Code?: string; Message?: string } }, what: string): void {
  assert.ok(result.CommonMsg.Status < 300, `${what}: ${result.CommonMsg.Status} ${result.CommonMsg.Code ?? ''} ${result.CommonMsg.Message ?? ''}`);
}

/** Sends a request through the virtual host `<bucket>.localhost:<port>` with the given URL path+query. */
function hostRequest(bucket: string, method: string, pathAndQuery: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: `${bucket}.localhost`, port: server.httpPort, method, path: pathAndQuery, headers, lookup: loopbackLookup }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('OBS dialect (virtual-hosted, negotiated)', () => {
  test('creates a bucket with <Location>, and objects round-trip with metadata', async () => {
    const bucket = uniqueBucket('obs');
    ok(await obs.createBucket({ Bucket: bucket, Location: 'cn-north-4' }), 'createBucket');
    const loc = await obs.getBucketLocation({ Bucket: bucket });
    ok(loc, 'getBucketLocation');
    assert.equal(loc.InterfaceResult.Location, 'cn-north-4');
    ok(await obs.headBucket({ Bucket: bucket }), 'headBucket');
    const put = await obs.putObject({ Bucket: bucket, Key: 'dir/hello world.txt', Body: 'Hello OBS', Metadata: { 'owner-name': 'obs' }, ContentType: 'text/plain' });
    ok(put, 'putObject');
    assert.equal(put.InterfaceResult.ETag, `"${createHash('md5').update('Hello OBS').digest('hex')}"`);
    const got = await obs.getObject({ Bucket: bucket, Key: 'dir/hello world.txt' });
    ok(got, 'getObject');
    assert.equal(String(got.InterfaceResult.Content), 'Hello OBS');
    const meta = await obs.getObjectMetadata({ Bucket: bucket, Key: 'dir/hello world.txt' });
    ok(meta, 'getObjectMetadata');
    assert.equal(meta.InterfaceResult.Metadata['owner-name'], 'obs');
    assert.equal(Number(meta.InterfaceResult.ContentLength), 9);
    const range = await obs.getObject({ Bucket: bucket, Key: 'dir/hello world.txt', Range: 'bytes=6-8' });
    assert.equal(String(range.InterfaceResult.Content), 'OBS');
  });

  test('copies, lists with delimiter, deletes, and reports errors with OBS codes', async () => {
    const bucket = uniqueBucket('obs');
    ok(await obs.createBucket({ Bucket: bucket }), 'createBucket');
    ok(await obs.putObject({ Bucket: bucket, Key: 'src/a b.txt', Body: 'copy source' }), 'putObject');
    const copy = await obs.copyObject({ Bucket: bucket, Key: 'dst/copied.txt', CopySource: `${bucket}/src/a b.txt` });
    ok(copy, 'copyObject');
    const got = await obs.getObject({ Bucket: bucket, Key: 'dst/copied.txt' });
    assert.equal(String(got.InterfaceResult.Content), 'copy source');
    const list = await obs.listObjects({ Bucket: bucket, Delimiter: '/' });
    ok(list, 'listObjects');
    assert.deepEqual(list.InterfaceResult.CommonPrefixes.map((p: { Prefix: string }) => p.Prefix), ['dst/', 'src/']);
    const missing = await obs.getObject({ Bucket: bucket, Key: 'nope' });
    assert.equal(missing.CommonMsg.Status, 404);
    assert.equal(missing.CommonMsg.Code, 'NoSuchKey');
    assert.ok(missing.CommonMsg.RequestId);
    const headMissing = await obs.getObjectMetadata({ Bucket: bucket, Key: 'nope' });
    assert.equal(headMissing.CommonMsg.Status, 404);
    ok(await obs.deleteObject({ Bucket: bucket, Key: 'dst/copied.txt' }), 'deleteObject');
    const notEmpty = await obs.deleteBucket({ Bucket: bucket });
    assert.equal(notEmpty.CommonMsg.Status, 409);
    assert.equal(notEmpty.CommonMsg.Code, 'BucketNotEmpty');
  });

  test('multipart upload with uploadPart and completeMultipartUpload', async () => {
    const bucket = uniqueBucket('obs');
    ok(await obs.createBucket({ Bucket: bucket }), 'createBucket');
    const init = await obs.initiateMultipartUpload({ Bucket: bucket, Key: 'mp.bin' });
    ok(init, 'initiate');
    const uploadId = init.InterfaceResult.UploadId;
    const a = randomBytes(5 * 1024 * 1024);
    const b = randomBytes(999);
    // esdk sends a Buffer Body as a string; binary data goes as a stream (chunked transfer).
    const p1 = await obs.uploadPart({ Bucket: bucket, Key: 'mp.bin', UploadId: uploadId, PartNumber: 1, Body: Readable.from([a]) });
    ok(p1, 'uploadPart 1');
    const p2 = await obs.uploadPart({ Bucket: bucket, Key: 'mp.bin', UploadId: uploadId, PartNumber: 2, Body: Readable.from([b]) });
    ok(p2, 'uploadPart 2');
    const parts = await obs.listParts({ Bucket: bucket, Key: 'mp.bin', UploadId: uploadId });
    ok(parts, 'listParts');
    assert.equal(parts.InterfaceResult.Parts.length, 2);
    const done = await obs.completeMultipartUpload({ Bucket: bucket, Key: 'mp.bin', UploadId: uploadId, Parts: [{ PartNumber: 1, ETag: p1.InterfaceResult.ETag }, { PartNumber: 2, ETag: p2.InterfaceResult.ETag }] });
    ok(done, 'complete');
    assert.match(done.InterfaceResult.ETag, /-2"$/);
    const got = await obs.getObject({ Bucket: bucket, Key: 'mp.bin', SaveAsStream: true });
    const chunks: Buffer[] = [];
    for await (const c of got.InterfaceResult.Content) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat([a, b]));
  });

  test('signed URLs (AccessKeyId, Expires, Signature) for PUT and GET; expired and altered ones are refused', async () => {
    const bucket = uniqueBucket('obs');
    ok(await obs.createBucket({ Bucket: bucket }), 'createBucket');
    const put = obs.createSignedUrlSync({ Method: 'PUT', Bucket: bucket, Key: 'signed obj.txt', Expires: 300, Headers: { 'Content-Type': 'text/plain' } });
    const url = new URL(put.SignedUrl);
    assert.ok(url.searchParams.get('AccessKeyId'));
    const r1 = await hostRequest(bucket, 'PUT', url.pathname + url.search, { 'content-type': 'text/plain' }, 'via signed url');
    assert.equal(r1.status, 200, r1.body.toString());
    const get = obs.createSignedUrlSync({ Method: 'GET', Bucket: bucket, Key: 'signed obj.txt', Expires: 300 });
    const gu = new URL(get.SignedUrl);
    const r2 = await hostRequest(bucket, 'GET', gu.pathname + gu.search);
    assert.equal(r2.status, 200);
    assert.equal(r2.body.toString(), 'via signed url');
    const altered = await hostRequest(bucket, 'GET', gu.pathname.replace('obj', 'obk') + gu.search);
    assert.equal(altered.status, 403);
    assert.match(altered.body.toString(), /SignatureDoesNotMatch/);
    const past = new URL(gu.toString());
    past.searchParams.set('Expires', String(Math.floor(Date.now() / 1000) - 10));
    const expired = await hostRequest(bucket, 'GET', past.pathname + past.search);
    assert.equal(expired.status, 403);
  });

  test('browser-form POST with an OBS policy stores the file, and a violated condition is refused', async () => {
    const bucket = uniqueBucket('obs');
    ok(await obs.createBucket({ Bucket: bucket }), 'createBucket');
    const formParams: Record<string, string> = { 'content-type': 'text/plain' };
    const res = obs.createPostSignatureSync({ Bucket: bucket, Key: 'posted.txt', Expires: 3600, FormParams: formParams });
    const post = async (fields: Record<string, string>, file: string): Promise<{ status: number; body: Buffer }> => {
      const form = await encodeForm(fields, file, 'posted.txt');
      return hostRequest(bucket, 'POST', '/', { 'content-type': form.contentType }, form.body);
    };
    const good = await post({ key: 'posted.txt', 'content-type': 'text/plain', policy: res.Policy, AccessKeyId: server.accessKey, signature: res.Signature }, 'posted content');
    assert.ok(good.status >= 200 && good.status < 300, good.body.toString());
    const got = await obs.getObject({ Bucket: bucket, Key: 'posted.txt' });
    assert.equal(got.CommonMsg.Status, 200, JSON.stringify(got.CommonMsg));
    assert.equal(String(got.InterfaceResult.Content), 'posted content');
    const bad = await post({ key: 'other.txt', 'content-type': 'text/plain', policy: res.Policy, AccessKeyId: server.accessKey, signature: res.Signature }, 'x');
    assert.equal(bad.status, 403);
    const wrongSig = await post({ key: 'posted.txt', 'content-type': 'text/plain', policy: res.Policy, AccessKeyId: server.accessKey, signature: 'AAAA' + res.Signature.slice(4) }, 'x');
    assert.equal(wrongSig.status, 403);
    const again = await obs.getObject({ Bucket: bucket, Key: 'posted.txt' });
    assert.equal(String(again.InterfaceResult.Content), 'posted content', 'refused posts change nothing');
  });

  test('the OBS dialect was really used: OBS signatures in the log', () => {
    const logs = server.logs();
    assert.match(logs, /"dialect":"obs"/);
    void seenAuth;
  });
});

describe('V2 dialect, path style', () => {
  test('bucket and object operations through esdk in path style', async () => {
    const bucket = uniqueBucket('v2');
    ok(await v2.createBucket({ Bucket: bucket }), 'createBucket');
    ok(await v2.putObject({ Bucket: bucket, Key: 'p/q r.txt', Body: 'path style' }), 'putObject');
    const got = await v2.getObject({ Bucket: bucket, Key: 'p/q r.txt' });
    ok(got, 'getObject');
    assert.equal(String(got.InterfaceResult.Content), 'path style');
    const list = await v2.listObjects({ Bucket: bucket, Prefix: 'p/' });
    ok(list, 'listObjects');
    assert.equal(list.InterfaceResult.Contents.length, 1);
    const url = v2.createSignedUrlSync({ Method: 'GET', Bucket: bucket, Key: 'p/q r.txt', Expires: 300 });
    const res = await fetch(url.SignedUrl);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'path style');
    ok(await v2.deleteObject({ Bucket: bucket, Key: 'p/q r.txt' }), 'deleteObject');
    ok(await v2.deleteBucket({ Bucket: bucket }), 'deleteBucket');
  });
});
