/**
 * Three Obscura nodes, one PostgreSQL (throwaway cluster) and one upstream store (Ceph RGW from
 * ../shared/peers/ceph), all real processes on loopback:
 * an object written through one node reads through the others in every SSE mode; parts of one
 * multipart upload sent to different nodes complete; concurrent overwrites through different nodes
 * stay atomic; a node killed mid-upload loses nothing acknowledged; the upstream holds ciphertext only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { startTestPostgres, type TestPostgres } from '../tests/helpers/postgres.js';
import { startTestCeph, type TestCeph } from '../tests/helpers/ceph.js';
import { startTestServer, type TestServer } from '../tests/helpers/server.js';
import { everySseMode, ssecHeaders } from '../tests/helpers/sse-headers.js';
import { signedRequest, type RawResponse } from '../tests/helpers/raw.js';
import { bodyBytes } from '../tests/helpers/bodies.js';

let pg: TestPostgres;
let ceph: TestCeph;
let base: string;
let nodes: TestServer[] = [];
let nodeArgs: { args: string[]; env: Record<string, string> };
const upstreamBucket = 'obscura-ciphertext';
const bucket = 'cluster';
const accessKey = 'AKCLUSTER' + randomBytes(4).toString('hex').toUpperCase();
const secretKey = randomBytes(24).toString('base64url');
const customerKey = randomBytes(32);
const ssec = ssecHeaders(customerKey);
/** Every plaintext written, to show the upstream never holds one. */
const plaintexts: Buffer[] = [];

function upstream(): S3Client {
  return new S3Client({ endpoint: ceph.endpoint, region: ceph.region, forcePathStyle: true, credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey } });
}

async function startNode(i: number): Promise<TestServer> {
  return startTestServer({ dataDir: join(base, `node${i}`), configDir: join(base, 'config'), accessKey, secretKey, ...nodeArgs });
}

function put(node: TestServer, key: string, data: Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  plaintexts.push(data);
  return signedRequest(node, { method: 'PUT', path: `/${bucket}/${key}`, headers, body: data });
}

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'obscura-cluster-'));
  [pg, ceph] = await Promise.all([startTestPostgres(), startTestCeph()]);
  await upstream().send(new CreateBucketCommand({ Bucket: upstreamBucket }));
  const url = new URL(await pg.createDatabase());
  const password = decodeURIComponent(url.password);
  url.password = '';
  nodeArgs = {
    args: ['--metadata', url.toString(), '--blobs', `s3://${upstreamBucket}?endpoint=${encodeURIComponent(ceph.endpoint)}&region=${ceph.region}`],
    env: { PGPASSWORD: password, OBSCURA_BLOBS_ACCESS_KEY: ceph.accessKey, OBSCURA_BLOBS_SECRET_KEY: ceph.secretKey },
  };
  // The first node makes the config dir (service master key, KMS root key); the others share it.
  nodes = [await startNode(0)];
  nodes.push(...(await Promise.all([startNode(1), startNode(2)])));
  assert.equal((await signedRequest(nodes[0]!, { method: 'PUT', path: `/${bucket}` })).status, 200);
});

after(async () => {
  for (const n of nodes) await n.stop('SIGKILL').catch(() => undefined);
  await ceph?.stop();
  await pg?.stop();
  if (base) await rm(base, { recursive: true, force: true });
});

test('an object written through one node reads through every other, in every SSE mode', async () => {
  const kms = new KMSClient({ endpoint: nodes[1]!.httpUrl, region: 'us-east-1', credentials: { accessKeyId: accessKey, secretAccessKey: secretKey }, maxAttempts: 1 });
  const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const modes = everySseMode(keyId, customerKey);
  for (const [mode, writeHeaders, readHeaders] of modes) {
    for (const [w, writer] of nodes.entries()) {
      const data = randomBytes(randomInt(1, 3 * 1024 * 1024));
      const key = `${mode}/from-${w}`;
      assert.equal((await put(writer, key, data, writeHeaders)).status, 200, `${mode} via node ${w}`);
      for (const [r, reader] of nodes.entries()) {
        const res = await signedRequest(reader, { path: `/${bucket}/${key}`, headers: readHeaders });
        assert.equal(res.status, 200, `${mode}: written by ${w}, read by ${r}: ${res.body.toString().slice(0, 200)}`);
        assert.ok(res.body.equals(data), `${mode}: written by ${w}, read by ${r}`);
      }
    }
  }
});

