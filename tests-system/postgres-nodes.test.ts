/**
 * Obscura nodes on one PostgreSQL (a throwaway cluster started here): what one node writes, the
 * other reads, in every SSE mode; a KMS key made or rotated on one node works on the other at
 * once; users are shared. With PostgreSQL down, requests answer 503 ServiceUnavailable and change
 * nothing; once it is back, the same nodes serve again without a restart.
 *
 * The two nodes share one data dir for blobs here (they run on one machine); the shared upstream
 * S3 store for blobs is tested in cluster.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, KMSClient, RotateKeyOnDemandCommand } from '@aws-sdk/client-kms';
import { startTestPostgres, type TestPostgres } from '../tests/helpers/postgres.js';
import { startTestServer, type TestServer } from '../tests/helpers/server.js';
import { everySseMode, ssecHeaders } from '../tests/helpers/sse-headers.js';
import { signedRequest, type RawResponse } from '../tests/helpers/raw.js';

let pg: TestPostgres;
let a: TestServer;
let b: TestServer;
const bucket = 'pg-nodes';
const customerKey = randomBytes(32);
const ssec = ssecHeaders(customerKey);

function kms(node: TestServer): KMSClient {
  return new KMSClient({ endpoint: node.httpUrl, region: 'us-east-1', credentials: { accessKeyId: node.accessKey, secretAccessKey: node.secretKey }, maxAttempts: 1 });
}

function code(res: RawResponse): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(res.body.toString())?.[1];
}

before(async () => {
  pg = await startTestPostgres();
  const url = new URL(await pg.createDatabase());
  const password = decodeURIComponent(url.password);
  url.password = '';
  // The password goes in PGPASSWORD, never on the command line or in the URL the server logs.
  const env = { PGPASSWORD: password };
  a = await startTestServer({ args: ['--metadata', url.toString()], env });
  b = await startTestServer({ dataDir: a.dataDir, configDir: a.configDir, accessKey: a.accessKey, secretKey: a.secretKey, args: ['--metadata', url.toString()], env });
  assert.equal((await signedRequest(a, { method: 'PUT', path: `/${bucket}` })).status, 200);
});

after(async () => {
  await a?.stop();
  await b?.stop();
  await a?.cleanup();
  await pg?.stop();
});

test('an object written through one node reads through the other, in every SSE mode', async () => {
  const keyId = (await kms(a).send(new CreateKeyCommand({ Description: 'made on node a' }))).KeyMetadata!.KeyId!;
  const modes = everySseMode(keyId, customerKey);
  for (const [mode, writeHeaders, readHeaders] of modes) {
    const data = randomBytes(100_000);
    assert.equal((await signedRequest(a, { method: 'PUT', path: `/${bucket}/${mode}`, headers: writeHeaders, body: data })).status, 200, mode);
    const read = await signedRequest(b, { path: `/${bucket}/${mode}`, headers: readHeaders });
    assert.equal(read.status, 200, `${mode}: ${read.body.toString()}`);
    assert.deepEqual(read.body, data, mode);
  }
  // A rotation on node b is seen by node a at once: both versions still decrypt.
  await kms(b).send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
  const after = randomBytes(1000);
  assert.equal((await signedRequest(a, { method: 'PUT', path: `/${bucket}/rotated`, headers: { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': keyId }, body: after })).status, 200);
  assert.deepEqual((await signedRequest(b, { path: `/${bucket}/rotated` })).body, after);
  assert.equal((await signedRequest(b, { path: `/${bucket}/sse-kms` })).status, 200);
});

test('with PostgreSQL down: 503 ServiceUnavailable with Retry-After, nothing changed; back up: served again without a restart', async () => {
  const before = randomBytes(5000);
  assert.equal((await signedRequest(a, { method: 'PUT', path: `/${bucket}/steady`, body: before })).status, 200);
  await pg.pause();
  try {
    for (const [node, method, body] of [[a, 'GET', undefined], [b, 'PUT', 'overwrite'], [a, 'DELETE', undefined]] as const) {
      const res = await signedRequest(node, { method, path: `/${bucket}/steady`, ...(body ? { body } : {}) });
      assert.equal(res.status, 503, `${method}: ${res.status} ${res.body.toString()}`);
      assert.equal(code(res), 'ServiceUnavailable');
      assert.ok(res.headers['retry-after'], 'Retry-After tells clients when to come back');
    }
  } finally {
    await pg.resume();
  }
  let res: RawResponse | undefined;
  for (let i = 0; i < 50; i++) {
    res = await signedRequest(b, { path: `/${bucket}/steady` });
    if (res.status === 200) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(res?.status, 200);
  assert.deepEqual(res?.body, before, 'nothing the refused requests sent was applied');
});
