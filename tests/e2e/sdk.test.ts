/**
 * Our SDK against the real server in both dialects and both addressing styles: bucket and object
 * calls, SSE-C / SSE-KMS / SSE-OBS headers, multipart with copyPart, signed URLs, POST policies,
 * and resumable uploadFile / downloadFile (interrupted, then resumed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObsClient, SseCHeader, SseKmsHeader, SseObsHeader, uploadFile, downloadFile, KmsClient } from '../../src/sdk/index.js';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { loopbackLookup } from '../helpers/clients.js';
import { encodeForm } from '../helpers/bodies.js';
import { rawRequest } from '../helpers/raw.js';

let server: TestServer;
let work: string;

function client(kind: 'obs' | 'v2' | 'v4'): ObsClient {
  if (kind === 'obs') {
    return new ObsClient({ accessKeyId: server.accessKey, secretAccessKey: server.secretKey, server: `http://localhost:${server.httpPort}`, httpAgent: new http.Agent({ keepAlive: true, lookup: loopbackLookup } as http.AgentOptions) });
  }
  return new ObsClient({ accessKeyId: server.accessKey, secretAccessKey: server.secretKey, server: server.httpUrl, signature: kind });
}

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'obscura-sdk-'));
});

after(async () => {
  await server.stop();
  await server.cleanup();
  await rm(work, { recursive: true, force: true });
});

for (const kind of ['obs', 'v2', 'v4'] as const) {
  describe(`ObsClient, ${kind === 'obs' ? 'OBS dialect, virtual-hosted' : kind === 'v2' ? 'AWS V2, path style' : 'SigV4, path style'}`, () => {
    test('buckets, objects, metadata, listing, copy and delete; errors are results', async () => {
      const obs = client(kind);
      const bucket = uniqueBucket(kind);
      assert.equal((await obs.createBucket(bucket)).status, 200);
      assert.ok((await obs.listBuckets()).body!.buckets.some((b) => b.name === bucket));
      assert.equal((await obs.headBucket(bucket)).status, 200);
      const put = await obs.putContent(bucket, 'dir/hello world.txt', 'Hello', { contentType: 'text/plain', metadata: { owner: 'me' } });
      assert.equal(put.status, 200);
      assert.equal(put.body!.etag, createHash('md5').update('Hello').digest('hex'));
      assert.ok(put.requestId);
      const got = await obs.getObject(bucket, 'dir/hello world.txt');
      assert.equal(got.body!.content!.toString(), 'Hello');
      assert.equal(got.body!.contentType, 'text/plain');
      assert.equal(got.body!.metadata['owner'], 'me');
      const range = await obs.getObject(bucket, 'dir/hello world.txt', { range: 'bytes=1-3' });
      assert.equal(range.status, 206);
      assert.equal(range.body!.content!.toString(), 'ell');
      const copy = await obs.copyObject(bucket, 'copy.txt', { bucket, key: 'dir/hello world.txt' });
      assert.equal(copy.status, 200);
      const listed = await obs.listObjects(bucket, { delimiter: '/' });
      assert.deepEqual(listed.body!.commonPrefixes, ['dir/']);
      assert.deepEqual(listed.body!.contents.map((c) => c.key), ['copy.txt']);
      const all: string[] = [];
      for await (const item of obs.listAllObjects(bucket, { pageSize: 1 })) if ('key' in item) all.push(item.key);
      assert.deepEqual(all, ['copy.txt', 'dir/hello world.txt']);
      const missing = await obs.getObject(bucket, 'nope');
      assert.equal(missing.status, 404);
      assert.equal(missing.errorCode, 'NoSuchKey');
      assert.ok(missing.requestId && missing.errorMessage && missing.resource);
      const headMissing = await obs.getObjectMetadata(bucket, 'nope');
      assert.equal(headMissing.status, 404);
      assert.equal(headMissing.errorCode, 'NoSuchKey');
      assert.equal((await obs.deleteObjects(bucket, ['copy.txt', 'dir/hello world.txt'])).body!.deleted.length, 2);
      assert.equal((await obs.deleteBucket(bucket)).status, 204);
      obs.close();
    });

    test('SSE-C, SSE-KMS and SSE-OBS headers; multipart with copyPart under SSE-C', async () => {
      const obs = client(kind);
      const bucket = uniqueBucket(kind);
      await obs.createBucket(bucket);
      const sseC = new SseCHeader({ encryption: 'AES256', key: randomBytes(32) });
      const put = await obs.putContent(bucket, 'c', 'customer keyed', { sseHeader: sseC });
      assert.equal(put.body!.sseC, 'AES256');
      assert.equal(put.body!.sseCKeyMd5, sseC.keyMd5);
      assert.equal((await obs.getObject(bucket, 'c')).status, 400);
      assert.equal((await obs.getObject(bucket, 'c', { sseHeader: sseC })).body!.content!.toString(), 'customer keyed');
      assert.equal((await obs.getObject(bucket, 'c', { sseHeader: new SseCHeader({ key: randomBytes(32) }) })).status, 403);
      const kms = await obs.putContent(bucket, 'k', 'kms', { sseHeader: SseKmsHeader.getInstance() });
      assert.equal(kms.body!.sseKms, kind === 'obs' ? 'kms' : 'aws:kms');
      assert.ok(kms.body!.sseKmsKey);
      const obsMode = await obs.putContent(bucket, 'o', 'service', { sseHeader: SseObsHeader.getInstance() });
      assert.equal(obsMode.body!.sseKms, 'AES256');
      const init = await obs.initiateMultipartUpload(bucket, 'mp', { sseHeader: sseC });
      const part1 = randomBytes(5 * 1024 * 1024);
      const p1 = await obs.uploadPart(bucket, 'mp', init.body!.uploadId, 1, part1, { sseHeader: sseC });
      assert.equal(p1.status, 200);
      const p2 = await obs.copyPart(bucket, 'mp', init.body!.uploadId, 2, { bucket, key: 'c', range: 'bytes=0-7' }, { sseHeader: sseC, sourceSseHeader: sseC });
      assert.equal(p2.status, 200, p2.errorMessage);
      const parts = await obs.listParts(bucket, 'mp', init.body!.uploadId);
      assert.equal(parts.body!.parts.length, 2);
      const done = await obs.completeMultipartUpload(bucket, 'mp', init.body!.uploadId, [{ partNumber: 1, etag: p1.body!.etag }, { partNumber: 2, etag: p2.body!.etag }]);
      assert.match(done.body!.etag, /-2$/);
      const got = await obs.getObject(bucket, 'mp', { sseHeader: sseC });
      assert.deepEqual(got.body!.content, Buffer.concat([part1, Buffer.from('customer')]));
      assert.equal(JSON.stringify(sseC).includes(sseC.keyMd5), true);
      assert.equal(JSON.stringify(sseC).includes('[redacted]'), true, 'keys never print');
      obs.close();
    });

    test('bucket encryption set, get and delete', async () => {
      const obs = client(kind);
      const bucket = uniqueBucket(kind);
      await obs.createBucket(bucket);
      assert.equal((await obs.getBucketEncryption(bucket)).status, 404);
      assert.equal((await obs.setBucketEncryption(bucket, { algorithm: 'AES256' })).status, 200);
      assert.equal((await obs.getBucketEncryption(bucket)).body!.algorithm, 'AES256');
      assert.equal((await obs.putContent(bucket, 'x', 'y')).body!.sseKms, 'AES256');
      assert.equal((await obs.deleteBucketEncryption(bucket)).status, 204);
      obs.close();
    });

    test('signed URLs (with SSE-C headers) and POST policies', async () => {
      const obs = client(kind);
      const bucket = uniqueBucket(kind);
      await obs.createBucket(bucket);
      const sseC = new SseCHeader({ key: randomBytes(32) });
      const prefix = kind === 'obs' ? 'x-obs-' : 'x-amz-';
      const putUrl = obs.createSignedUrl({ method: 'PUT', bucket, key: 'signed.txt', headers: sseC.toHeaders(prefix) });
      const url = new URL(putUrl.signedUrl);
      const res = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'PUT', headers: sseC.toHeaders(prefix), lookup: loopbackLookup }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('via signed url');
      });
      assert.equal(res, 200);
      assert.equal((await obs.getObject(bucket, 'signed.txt', { sseHeader: sseC })).body!.content!.toString(), 'via signed url');
      const fields = obs.createPostSignature({ bucket, key: 'posted.txt', formParams: { 'content-type': 'text/plain' } });
      const form = await encodeForm(fields, 'posted', 'posted.txt');
      const post = await rawRequest({ port: server.httpPort, method: 'POST', path: `/${bucket}`, headers: { 'content-type': form.contentType }, body: form.body });
      assert.equal(post.status, 204, post.body.toString());
      assert.equal((await obs.getObject(bucket, 'posted.txt')).body!.content!.toString(), 'posted');
      obs.close();
    });
  });
}

describe('resumable transfers', () => {
  test('uploadFile interrupted after some parts resumes from its checkpoint; downloadFile with SSE-C likewise', async () => {
    const obs = client('v4');
    const bucket = uniqueBucket('xfer');
    await obs.createBucket(bucket);
    const sseC = new SseCHeader({ key: randomBytes(32) });
    const data = randomBytes(23 * 1024 * 1024 + 123);
    const file = join(work, 'big.bin');
    await writeFile(file, data);
    const checkpoint = join(work, 'big.cp');
    const abort = new AbortController();
    let parts = 0;
    await assert.rejects(uploadFile(obs, bucket, 'big.bin', file, { partSize: 5 * 1024 * 1024, concurrency: 1, checkpointFile: checkpoint, header: { sseHeader: sseC }, signal: abort.signal, progress: () => { if (++parts === 3) abort.abort(new Error('interrupted')); } }), /interrupted/);
    const saved = JSON.parse(await readFile(checkpoint, 'utf8')) as { parts: Record<string, string>; uploadId: string };
    assert.ok(Object.keys(saved.parts).length >= 2, 'some parts were recorded');
    assert.ok(!(await readFile(checkpoint, 'utf8')).includes(sseC.toHeaders('x-amz-')['x-amz-server-side-encryption-customer-key']!), 'no key in the checkpoint');
    const progress: number[] = [];
    await uploadFile(obs, bucket, 'big.bin', file, { partSize: 5 * 1024 * 1024, concurrency: 3, checkpointFile: checkpoint, header: { sseHeader: sseC }, progress: (p) => progress.push(p.transferredBytes) });
    assert.ok(progress[0]! >= 10 * 1024 * 1024, 'resumed, not restarted');
    await assert.rejects(stat(checkpoint));
    assert.equal((await obs.listMultipartUploads(bucket)).body!.uploads.length, 0, 'the resumed upload was the same one');
    const out = join(work, 'big.out');
    const dcp = join(work, 'big.dcp');
    const abort2 = new AbortController();
    let chunks = 0;
    await assert.rejects(downloadFile(obs, bucket, 'big.bin', out, { partSize: 2 * 1024 * 1024, concurrency: 1, sseHeader: sseC, checkpointFile: dcp, signal: abort2.signal, progress: () => { if (++chunks === 4) abort2.abort(new Error('interrupted')); } }), /interrupted/);
    const dsaved = JSON.parse(await readFile(dcp, 'utf8')) as { done: number[] };
    assert.ok(dsaved.done.length >= 2);
    await downloadFile(obs, bucket, 'big.bin', out, { partSize: 2 * 1024 * 1024, concurrency: 4, sseHeader: sseC, checkpointFile: dcp });
    assert.equal(createHash('sha256').update(await readFile(out)).digest('hex'), createHash('sha256').update(data).digest('hex'));
    obs.close();
  });

  test('putFile uploads a whole folder as the documentation\'s aa/ example describes', async () => {
    const obs = client('v2');
    const bucket = uniqueBucket('folder');
    await obs.createBucket(bucket);
    const dir = join(work, 'aa');
    await mkdir(join(dir, 'bb'), { recursive: true });
    await writeFile(join(dir, 'one.txt'), '1');
    await writeFile(join(dir, 'bb', 'two.txt'), '2');
    const r = await obs.putFile(bucket, 'aa', dir);
    assert.equal(r.body!.uploaded, 2);
    const keys = (await obs.listObjects(bucket)).body!.contents.map((c) => c.key);
    assert.deepEqual(keys, ['aa/bb/two.txt', 'aa/one.txt']);
    obs.close();
  });
});

describe('KmsClient', () => {
  test('create, describe, alias, rotate, disable and enable keys', async () => {
    const kms = new KmsClient({ accessKeyId: server.accessKey, secretAccessKey: server.secretKey, server: server.httpUrl });
    const created = await kms.createKey('sdk key');
    assert.equal(created.status, 200);
    const id = created.body!.KeyMetadata.KeyId;
    assert.equal((await kms.describeKey(id)).body!.KeyMetadata.Description, 'sdk key');
    assert.equal((await kms.createAlias('alias/sdk', id)).status, 200);
    assert.equal((await kms.rotateKey(id)).status, 200);
    assert.equal((await kms.disableKey(id)).status, 200);
    assert.equal((await kms.describeKey('alias/sdk')).body!.KeyMetadata.KeyState, 'Disabled');
    const missing = await kms.describeKey('alias/none');
    assert.equal(missing.status, 400);
    assert.equal(missing.errorCode, 'NotFoundException');
    kms.close();
  });
});
