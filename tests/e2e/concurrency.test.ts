/**
 * Concurrency: 64 clients overwrite, read, copy and delete the same few keys at once. Every body
 * carries its own digest, so a reader can tell a whole version from a torn one: every GET returns
 * one whole version or 404, nothing answers 5xx, and listings stay sorted, unique and within the
 * key set. Completing one multipart upload from several clients at once: exactly one wins.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { signedRequest, type RawResponse } from '../helpers/raw.js';

let server: TestServer;
const bucket = uniqueBucket('race');
const keys = ['a', 'b', 'c', 'd'];

function request(options: Parameters<typeof signedRequest>[1]): Promise<RawResponse> {
  return signedRequest(server, options);
}

/** sha256(rest) ‖ rest: a version that knows whether it is whole. */
function version(): Buffer {
  const rest = randomBytes(randomInt(1, 256 * 1024));
  return Buffer.concat([createHash('sha256').update(rest).digest(), rest]);
}

function isWhole(body: Buffer): boolean {
  return body.length > 32 && createHash('sha256').update(body.subarray(32)).digest().equals(body.subarray(0, 32));
}

before(async () => {
  server = await startTestServer();
  assert.equal((await request({ method: 'PUT', path: `/${bucket}` })).status, 200);
});

after(async () => {
  await server.stop();
  await server.cleanup();
});

describe('64 clients on the same keys', () => {
  test('every read is one whole version or 404, no 5xx, listings consistent', async () => {
    const counts: Record<string, number> = {};
    const deadline = Date.now() + 4000;
    const client = async (id: number): Promise<void> => {
      while (Date.now() < deadline) {
        const key = keys[randomInt(keys.length)]!;
        const op = (id + randomInt(6)) % 6;
        let res: RawResponse;
        let kind: string;
        if (op === 0 || op === 1) {
          kind = 'put';
          const sse = randomInt(2) === 0 ? { 'x-amz-server-side-encryption': 'AES256' } : undefined;
          res = await request({ method: 'PUT', path: `/${bucket}/${key}`, body: version(), ...(sse ? { headers: sse } : {}) });
          assert.equal(res.status, 200, res.body.toString());
        } else if (op === 2 || op === 3) {
          kind = 'get';
          res = await request({ path: `/${bucket}/${key}` });
          assert.ok(res.status === 200 || res.status === 404, `GET ${res.status}: ${res.body.toString()}`);
          if (res.status === 200) assert.ok(isWhole(res.body), 'a GET returned a torn version');
        } else if (op === 4) {
          kind = 'copy';
          const from = keys.filter((k) => k !== key)[randomInt(keys.length - 1)]!;
          res = await request({ method: 'PUT', path: `/${bucket}/${key}`, headers: { 'x-amz-copy-source': `/${bucket}/${from}` } });
          // The source may have been deleted a moment ago.
          assert.ok(res.status === 200 || res.status === 404, `copy ${res.status}: ${res.body.toString()}`);
        } else if (randomInt(3) === 0) {
          kind = 'delete';
          res = await request({ method: 'DELETE', path: `/${bucket}/${key}` });
          assert.equal(res.status, 204, res.body.toString());
        } else {
          kind = 'list';
          res = await request({ path: `/${bucket}?list-type=2` });
          assert.equal(res.status, 200, res.body.toString());
          const listed = Array.from(res.body.toString().matchAll(/<Key>([^<]*)<\/Key>/g), (m) => m[1]!);
          assert.deepEqual(listed, [...new Set(listed)].sort(), 'a listing is sorted and has no duplicates');
          for (const k of listed) assert.ok(keys.includes(k), `a listing shows ${k}`);
        }
        counts[kind] = (counts[kind] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 64 }, (_, i) => client(i)));
    for (const kind of ['put', 'get', 'copy', 'delete', 'list']) assert.ok((counts[kind] ?? 0) > 10, `${kind} ran: ${JSON.stringify(counts)}`);
    // Once quiet, every key is whole or absent, and the listing agrees with the reads.
    const listed = Array.from((await request({ path: `/${bucket}?list-type=2` })).body.toString().matchAll(/<Key>([^<]*)<\/Key>/g), (m) => m[1]!);
    for (const key of keys) {
      const res = await request({ path: `/${bucket}/${key}` });
      assert.equal(res.status === 200, listed.includes(key), `${key}: listing and GET agree`);
      if (res.status === 200) assert.ok(isWhole(res.body));
    }
  });
});

describe('racing multipart completes', () => {
  async function upload(key: string): Promise<{ uploadId: string; body: string; data: Buffer }> {
    const initiated = await request({ method: 'POST', path: `/${bucket}/${key}?uploads` });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated.body.toString())![1]!;
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1000)];
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      const res = await request({ method: 'PUT', path: `/${bucket}/${key}?partNumber=${i + 1}&uploadId=${uploadId}`, body: part });
      etags.push(res.headers['etag'] as string);
    }
    const body = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    return { uploadId, body, data: Buffer.concat(parts) };
  }

  test('one upload completed by 8 clients at once: exactly one wins, the others get NoSuchUpload', async () => {
    const { uploadId, body, data } = await upload('one');
    const results = await Promise.all(Array.from({ length: 8 }, () => request({ method: 'POST', path: `/${bucket}/one?uploadId=${uploadId}`, body })));
    assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(','));
    for (const r of results.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 404);
      assert.match(r.body.toString(), /<Code>NoSuchUpload<\/Code>/);
    }
    assert.deepEqual((await request({ path: `/${bucket}/one` })).body, data);
  });

  test('6 uploads of the same key complete at once: the object is exactly one of them', async () => {
    const uploads = await Promise.all(Array.from({ length: 6 }, () => upload('many')));
    const results = await Promise.all(uploads.map((u) => request({ method: 'POST', path: `/${bucket}/many?uploadId=${u.uploadId}`, body: u.body })));
    for (const r of results) assert.equal(r.status, 200, r.body.toString());
    const stored = (await request({ path: `/${bucket}/many` })).body;
    assert.equal(uploads.filter((u) => u.data.equals(stored)).length, 1);
    // No upload is left behind.
    assert.doesNotMatch((await request({ path: `/${bucket}?uploads` })).body.toString(), /<Upload>/);
  });
});
