/**
 * System suite: a time-bounded load against the built server. LOAD_CONNECTIONS workers (default
 * 64, one keep-alive socket each) run mixed PUT, GET, HEAD and DELETE of 1 KiB–4 MiB objects for
 * LOAD_SECONDS (default 60) through @aws-sdk/client-s3: no SSE, SSE-C under several customer
 * keys, and SSE-KMS under the built-in KMS (its default key and a created one). Every answer is
 * recorded; the run fails on any 5xx, any unexpected 4xx or any client error, and on any read
 * that is not byte-exact. Prints ops/s, p50/p99 latency and bytes moved.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { bodyBytes } from '../tests/helpers/bodies.js';
import { startTestServer, uniqueBucket, type TestServer } from '../tests/helpers/server.js';

const seconds = Number(process.env['LOAD_SECONDS'] ?? 60);
const connections = Number(process.env['LOAD_CONNECTIONS'] ?? 64);
const MIN_OBJECT_BYTES = 1024;
const MAX_OBJECT_BYTES = 4 * 1024 * 1024;
/** Objects each worker keeps alive at most; it writes new ones until then. */
const OBJECTS_PER_WORKER = 12;
/** Objects read back once more after the load, chosen at random among the survivors. */
const FINAL_SAMPLE = 200;

type Mode = { kind: 'none' } | { kind: 'sse-c'; customerKey: number } | { kind: 'sse-kms'; keyId?: string };
type Op = 'PUT' | 'GET' | 'HEAD' | 'DELETE' | 'HEAD-deleted';

interface StoredObject {
  sha256: string;
  bytes: number;
  mode: Mode;
}

interface Sample {
  op: Op;
  mode: Mode['kind'];
  status: number;
  ms: number;
  bytes: number;
}

let server: TestServer;
let s3: S3Client;
let agent: http.Agent;
const bucket = uniqueBucket('load');
const customerKeys = Array.from({ length: 4 }, () => randomBytes(32));
const kmsKeyIds: Array<string | undefined> = [undefined];
/** Random bytes objects are cut from (a fresh random offset each time), so PUTs cost no RNG. */
const pool = randomBytes(MAX_OBJECT_BYTES * 2);
const samples: Sample[] = [];
const failures: string[] = [];

function md5Base64(b: Buffer): string {
  return createHash('md5').update(b).digest('base64');
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** SSE-C request parameters for a customer key (the same on PUT, GET and HEAD). */
function customerKeyParams(mode: Mode): Record<string, string> {
  if (mode.kind !== 'sse-c') return {};
  const key = customerKeys[mode.customerKey]!;
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: md5Base64(key) };
}

/** Log-uniform between the bounds, so small and large objects are both common. */
function objectSize(): number {
  const ln = Math.log(MIN_OBJECT_BYTES) + Math.random() * (Math.log(MAX_OBJECT_BYTES) - Math.log(MIN_OBJECT_BYTES));
  return Math.round(Math.exp(ln));
}

function randomMode(): Mode {
  const r = Math.random();
  if (r < 1 / 3) return { kind: 'none' };
  if (r < 2 / 3) return { kind: 'sse-c', customerKey: Math.floor(Math.random() * customerKeys.length) };
  const keyId = kmsKeyIds[Math.floor(Math.random() * kmsKeyIds.length)];
  return keyId === undefined ? { kind: 'sse-kms' } : { kind: 'sse-kms', keyId };
}

function statusOf(e: unknown): number {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
}

/** Runs one operation, records its answer, and records a failure when `check` throws or the call fails. */
async function timed<T>(op: Op, mode: Mode, what: string, call: () => Promise<T>, check: (result: T) => number, expectStatus = 200): Promise<T | undefined> {
  const started = performance.now();
  try {
    const result = await call();
    const bytes = check(result);
    samples.push({ op, mode: mode.kind, status: expectStatus, ms: performance.now() - started, bytes });
    return result;
  } catch (e) {
    const status = statusOf(e);
    samples.push({ op, mode: mode.kind, status, ms: performance.now() - started, bytes: 0 });
    if (op === 'HEAD-deleted' && status === 404) return undefined;
    failures.push(`${op} ${what} (${mode.kind}): ${status || 'no status'} ${(e as Error).name}: ${(e as Error).message}`);
    return undefined;
  }
}

