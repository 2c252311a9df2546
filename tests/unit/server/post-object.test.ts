/**
 * Browser-form POST edge cases found by fuzzing, driven through handlePostObject on real stores
 * (SQLite in memory, files in a temp directory): malformed forms are 400s, never an uncaught
 * exception (which would stop the server); a redirect that is not a URL is ignored, as in S3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import type { WireRequest } from '../../../src/dialects/wire.js';
import { ObscuraError } from '../../../src/errors/index.js';
import { BuiltinKms } from '../../../src/kms/builtin/builtin-kms.js';
import type { BucketRecord } from '../../../src/metadata/records.js';
import { SqliteMetadataStore } from '../../../src/metadata/sqlite/sqlite-metadata-store.js';
import { BlobReaper } from '../../../src/operations/blob-reaper.js';
import { defaultLimits, type Services } from '../../../src/operations/context.js';
import { handlePostObject } from '../../../src/server/post-object.js';
import { SseService } from '../../../src/sse/sse-service.js';
import { FsBlobStore } from '../../../src/storage/fs/fs-blob-store.js';

const ACCESS_KEY = 'AKPOSTTEST';
const SECRET = 'post-test-secret';
const BUCKET: BucketRecord = { schema: 1, name: 'post-test', owner: ACCESS_KEY, createdAt: Date.now(), region: 'us-east-1' };
let dir: string;
let metadata: SqliteMetadataStore;
let services: Services;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'obscura-post-test-'));
  metadata = new SqliteMetadataStore(':memory:');
  const blobs = new FsBlobStore(join(dir, 'blobs'));
  const log = pino({ level: 'silent' });
  const kms = await BuiltinKms.open(metadata, randomBytes(32), { region: 'us-east-1' });
  services = { metadata, blobs, sse: new SseService(randomBytes(32), kms), reaper: new BlobReaper(blobs, log), limits: defaultLimits, region: 'us-east-1', log, now: () => Date.now(), randomId: (n = 16) => randomBytes(n).toString('hex') };
  await metadata.createBucket(BUCKET);
});

after(async () => {
  await services.reaper.flush();
  await metadata.close();
  await rm(dir, { recursive: true, force: true });
});

/** Posts `body` (whole, as one chunk); resolves with the status written or rejects with the error. */
async function post(body: string): Promise<{ status: number; location?: string }> {
  const req = Readable.from([Buffer.from(body)]) as unknown as IncomingMessage;
  req.headers = { 'content-type': 'multipart/form-data; boundary=B' };
  let location: string | undefined;
  const res = { writeHead: (_s: number, h: Record<string, string>) => (location = h['location']), end: () => undefined } as unknown as ServerResponse;
  const wire: WireRequest = { method: 'POST', rawPath: `/${BUCKET.name}`, rawQuery: '', query: new Map(), headers: req.headers, bucket: BUCKET.name, isSecure: true, remoteAddress: '127.0.0.1' };
  const status = await handlePostObject(req, res, wire, { services, requestId: 'r', bucket: BUCKET, lookupSecret: (id) => (id === ACCESS_KEY ? SECRET : undefined), renderKeyId: (_d, id) => id, hostId: 'h', setDialect: () => undefined, allowInsecureSse: false });
  return { status, ...(location !== undefined ? { location } : {}) };
}

const part = (name: string | undefined, value: string, filename?: string): string =>
  `--B\r\nContent-Disposition: form-data${name !== undefined ? `; name="${name}"` : ''}${filename !== undefined ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;

async function refusedWith(body: string, code: string): Promise<void> {
  await assert.rejects(post(body), (e: unknown) => e instanceof ObscuraError && e.code === code && e.status === 400);
}

test('a form part without a name is 400 MalformedPOSTRequest', async () => {
  await refusedWith(part(undefined, 'value') + '--B--\r\n', 'MalformedPOSTRequest');
  await refusedWith(part(undefined, 'data', 'a.txt') + '--B--\r\n', 'MalformedPOSTRequest');
});

test('a form cut off inside a file part that is not "file" is 400 MalformedPOSTRequest', async () => {
  await refusedWith('--B\r\nContent-Disposition: form-data; name="other"; filename="x"\r\n\r\nabc', 'MalformedPOSTRequest');
});

test('a success_action_redirect that is not a URL is ignored: the upload answers 204', async () => {
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 60_000).toISOString(), conditions: [['starts-with', '$key', ''], ['starts-with', '$success_action_redirect', '']] })).toString('base64');
  const signature = createHmac('sha1', SECRET).update(policy).digest('base64');
  const form = (redirect: string): string =>
    part('key', 'redirected') + part('success_action_redirect', redirect) + part('AWSAccessKeyId', ACCESS_KEY) + part('policy', policy) + part('signature', signature) + part('file', 'hello', 'h.txt') + '--B--\r\n';
  assert.deepEqual(await post(form(' not a url ')), { status: 204, location: '/post-test/redirected' });
  assert.equal((await metadata.getObject(BUCKET.name, 'redirected'))?.size, 5);
  const ok = await post(form('https://example.com/done'));
  assert.equal(ok.status, 303);
  assert.match(ok.location ?? '', /^https:\/\/example\.com\/done\?bucket=post-test&key=redirected&etag=/);
});
