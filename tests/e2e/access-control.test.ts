/**
 * Access control: every operation on a bucket is tried without credentials, with a wrong secret and
 * with another user's credentials (users made by `obscura user add`); each is refused with 403 and
 * the right code, and nothing stored changes. Signed URLs that expired or were altered are refused.
 * Removed users lose access within seconds; user secrets are sealed at rest.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertNoSecretsIn, repoRoot, startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { rawRequest, signedRequest, type RawResponse } from '../helpers/raw.js';
import { s3Client } from '../helpers/clients.js';
import { bodyBytes } from '../helpers/bodies.js';

const run = promisify(execFile);

interface User {
  name: string;
  accessKey: string;
  secretKey: string;
}

let server: TestServer;
let alice: User;
let bob: User;
const victim = uniqueBucket('victim');
const content = 'the owner\'s bytes';

async function userCommand(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(repoRoot, 'bin', 'obscura.js'), 'user', ...args, '--data-dir', server.dataDir, '--config-dir', server.configDir, '--json']);
  return stdout;
}

function errorCode(res: RawResponse): string | undefined {
  const header = res.headers['x-amz-error-code'] ?? res.headers['x-obs-error-code'];
  if (typeof header === 'string') return header;
  return /<Code>([^<]*)<\/Code>/.exec(res.body.toString())?.[1];
}

function as(user: User): { httpPort: number; accessKey: string; secretKey: string } {
  return { httpPort: server.httpPort, accessKey: user.accessKey, secretKey: user.secretKey };
}

async function waitUntilActive(user: User): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await signedRequest(as(user), { path: '/' })).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`user ${user.name} never became active`);
}

let uploadId: string;

/** A snapshot of everything the attacks could change. */
async function snapshot(): Promise<string> {
  const owner = { httpPort: server.httpPort, accessKey: server.accessKey, secretKey: server.secretKey };
  const parts = await Promise.all([
    signedRequest(owner, { path: `/${victim}?list-type=2` }),
    signedRequest(owner, { path: `/${victim}/o` }),
    signedRequest(owner, { path: `/${victim}?encryption` }),
    signedRequest(owner, { path: `/${victim}?uploads` }),
    signedRequest(owner, { path: `/${victim}/o?tagging` }),
    signedRequest(owner, { path: `/${victim}/o?uploadId=${uploadId}` }),
  ]);
  // Listings carry no clock-dependent fields other than LastModified, which must not change either.
  return parts.map((r) => `${r.status}:${r.body.toString().replace(/<RequestId>[^<]*<\/RequestId>|<HostId>[^<]*<\/HostId>/g, '')}`).join('\n');
}

const encryptionXml = '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>';
const deleteXml = '<Delete><Object><Key>o</Key></Object></Delete>';
const md5 = (s: string): string => createHash('md5').update(s).digest('base64');

/** Every operation on someone else's bucket, as [name, method, path, headers, body]. */
function operations(): Array<[string, string, string, Record<string, string>, string?]> {
  return [
    ['ListObjects', 'GET', `/${victim}`, {}],
    ['ListObjectsV2', 'GET', `/${victim}?list-type=2`, {}],
    ['HeadBucket', 'HEAD', `/${victim}`, {}],
    ['GetBucketLocation', 'GET', `/${victim}?location`, {}],
    ['DeleteBucket', 'DELETE', `/${victim}`, {}],
    ['PutBucketEncryption', 'PUT', `/${victim}?encryption`, { 'content-md5': md5(encryptionXml) }, encryptionXml],
    ['GetBucketEncryption', 'GET', `/${victim}?encryption`, {}],
    ['DeleteBucketEncryption', 'DELETE', `/${victim}?encryption`, {}],
    ['ListMultipartUploads', 'GET', `/${victim}?uploads`, {}],
    ['PutObject', 'PUT', `/${victim}/o`, {}, 'overwritten'],
    ['PutObject (new key)', 'PUT', `/${victim}/new`, {}, 'planted'],
    ['GetObject', 'GET', `/${victim}/o`, {}],
    ['HeadObject', 'HEAD', `/${victim}/o`, {}],
    ['DeleteObject', 'DELETE', `/${victim}/o`, {}],
    ['DeleteObjects', 'POST', `/${victim}?delete`, { 'content-md5': md5(deleteXml) }, deleteXml],
    ['CopyObject (within)', 'PUT', `/${victim}/copy`, { 'x-amz-copy-source': `/${victim}/o` }],
    ['InitiateMultipartUpload', 'POST', `/${victim}/o?uploads`, {}],
    ['UploadPart', 'PUT', `/${victim}/o?partNumber=1&uploadId=${uploadId}`, {}, 'part'],
    ['UploadPartCopy', 'PUT', `/${victim}/o?partNumber=2&uploadId=${uploadId}`, { 'x-amz-copy-source': `/${victim}/o` }],
    ['ListParts', 'GET', `/${victim}/o?uploadId=${uploadId}`, {}],
    ['CompleteMultipartUpload', 'POST', `/${victim}/o?uploadId=${uploadId}`, {}, '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>'],
    ['AbortMultipartUpload', 'DELETE', `/${victim}/o?uploadId=${uploadId}`, {}],
    ['PutObjectTagging', 'PUT', `/${victim}/o?tagging`, {}, '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>'],
    ['GetObjectTagging', 'GET', `/${victim}/o?tagging`, {}],
    ['DeleteObjectTagging', 'DELETE', `/${victim}/o?tagging`, {}],
  ];
}

