/**
 * Faults: a full disk (an injected ENOSPC layer under the real blob store of a server started in
 * this process, talked to over HTTP) fails writes with 503 and damages nothing, and the server works
 * again once space is back; a keystore that no longer opens refuses to start. Corrupted blobs are
 * in at-rest.test.ts, wrong root keys in startup.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { resolveConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { signedRequest, type RawResponse } from '../helpers/raw.js';
import { startTestServer } from '../helpers/server.js';

let base: string;
let server: RunningServer;
let target: { httpPort: number; accessKey: string; secretKey: string };
let diskFull = false;
let logs = '';
const bucket = 'faults';
const customerKey = randomBytes(32);
const ssec = {
  'x-amz-server-side-encryption-customer-algorithm': 'AES256',
  'x-amz-server-side-encryption-customer-key': customerKey.toString('base64'),
  'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(customerKey).digest('base64'),
};

function errorCode(res: RawResponse): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(res.body.toString())?.[1];
}

function request(options: Parameters<typeof signedRequest>[1]): Promise<RawResponse> {
  return signedRequest(target, options);
}

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'obscura-faults-'));
  const config = resolveConfig(
    { 'data-dir': join(base, 'data'), 'config-dir': join(base, 'config'), 'http-port': '0', 'https-port': '-1', 'access-key': 'AKFAULTS', 'secret-key': 'fault-secret-0123456789', 'allow-insecure-sse': true, 'log-level': 'info' },
    {},
  );
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs += chunk.toString();
      callback();
    },
  });
  server = await startServer(config, {
    logDestination,
    blobFaults: {
      beforeWrite: () => {
        if (diskFull) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
    },
  });
  target = { httpPort: Number(new URL(server.httpUrl).port), accessKey: 'AKFAULTS', secretKey: 'fault-secret-0123456789' };
  assert.equal((await request({ method: 'PUT', path: `/${bucket}` })).status, 200);
});

after(async () => {
  await server.close();
  await rm(base, { recursive: true, force: true });
});

describe('a full disk', () => {
  test('every kind of write fails with 503, stored objects stay whole, and writes work again once space is back', async () => {
    const plain = randomBytes(300_000);
    const secret = randomBytes(200_000);
    assert.equal((await request({ method: 'PUT', path: `/${bucket}/plain`, body: plain })).status, 200);
    assert.equal((await request({ method: 'PUT', path: `/${bucket}/secret`, headers: ssec, body: secret })).status, 200);
    const initiated = await request({ method: 'POST', path: `/${bucket}/mp?uploads` });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated.body.toString())![1]!;

    diskFull = true;
    const attempts: Array<[string, Promise<RawResponse>]> = [
      ['overwrite', request({ method: 'PUT', path: `/${bucket}/plain`, body: randomBytes(100_000) })],
      ['new object', request({ method: 'PUT', path: `/${bucket}/new`, body: 'x' })],
      ['SSE-C overwrite', request({ method: 'PUT', path: `/${bucket}/secret`, headers: ssec, body: randomBytes(10) })],
      ['copy (no re-encryption)', request({ method: 'PUT', path: `/${bucket}/copy`, headers: { 'x-amz-copy-source': `/${bucket}/plain` } })],
      ['copy onto an object', request({ method: 'PUT', path: `/${bucket}/secret`, headers: { 'x-amz-copy-source': `/${bucket}/plain` } })],
      ['upload part', request({ method: 'PUT', path: `/${bucket}/mp?partNumber=1&uploadId=${uploadId}`, body: randomBytes(1000) })],
    ];
    for (const [name, attempt] of attempts) {
      const res = await attempt;
      assert.equal(res.status, 503, `${name}: ${res.status} ${res.body.toString()}`);
      assert.equal(errorCode(res), 'ServiceUnavailable', name);
      assert.match(res.body.toString(), /storage is full/);
    }
    // Reads go on while the disk is full, and return exactly what was stored.
    assert.deepEqual((await request({ path: `/${bucket}/plain` })).body, plain);
    assert.deepEqual((await request({ path: `/${bucket}/secret`, headers: ssec })).body, secret);
    assert.equal((await request({ path: `/${bucket}/new` })).status, 404);
    assert.equal((await request({ path: `/${bucket}/copy` })).status, 404);
    assert.doesNotMatch((await request({ path: `/${bucket}/mp?uploadId=${uploadId}` })).body.toString(), /<Part>/);
    assert.deepEqual(await readdir(join(base, 'data', 'blobs', 'tmp')), [], 'no temp file is left behind');

    diskFull = false;
    const fresh = randomBytes(50_000);
    assert.equal((await request({ method: 'PUT', path: `/${bucket}/plain`, body: fresh })).status, 200);
    assert.deepEqual((await request({ path: `/${bucket}/plain` })).body, fresh);
    assert.equal((await request({ method: 'PUT', path: `/${bucket}/mp?partNumber=1&uploadId=${uploadId}`, body: 'part' })).status, 200);
    assert.match(logs, /"level":50|ENOSPC|full/i, 'the failure is logged');
  });
});

describe('an unreadable keystore', () => {
  test('a damaged KMS keystore refuses to start with a clear message and is left as it was', async () => {
    const dirs = await mkdtemp(join(tmpdir(), 'obscura-keystore-'));
    try {
      const first = await startTestServer({ dataDir: join(dirs, 'data'), configDir: join(dirs, 'config') });
      // Put a key in the keystore, so it exists in the metadata.
      assert.equal((await signedRequest(first, { method: 'PUT', path: '/keystore-test' })).status, 200);
      const kms = await signedRequest(first, { method: 'PUT', path: '/keystore-test/o', headers: { 'x-amz-server-side-encryption': 'aws:kms' }, body: 'x' });
      assert.equal(kms.status, 200, kms.body.toString());
      await first.stop();
      const db = new Database(join(dirs, 'data', 'metadata.sqlite'));
      const row = db.prepare("SELECT name, value FROM state WHERE name LIKE 'kms%'").get() as { name: string; value: string };
      const damaged = row.value.slice(0, 40) + (row.value[40] === 'A' ? 'B' : 'A') + row.value.slice(41);
      db.prepare('UPDATE state SET value = ? WHERE name = ?').run(damaged, row.name);
      db.close();
      await assert.rejects(startTestServer({ dataDir: join(dirs, 'data'), configDir: join(dirs, 'config') }), /keystore/i);
      const after = new Database(join(dirs, 'data', 'metadata.sqlite'));
      assert.equal((after.prepare('SELECT value FROM state WHERE name = ?').get(row.name) as { value: string }).value, damaged, 'the keystore is not overwritten');
      after.close();
    } finally {
      await rm(dirs, { recursive: true, force: true });
    }
  });
});
