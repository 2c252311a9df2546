/**
 * System suite: SSE-KMS and the built-in KMS through Debian's command-line clients — `aws kms`
 * (the AWS KMS JSON protocol), `aws s3 cp --sse aws:kms --sse-kms-key-id`, and s3cmd's
 * `--server-side-encryption-kms-id`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, uniqueBucket, type TestServer } from '../tests/helpers/server.js';

const AWS = process.env['OBSCURA_AWS_CLI'] ?? '/usr/bin/aws';
const S3CMD = process.env['OBSCURA_S3CMD'] ?? '/usr/bin/s3cmd';
let server: TestServer;
let work: string;

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: work,
        AWS_ACCESS_KEY_ID: server.accessKey,
        AWS_SECRET_ACCESS_KEY: server.secretKey,
        AWS_CONFIG_FILE: join(work, 'aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(work, 'aws-credentials'),
      },
      maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

async function aws(args: string[]): Promise<string> {
  const r = await run(AWS, ['--endpoint-url', server.httpUrl, '--region', 'us-east-1', '--output', 'json', ...args]);
  assert.equal(r.code, 0, `aws ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

async function s3cmd(args: string[]): Promise<string> {
  const host = server.httpUrl.replace('http://', '');
  const r = await run(S3CMD, ['--no-ssl', `--host=${host}`, `--host-bucket=${host}`, `--access_key=${server.accessKey}`, `--secret_key=${server.secretKey}`, '--region=us-east-1', '--config=/dev/null', ...args]);
  assert.equal(r.code, 0, `s3cmd ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'obscura-kmscli-'));
  await writeFile(join(work, 'aws-config'), '[default]\n');
  server = await startTestServer();
});

after(async () => {
  await server.stop();
  await server.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('aws kms create-key, describe-key, create-alias, list-aliases, encrypt and decrypt', async () => {
  const created = JSON.parse(await aws(['kms', 'create-key', '--description', 'from the aws cli'])) as { KeyMetadata: { KeyId: string; Arn: string } };
  const id = created.KeyMetadata.KeyId;
  const described = JSON.parse(await aws(['kms', 'describe-key', '--key-id', id])) as { KeyMetadata: { Description: string; KeyState: string } };
  assert.equal(described.KeyMetadata.Description, 'from the aws cli');
  assert.equal(described.KeyMetadata.KeyState, 'Enabled');
  await aws(['kms', 'create-alias', '--alias-name', 'alias/cli-key', '--target-key-id', id]);
  const aliases = JSON.parse(await aws(['kms', 'list-aliases'])) as { Aliases: Array<{ AliasName: string; TargetKeyId: string }> };
  assert.ok(aliases.Aliases.some((a) => a.AliasName === 'alias/cli-key' && a.TargetKeyId === id));
  const plainFile = join(work, 'plain.txt');
  await writeFile(plainFile, 'secret words');
  const enc = JSON.parse(await aws(['kms', 'encrypt', '--key-id', 'alias/cli-key', '--plaintext', `fileb://${plainFile}`])) as { CiphertextBlob: string };
  const blobFile = join(work, 'blob.bin');
  await writeFile(blobFile, Buffer.from(enc.CiphertextBlob, 'base64'));
  const dec = JSON.parse(await aws(['kms', 'decrypt', '--ciphertext-blob', `fileb://${blobFile}`])) as { Plaintext: string };
  assert.equal(Buffer.from(dec.Plaintext, 'base64').toString(), 'secret words');
  await aws(['kms', 'enable-key-rotation', '--key-id', id]);
  const rotation = JSON.parse(await aws(['kms', 'get-key-rotation-status', '--key-id', id])) as { KeyRotationEnabled: boolean };
  assert.equal(rotation.KeyRotationEnabled, true);
});

test('aws s3 cp --sse aws:kms --sse-kms-key-id, and s3cmd --server-side-encryption-kms-id', async () => {
  const key = JSON.parse(await aws(['kms', 'create-key'])) as { KeyMetadata: { KeyId: string; Arn: string } };
  const bucket = uniqueBucket('kmscli');
  await aws(['s3', 'mb', `s3://${bucket}`]);
  const data = randomBytes(300_000);
  const file = join(work, 'data.bin');
  await writeFile(file, data);
  await aws(['s3', 'cp', file, `s3://${bucket}/aws.bin`, '--sse', 'aws:kms', '--sse-kms-key-id', key.KeyMetadata.KeyId]);
  const head = JSON.parse(await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'aws.bin'])) as { ServerSideEncryption: string; SSEKMSKeyId: string };
  assert.equal(head.ServerSideEncryption, 'aws:kms');
  assert.equal(head.SSEKMSKeyId, key.KeyMetadata.Arn);
  const back = join(work, 'back.bin');
  await aws(['s3', 'cp', `s3://${bucket}/aws.bin`, back]);
  assert.deepEqual(await readFile(back), data);
  await s3cmd(['put', file, `s3://${bucket}/s3cmd.bin`, `--server-side-encryption-kms-id=${key.KeyMetadata.KeyId}`]);
  const head2 = JSON.parse(await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 's3cmd.bin'])) as { ServerSideEncryption: string; SSEKMSKeyId: string };
  assert.equal(head2.ServerSideEncryption, 'aws:kms');
  assert.equal(head2.SSEKMSKeyId, key.KeyMetadata.Arn);
  const back2 = join(work, 'back2.bin');
  await s3cmd(['get', `s3://${bucket}/s3cmd.bin`, back2]);
  assert.deepEqual(await readFile(back2), data);
  await s3cmd(['put', file, `s3://${bucket}/sse-s3.bin`, '--server-side-encryption']);
  const head3 = JSON.parse(await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'sse-s3.bin'])) as { ServerSideEncryption: string };
  assert.equal(head3.ServerSideEncryption, 'AES256');
});