before(async () => {
  server = await startTestServer();
  const owner = { httpPort: server.httpPort, accessKey: server.accessKey, secretKey: server.secretKey };
  assert.equal((await signedRequest(owner, { method: 'PUT', path: `/${victim}` })).status, 200);
  assert.equal((await signedRequest(owner, { method: 'PUT', path: `/${victim}/o`, body: content })).status, 200);
  assert.equal((await signedRequest(owner, { method: 'PUT', path: `/${victim}/o?tagging`, body: '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>' })).status, 200);
  const initiated = await signedRequest(owner, { method: 'POST', path: `/${victim}/o?uploads` });
  uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated.body.toString())![1]!;
  assert.equal((await signedRequest(owner, { method: 'PUT', path: `/${victim}/o?partNumber=1&uploadId=${uploadId}`, body: 'first part' })).status, 200);
  alice = JSON.parse(await userCommand('add', 'alice')) as User;
  bob = JSON.parse(await userCommand('add', 'bob')) as User;
  await Promise.all([waitUntilActive(alice), waitUntilActive(bob)]);
});

after(async () => {
  await server.stop();
  await server.cleanup();
});

describe('users', () => {
  test('`obscura user add` prints a new key pair once; `user list` shows names and access keys only', async () => {
    assert.match(alice.accessKey, /^[A-Z0-9]{20}$/);
    assert.ok(alice.secretKey.length >= 40);
    assert.notEqual(alice.accessKey, bob.accessKey);
    const listed = JSON.parse(await userCommand('list')) as Array<Record<string, string>>;
    assert.deepEqual(listed.map((u) => u.name).sort(), ['alice', 'bob']);
    assert.ok(!JSON.stringify(listed).includes(alice.secretKey));
    await assert.rejects(userCommand('add', 'alice'), /already exists/);
    await assert.rejects(userCommand('add', '../evil'), /user name/);
  });

  test('a user sees only its own buckets, and cannot take a name another owns', async () => {
    const own = uniqueBucket('alice');
    assert.equal((await signedRequest(as(alice), { method: 'PUT', path: `/${own}` })).status, 200);
    const listing = (await signedRequest(as(alice), { path: '/' })).body.toString();
    assert.ok(listing.includes(own));
    assert.ok(!listing.includes(victim));
    assert.ok(!(await signedRequest(as(bob), { path: '/' })).body.toString().includes(own));
    const taken = await signedRequest(as(bob), { method: 'PUT', path: `/${own}` });
    assert.equal(taken.status, 409);
    assert.equal(errorCode(taken), 'BucketAlreadyExists');
    // And a user's objects work end to end through an SDK.
    const client = s3Client(server, { accessKey: alice.accessKey, secretKey: alice.secretKey });
    await client.send(new PutObjectCommand({ Bucket: own, Key: 'k', Body: 'mine' }));
    assert.equal((await bodyBytes((await client.send(new GetObjectCommand({ Bucket: own, Key: 'k' }))).Body)).toString(), 'mine');
    // Copying out of someone else's bucket into one's own is refused.
    const stolen = await signedRequest(as(alice), { method: 'PUT', path: `/${own}/stolen`, headers: { 'x-amz-copy-source': `/${victim}/o` } });
    assert.equal(stolen.status, 403);
    assert.equal(errorCode(stolen), 'AccessDenied');
    assert.equal((await signedRequest(as(alice), { path: `/${own}/stolen` })).status, 404);
  });

  test('the log scan every test server gets at stop finds keys and secrets, and lets checksums pass', async () => {
    const where = { secretKey: server.secretKey, configDir: server.configDir };
    const key = randomBytes(32);
    await assert.rejects(assertNoSecretsIn(`{"msg":"x","k":"${key.toString('base64')}"}`, where), /32-byte base64/);
    await assert.rejects(assertNoSecretsIn(`{"msg":"x","s":"${server.secretKey}"}`, where), /holds a secret/);
    const masterKey = await readFile(join(server.configDir, 'service-master.key'));
    await assert.rejects(assertNoSecretsIn(`{"k":"${masterKey.toString('hex')}"}`, where), /holds a secret/);
    await assertNoSecretsIn(`{"headers":{"x-amz-checksum-sha256":"${key.toString('base64')}"}}`, where);
  });

  test('user secrets are sealed at rest: neither the data dir nor the config dir holds one', async () => {
    for (const dir of [server.dataDir, server.configDir]) {
      for (const file of await listFiles(dir)) {
        const bytes = await readFile(file);
        for (const user of [alice, bob]) {
          assert.equal(bytes.indexOf(Buffer.from(user.secretKey)), -1, `${file} holds ${user.name}'s secret`);
        }
      }
    }
  });
});