async function put(key: string, objects: Map<string, StoredObject>): Promise<void> {
  const bytes = objectSize();
  const offset = Math.floor(Math.random() * (pool.length - bytes));
  const body = pool.subarray(offset, offset + bytes);
  const mode = randomMode();
  const kms = mode.kind === 'sse-kms' ? { ServerSideEncryption: 'aws:kms' as const, ...(mode.keyId !== undefined ? { SSEKMSKeyId: mode.keyId } : {}) } : {};
  const done = await timed('PUT', mode, key, () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...customerKeyParams(mode), ...kms })), (res) => {
    if (mode.kind === 'sse-kms') assert.equal(res.ServerSideEncryption, 'aws:kms');
    if (mode.kind === 'sse-c') assert.equal(res.SSECustomerKeyMD5, customerKeyParams(mode)['SSECustomerKeyMD5']);
    return bytes;
  });
  if (done) objects.set(key, { sha256: sha256(body), bytes, mode });
  // A failed overwrite leaves the old version or none: nothing more is known, so stop checking it.
  else objects.delete(key);
}

async function get(key: string, object: StoredObject): Promise<void> {
  await timed('GET', object.mode, key, async () => {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...customerKeyParams(object.mode) }));
    return { res, body: await bodyBytes(res.Body) };
  }, ({ body }) => {
    assert.equal(body.length, object.bytes, `${key}: ${body.length} bytes read, ${object.bytes} written`);
    assert.equal(sha256(body), object.sha256, `${key}: the bytes read differ from those written`);
    return body.length;
  });
}

async function head(key: string, object: StoredObject): Promise<void> {
  await timed('HEAD', object.mode, key, () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...customerKeyParams(object.mode) })), (res) => {
    assert.equal(res.ContentLength, object.bytes);
    if (object.mode.kind === 'sse-kms') assert.equal(res.ServerSideEncryption, 'aws:kms');
    return 0;
  });
}

async function remove(key: string, objects: Map<string, StoredObject>): Promise<void> {
  const mode = objects.get(key)!.mode;
  objects.delete(key);
  const deleted = await timed('DELETE', mode, key, () => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })), () => 0, 204);
  if (deleted && Math.random() < 0.25) {
    await timed('HEAD-deleted', mode, key, () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), () => {
      throw new Error('a deleted object still answers HEAD');
    }, 404);
  }
}

