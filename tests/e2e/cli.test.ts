/** The `obscura` CLI through child processes against the real server. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.js';
import { readCiphertext } from '../helpers/ciphertext.js';
import { SqliteMetadataStore } from '../../src/metadata/sqlite/sqlite-metadata-store.js';

let server: TestServer;
let work: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'bin', 'obscura.js'), ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: work, OBSCURA_CLI_PROFILES: join(work, 'profiles.json'), ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  assert.equal(r.code, 0, `obscura ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'obscura-cli-'));
});

after(async () => {
  await server.stop();
  await server.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('obscura CLI', () => {
  test('login saves a 0600 profile the other commands use', async () => {
    const out = await ok(['login', '--endpoint', server.httpUrl, '--access-key', server.accessKey, '--secret-key', server.secretKey]);
    assert.match(out, /saved profile 'default'/);
    assert.equal((await stat(join(work, 'profiles.json'))).mode & 0o777, 0o600);
    assert.ok(!out.includes(server.secretKey));
    await ok(['mb', 's3://cli-bucket']);
    assert.match(await ok(['ls']), /cli-bucket/);
  });

  test('cp up and down (small, multipart with SSE-C, folders), ls, stat, cat, mv, rm, presign; keys never printed', async () => {
    const keyFile = join(work, 'customer.key');
    const key = randomBytes(32);
    await writeFile(keyFile, key);
    const small = join(work, 'small.txt');
    await writeFile(small, 'small file');
    await ok(['cp', small, 's3://cli-bucket/docs/']);
    const big = randomBytes(20 * 1024 * 1024 + 3);
    const bigFile = join(work, 'big.bin');
    await writeFile(bigFile, big);
    const up = await cli(['cp', bigFile, 's3://cli-bucket/big.bin', '--sse-c-key-file', keyFile, '--json']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(JSON.parse(up.stdout).size, big.length);
    const statOut = await ok(['stat', 's3://cli-bucket/big.bin', '--sse-c-key-file', keyFile]);
    assert.match(statOut, /Encryption:\s+SSE-C/);
    assert.match(statOut, /-3\b/, 'multipart ETag');
    const noKey = await cli(['stat', 's3://cli-bucket/big.bin']);
    assert.equal(noKey.code, 1);
    const down = join(work, 'down.bin');
    await ok(['cp', 's3://cli-bucket/big.bin', down, '--sse-c-key-file', keyFile]);
    assert.equal(createHash('sha256').update(await readFile(down)).digest('hex'), createHash('sha256').update(big).digest('hex'));
    assert.equal(await ok(['cat', 's3://cli-bucket/docs/small.txt']), 'small file');
    const folder = join(work, 'folder');
    await mkdir(join(folder, 'sub'), { recursive: true });
    await writeFile(join(folder, 'a.txt'), 'a');
    await writeFile(join(folder, 'sub', 'b.txt'), 'b');
    await ok(['cp', folder, 's3://cli-bucket/folder', '--recursive', '--sse-obs']);
    const listing = await ok(['ls', 's3://cli-bucket/folder/', '--recursive', '--json']);
    assert.deepEqual((JSON.parse(listing) as Array<{ key: string }>).map((x) => x.key), ['folder/a.txt', 'folder/sub/b.txt']);
    assert.match(await ok(['ls', 's3://cli-bucket/']), /PRE folder\//);
    await ok(['mv', 's3://cli-bucket/folder/', 's3://cli-bucket/moved/', '--recursive']);
    assert.match(await ok(['ls', 's3://cli-bucket/', '--recursive']), /moved\/sub\/b\.txt/);
    assert.doesNotMatch(await ok(['ls', 's3://cli-bucket/', '--recursive']), /folder\//);
    const key2File = join(work, 'customer2.key');
    await writeFile(key2File, randomBytes(32).toString('base64'));
    await ok(['cp', 's3://cli-bucket/big.bin', 's3://cli-bucket/rotated.bin', '--source-sse-c-key-file', keyFile, '--sse-c-key-file', key2File]);
    assert.match(await ok(['stat', 's3://cli-bucket/rotated.bin', '--sse-c-key-file', key2File]), /SSE-C/);
    const url = (await ok(['presign', 's3://cli-bucket/docs/small.txt', '--expires', '60'])).trim();
    assert.equal(await (await fetch(url)).text(), 'small file');
    await ok(['rm', 's3://cli-bucket/moved/', '--recursive']);
    assert.doesNotMatch(await ok(['ls', 's3://cli-bucket/', '--recursive']), /moved/);
    for (const text of [up.stdout, statOut]) {
      assert.ok(!text.includes(key.toString('base64')) && !text.includes(key.toString('hex')));
    }
  });

  test('bucket default encryption and the KMS commands, rewrap without touching ciphertext', async () => {
    const created = JSON.parse(await ok(['kms', 'create-key', '--description', 'cli key', '--json'])) as { KeyId: string };
    const created2 = JSON.parse(await ok(['kms', 'create-key', '--json'])) as { KeyId: string };
    await ok(['kms', 'create-alias', 'alias/cli', created.KeyId]);
    assert.match(await ok(['kms', 'list-keys']), new RegExp(`${created.KeyId}\\s+Enabled\\s+cli key\\s+\\[alias/cli\\]`));
    await ok(['encryption', 'set', 's3://cli-bucket', '--sse-kms', 'alias/cli']);
    assert.match(await ok(['encryption', 'get', 's3://cli-bucket']), /SSE-KMS \(alias\/cli\)/);
    const file = join(work, 'kms.txt');
    await writeFile(file, 'kms protected');
    await ok(['cp', file, 's3://cli-bucket/kms/one.txt']);
    await ok(['cp', file, 's3://cli-bucket/kms/two.txt']);
    assert.match(await ok(['stat', 's3://cli-bucket/kms/one.txt']), new RegExp(`SSE-KMS \\(arn:aws:kms:[^)]*${created.KeyId}\\)`));
    await ok(['kms', 'rotate-key', created.KeyId, '--days', '90']);
    assert.match(await ok(['kms', 'describe-key', 'alias/cli']), /Rotation:\s+every 90 days/);
    const store = new SqliteMetadataStore(join(server.dataDir, 'metadata.sqlite'));
    const before = (await store.getObject('cli-bucket', 'kms/one.txt'))!;
    const blobBefore = await readCiphertext(server.dataDir, before.segments[0]!.locator);
    const rewrap = JSON.parse(await ok(['kms', 'rewrap', 's3://cli-bucket/kms/', '--key-id', created.KeyId, '--to-key-id', created2.KeyId, '--json'])) as { rewrapped: number };
    assert.equal(rewrap.rewrapped, 2);
    const afterRecord = (await store.getObject('cli-bucket', 'kms/one.txt'))!;
    await store.close();
    assert.equal(afterRecord.sse.kms!.keyId, created2.KeyId);
    assert.deepEqual(await readCiphertext(server.dataDir, afterRecord.segments[0]!.locator), blobBefore, 'ciphertext untouched');
    assert.equal(await ok(['cat', 's3://cli-bucket/kms/one.txt']), 'kms protected');
    await ok(['kms', 'disable-key', created2.KeyId]);
    const refused = await cli(['cat', 's3://cli-bucket/kms/one.txt']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /KMS\.DisabledException/);
    await ok(['kms', 'enable-key', created2.KeyId]);
    assert.match(await ok(['kms', 'schedule-deletion', created.KeyId, '--days', '7']), /will be deleted on/);
    assert.match(await ok(['kms', 'cancel-deletion', created.KeyId]), /cancelled/);
    await ok(['encryption', 'delete', 's3://cli-bucket']);
    assert.match(await ok(['encryption', 'get', 's3://cli-bucket']), /no default encryption/);
  });

  test('an upload killed mid-way (SIGKILL) resumes from its checkpoint with the same command', async () => {
    const data = randomBytes(60 * 1024 * 1024);
    const file = join(work, 'resume.bin');
    await writeFile(file, data);
    const args = [join(repoRoot, 'bin', 'obscura.js'), 'cp', file, 's3://cli-bucket/resume.bin', '--part-size', '5', '--concurrency', '1'];
    const env = { PATH: process.env['PATH'] ?? '', HOME: work, OBSCURA_CLI_PROFILES: join(work, 'profiles.json') };
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    const checkpoint = `${file}.upload-checkpoint`;
    for (let i = 0; i < 600; i++) {
      const parts = await readFile(checkpoint, 'utf8').then((t) => Object.keys((JSON.parse(t) as { parts: object }).parts).length, () => 0);
      if (parts >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const saved = JSON.parse(await readFile(checkpoint, 'utf8')) as { uploadId: string; parts: object };
    assert.ok(Object.keys(saved.parts).length >= 3 && Object.keys(saved.parts).length < 12, 'killed mid-way');
    await ok(['cp', file, 's3://cli-bucket/resume.bin', '--part-size', '5']);
    await assert.rejects(stat(checkpoint), 'the checkpoint is gone after success');
    const down = join(work, 'resume.out');
    await ok(['cp', 's3://cli-bucket/resume.bin', down]);
    assert.equal(createHash('sha256').update(await readFile(down)).digest('hex'), createHash('sha256').update(data).digest('hex'));
    const uploads = JSON.parse(await ok(['ls', 's3://cli-bucket/resume', '--json'])) as unknown[];
    assert.equal(uploads.length, 1);
  });

  test('exit codes: 1 refused, 2 usage, 3 local file, 4 unreachable', async () => {
    assert.equal((await cli(['cat', 's3://cli-bucket/none'])).code, 1);
    assert.equal((await cli(['cp', 'a', 'b'])).code, 2);
    assert.equal((await cli(['frobnicate'])).code, 2);
    assert.equal((await cli(['cp', join(work, 'missing-file'), 's3://cli-bucket/x'])).code, 3);
    const unreachable = await cli(['ls', '--endpoint', 'http://127.0.0.1:9', '--access-key', 'a', '--secret-key', 'b']);
    assert.equal(unreachable.code, 4, unreachable.stderr);
    const noCreds = await cli(['ls'], { OBSCURA_CLI_PROFILES: join(work, 'none.json') });
    assert.equal(noCreds.code, 2);
    assert.match(noCreds.stderr, /no credentials/);
  });
});