describe('every operation on another owner\'s bucket is refused and changes nothing', () => {
  for (const [who, code] of [
    ['anonymous', 'AccessDenied'],
    ['a wrong secret', 'SignatureDoesNotMatch'],
    ['another user', 'AccessDenied'],
  ] as const) {
    test(`${who} → 403 ${code} on every operation`, async () => {
      const before = await snapshot();
      for (const [name, method, path, headers, body] of operations()) {
        const res =
          who === 'anonymous'
            ? await rawRequest({ port: server.httpPort, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body ?? '')) }, ...(body !== undefined ? { body } : {}) })
            : await signedRequest(who === 'another user' ? as(bob) : { ...as(alice), secretKey: alice.secretKey.slice(1) + 'x' }, { method, path, headers, ...(body !== undefined ? { body } : {}) });
        assert.equal(res.status, 403, `${name}: ${res.status} ${res.body.toString()}`);
        assert.equal(errorCode(res), code, `${name}`);
      }
      assert.equal(await snapshot(), before);
    });
  }

  test('an expired or altered signed URL is refused', async () => {
    const client = s3Client(server);
    const url = new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: victim, Key: 'o' }), { expiresIn: 1 }));
    const good = await rawRequest({ port: server.httpPort, path: url.pathname + url.search });
    assert.equal(good.status, 200);
    const altered = await rawRequest({ port: server.httpPort, path: url.pathname.replace(/\/o$/, '/other') + url.search });
    assert.equal(altered.status, 403);
    assert.equal(errorCode(altered), 'SignatureDoesNotMatch');
    const resigned = new URL(url);
    resigned.searchParams.set('X-Amz-Expires', '3600');
    assert.equal(errorCode(await rawRequest({ port: server.httpPort, path: resigned.pathname + resigned.search })), 'SignatureDoesNotMatch');
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await rawRequest({ port: server.httpPort, path: url.pathname + url.search });
    assert.equal(expired.status, 403);
    assert.equal(errorCode(expired), 'AccessDenied');
    assert.match(expired.body.toString(), /expired/i);
  });

  test('a removed user loses access at once on the running server', async () => {
    const carol = JSON.parse(await userCommand('add', 'carol')) as User;
    await waitUntilActive(carol);
    const removed = JSON.parse(await userCommand('remove', 'carol')) as { removed: { name: string } };
    assert.equal(removed.removed.name, 'carol');
    let res: RawResponse | undefined;
    for (let i = 0; i < 30; i++) {
      res = await signedRequest(as(carol), { path: '/' });
      if (res.status === 403) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(res!.status, 403);
    assert.equal(errorCode(res!), 'InvalidAccessKeyId');
    await assert.rejects(userCommand('remove', 'carol'), /no user carol/);
  });

  test('config and data dirs and their files are owner-only', async () => {
    for (const dir of [server.dataDir, server.configDir]) {
      assert.equal((await stat(dir)).mode & 0o077, 0, `${dir} is open to others`);
    }
    // Every file, except the TLS certificate, which is public by nature.
    for (const file of [...(await listFiles(server.configDir)), ...(await listFiles(server.dataDir))]) {
      if (file.endsWith('cert.pem')) continue;
      assert.equal((await stat(file)).mode & 0o077, 0, `${file} is open to others`);
    }
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