/** One connection's worth of load: its own names, so every answer it gets is predictable. */
async function worker(id: number, deadline: number, objects: Map<string, StoredObject>): Promise<void> {
  let serial = 0;
  while (performance.now() < deadline) {
    const keys = [...objects.keys()];
    const pick = (): string => keys[Math.floor(Math.random() * keys.length)]!;
    const r = Math.random();
    if (keys.length < 2 || (keys.length < OBJECTS_PER_WORKER && r < 0.3)) await put(`w${id}/o${serial++}`, objects);
    else if (r < 0.4) await put(pick(), objects);
    else if (r < 0.75) {
      const key = pick();
      await get(key, objects.get(key)!);
    } else if (r < 0.9) {
      const key = pick();
      await head(key, objects.get(key)!);
    } else await remove(pick(), objects);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

before(async () => {
  server = await startTestServer({ args: ['--log-level', 'info'] });
  agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  s3 = new S3Client({
    endpoint: server.httpUrl,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
    requestHandler: { httpAgent: agent, requestTimeout: 120_000 },
    maxAttempts: 1,
  });
  const kms = new KMSClient({ endpoint: server.httpUrl, region: 'us-east-1', credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey }, maxAttempts: 1 });
  kmsKeyIds.push((await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!);
  kms.destroy();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  // The first write after a start prepares the blob store; keep it out of the measurements.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'warm-up', Body: 'warm-up' }));
});

after(async () => {
  s3?.destroy();
  agent?.destroy();
  await server?.stop();
  await server?.cleanup();
});

test(`${connections} connections of mixed PUT/GET/HEAD/DELETE for ${seconds} s: no errors, every read byte-exact`, { timeout: (seconds + 300) * 1000 }, async () => {
  const perWorker = Array.from({ length: connections }, () => new Map<string, StoredObject>());
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(perWorker.map((objects, id) => worker(id, deadline, objects)));
  const elapsedSeconds = (performance.now() - started) / 1000;
  const loadSamples = samples.slice();

  // Byte-exact read-back of a random sample of everything that survived.
  const survivors = perWorker.flatMap((objects) => [...objects.entries()]);
  const sample = survivors.sort(() => Math.random() - 0.5).slice(0, FINAL_SAMPLE);
  const before = failures.length;
  await Promise.all(sample.map(([key, object]) => get(key, object)));
  const sampleFailures = failures.length - before;

  const ops = loadSamples.length;
  const lines = [`load: ${connections} connections, ${elapsedSeconds.toFixed(1)} s, ${ops} operations, ${(ops / elapsedSeconds).toFixed(1)} ops/s`];
  const groups = new Map<string, Sample[]>([['all', loadSamples]]);
  const add = (name: string, s: Sample): void => {
    const group = groups.get(name);
    if (group) group.push(s);
    else groups.set(name, [s]);
  };
  for (const s of loadSamples) add(s.op, s);
  for (const s of loadSamples) if (s.op === 'PUT' || s.op === 'GET') add(`${s.op} ${s.mode}`, s);
  for (const [name, group] of groups) {
    if (group.length === 0) continue;
    const ms = group.map((s) => s.ms).sort((a, b) => a - b);
    const bytes = group.reduce((n, s) => n + s.bytes, 0);
    lines.push(`  ${name.padEnd(18)} n=${String(group.length).padStart(7)}  p50=${percentile(ms, 50).toFixed(1).padStart(7)} ms  p99=${percentile(ms, 99).toFixed(1).padStart(8)} ms  ${mib(bytes).padStart(9)} MiB`);
  }
  const uploaded = loadSamples.filter((s) => s.op === 'PUT').reduce((n, s) => n + s.bytes, 0);
  const downloaded = loadSamples.filter((s) => s.op === 'GET').reduce((n, s) => n + s.bytes, 0);
  lines.push(`  bytes moved: ${mib(uploaded)} MiB up, ${mib(downloaded)} MiB down, ${(mib((uploaded + downloaded) / elapsedSeconds))} MiB/s`);
  lines.push(`  final read-back: ${sample.length} of ${survivors.length} surviving objects, ${sampleFailures} differ`);
  const statuses = new Map<number, number>();
  for (const s of samples) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
  lines.push(`  answers by status: ${[...statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s || 'none'}=${n}`).join(' ')}`);
  console.log(lines.join('\n'));

  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failed operations`);
  assert.ok(ops > 0, 'no operation ran');
  assert.ok(samples.some((s) => s.op === 'GET' && s.mode === 'sse-c') && samples.some((s) => s.op === 'GET' && s.mode === 'sse-kms') && samples.some((s) => s.op === 'GET' && s.mode === 'none'), 'not every mode was read');
  assert.equal(server.process.exitCode, null, 'the server exited');
  const serverErrors = server.logs().split('\n').filter((line) => /"status":5\d\d/.test(line) || /"level":(50|60)/.test(line));
  assert.deepEqual(serverErrors.slice(0, 5), [], `${serverErrors.length} server errors logged`);
});