test('parts of one multipart upload sent to different nodes complete, under SSE-C', async () => {
  const initiated = await signedRequest(nodes[0]!, { method: 'POST', path: `/${bucket}/multi?uploads`, headers: ssec });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated.body.toString())![1]!;
  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024), randomBytes(777_777)];
  const etags: string[] = [];
  for (const [i, part] of parts.entries()) {
    plaintexts.push(part);
    const res = await signedRequest(nodes[i % 3]!, { method: 'PUT', path: `/${bucket}/multi?partNumber=${i + 1}&uploadId=${uploadId}`, headers: ssec, body: part });
    assert.equal(res.status, 200, res.body.toString());
    etags.push(res.headers['etag'] as string);
  }
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  assert.equal((await signedRequest(nodes[1]!, { method: 'POST', path: `/${bucket}/multi?uploadId=${uploadId}`, headers: ssec, body: xml })).status, 200);
  const read = await signedRequest(nodes[2]!, { path: `/${bucket}/multi`, headers: { ...ssec, range: 'bytes=5242000-5243000' } });
  assert.equal(read.status, 206);
  assert.ok(read.body.equals(Buffer.concat(parts).subarray(5242000, 5243001)));
  assert.ok((await signedRequest(nodes[0]!, { path: `/${bucket}/multi`, headers: ssec })).body.equals(Buffer.concat(parts)));
});

test('concurrent overwrites through different nodes: every read is one whole version', async () => {
  const version = (): Buffer => {
    const rest = randomBytes(randomInt(1, 512 * 1024));
    return Buffer.concat([createHash('sha256').update(rest).digest(), rest]);
  };
  const whole = (b: Buffer): boolean => b.length > 32 && createHash('sha256').update(b.subarray(32)).digest().equals(b.subarray(0, 32));
  const deadline = Date.now() + 5000;
  let reads = 0;
  await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const node = nodes[i % 3]!;
      while (Date.now() < deadline) {
        if (i % 2 === 0) assert.equal((await put(node, 'contended', version())).status, 200);
        else {
          const res = await signedRequest(node, { path: `/${bucket}/contended` });
          if (res.status === 404) continue;
          assert.equal(res.status, 200, res.body.toString());
          assert.ok(whole(res.body), 'a torn version');
          reads++;
        }
      }
    }),
  );
  assert.ok(reads > 10, `reads: ${reads}`);
});

test('a node killed mid-upload loses nothing acknowledged; the others serve on', async () => {
  const victim = nodes[2]!;
  const acknowledged = new Map<string, { data: Buffer; headers: Record<string, string> }>();
  const writes = Array.from({ length: 8 }, async (_, i) => {
    const data = randomBytes(i === 0 ? 20 * 1024 * 1024 : randomInt(1, 1024 * 1024));
    const headers = i % 2 ? ssec : {};
    const res = await put(victim, `victim/${i}`, data, headers).catch(() => undefined);
    if (res?.status === 200) acknowledged.set(`victim/${i}`, { data, headers });
  });
  await new Promise((r) => setTimeout(r, 300));
  await victim.stop('SIGKILL');
  await Promise.all(writes);
  for (const [key, { data, headers }] of acknowledged) {
    const res = await signedRequest(nodes[0]!, { path: `/${bucket}/${key}`, headers });
    assert.equal(res.status, 200, key);
    assert.ok(res.body.equals(data), key);
  }
  nodes[2] = await startNode(2);
  assert.equal((await signedRequest(nodes[2]!, { path: `/${bucket}/none/from-0` })).status, 200, 'a restarted node serves at once');
});

test('the upstream store holds ciphertext only', async () => {
  const s3 = upstream();
  let checked = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: upstreamBucket, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) {
      if (checked >= 40) break;
      const blob = await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: upstreamBucket, Key: o.Key! }))).Body);
      for (const p of plaintexts) assert.equal(blob.indexOf(p.subarray(0, 64)), -1, `upstream object ${o.Key} holds plaintext`);
      assert.equal(blob.indexOf(customerKey), -1);
      checked++;
    }
    token = page.NextContinuationToken;
  } while (token && checked < 40);
  assert.ok(checked > 0);
});
