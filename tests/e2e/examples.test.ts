/** The examples under examples/ run against the real server, as a user would run them. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.js';
import { ObsClient } from '../../src/sdk/index.js';

let server: TestServer;
let work: string;

function example(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'dist', 'examples', `${name}.js`), ...args], { env: { PATH: process.env['PATH'] ?? '', OBSCURA_ENDPOINT: server.httpUrl, OBSCURA_ACCESS_KEY: server.accessKey, OBSCURA_SECRET_KEY: server.secretKey } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'obscura-examples-'));
  const obs = new ObsClient({ accessKeyId: server.accessKey, secretAccessKey: server.secretKey, server: server.httpUrl });
  assert.equal((await obs.createBucket('examples')).status, 200);
  obs.close();
});

after(async () => {
  await server.stop();
  await server.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('the SSE-KMS file example uploads, downloads and compares', async () => {
  const file = join(work, 'kms.bin');
  await writeFile(file, randomBytes(300_000));
  const r = await example('sse-kms-file', ['examples', 'kms.bin', file]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /encryption: aws:kms key: arn:aws:kms:/);
  assert.match(r.stdout, /downloaded file matches/);
});

test('the SSE-C file example uploads, is refused without the key, downloads with it', async () => {
  const file = join(work, 'ssec.bin');
  const keyFile = join(work, 'ssec.key');
  await writeFile(file, randomBytes(200_000));
  await writeFile(keyFile, randomBytes(32));
  const r = await example('sse-c-file', ['examples', 'ssec.bin', file, keyFile]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /getObject without the key: 400 InvalidRequest/);
  assert.match(r.stdout, /downloaded file matches/);
});

test('the SSE-C multipart example with copyPart assembles the object', async () => {
  const file = join(work, 'part1.bin');
  await writeFile(file, randomBytes(5 * 1024 * 1024));
  const keyFile = join(work, 'target.key');
  const sourceKeyFile = join(work, 'source.key');
  await writeFile(keyFile, randomBytes(32));
  await writeFile(sourceKeyFile, randomBytes(32));
  const r = await example('sse-c-multipart-copy', ['examples', file, keyFile, sourceKeyFile]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /assembled object matches/);
});
