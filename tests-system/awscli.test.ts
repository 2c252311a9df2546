/**
 * System suite: Debian's `aws` CLI (awscli 2.x, SigV4, path style) against the real server —
 * buckets, objects, multipart copies, and SSE-C with `fileb://` keys, including
 * `--sse-c-copy-source` on a multipart copy.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, uniqueBucket, type TestServer } from '../tests/helpers/server.js';

const AWS = process.env['OBSCURA_AWS_CLI'] ?? '/usr/bin/aws';
let server: TestServer;
let work: string;

function aws(args: string[], options: { secure?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      AWS,
      ['--endpoint-url', options.secure ? server.httpsUrl : server.httpUrl, '--region', 'us-east-1', ...(options.secure ? ['--no-verify-ssl'] : []), ...args],
      {
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: work,
          AWS_ACCESS_KEY_ID: server.accessKey,
          AWS_SECRET_ACCESS_KEY: server.secretKey,
          AWS_CONFIG_FILE: join(work, 'aws-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(work, 'aws-credentials'),
          PYTHONWARNINGS: 'ignore',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(args: string[], options: { secure?: boolean } = {}): Promise<string> {
  const r = await aws(args, options);
  assert.equal(r.code, 0, `aws ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'obscura-awscli-'));
  // Multipart threshold low enough that `s3 cp` of a 20 MiB file uses multipart uploads and copies.
  await writeFile(join(work, 'aws-config'), '[default]\ns3 =\n  multipart_threshold = 8MB\n  multipart_chunksize = 8MB\n');
  server = await startTestServer();
});

after(async () => {
  await server.stop();
  await server.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('aws s3 mb, cp up and down, ls, rm and rb', async () => {
  const bucket = uniqueBucket('cli');
  await ok(['s3', 'mb', `s3://${bucket}`]);
  const file = join(work, 'small.txt');
  await writeFile(file, 'hello from the aws cli');
  await ok(['s3', 'cp', file, `s3://${bucket}/dir/small file.txt`]);
  const listing = await ok(['s3', 'ls', `s3://${bucket}/dir/`]);
  assert.match(listing, /small file\.txt/);
  const back = join(work, 'back.txt');
  await ok(['s3', 'cp', `s3://${bucket}/dir/small file.txt`, back]);
  assert.equal(await readFile(back, 'utf8'), 'hello from the aws cli');
  const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', bucket, '--key', 'dir/small file.txt'])) as { ContentLength: number };
  assert.equal(head.ContentLength, 22);
  await ok(['s3', 'rm', `s3://${bucket}/dir/small file.txt`]);
  await ok(['s3', 'rb', `s3://${bucket}`]);
});

test('multipart upload and multipart copy of a 20 MiB file', async () => {
  const bucket = uniqueBucket('cli');
  await ok(['s3', 'mb', `s3://${bucket}`]);
  const data = randomBytes(20 * 1024 * 1024);
  const file = join(work, 'big.bin');
  await writeFile(file, data);
  await ok(['s3', 'cp', file, `s3://${bucket}/big.bin`]);
  const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', bucket, '--key', 'big.bin'])) as { ETag: string; ContentLength: number };
  assert.match(head.ETag, /-3"$/);
  await ok(['s3', 'cp', `s3://${bucket}/big.bin`, `s3://${bucket}/copy.bin`]);
  const back = join(work, 'big-back.bin');
  await ok(['s3', 'cp', `s3://${bucket}/copy.bin`, back]);
  assert.equal(createHash('sha256').update(await readFile(back)).digest('hex'), createHash('sha256').update(data).digest('hex'));
});

test('SSE-C with fileb:// keys: upload, download, wrong key refused, multipart copy with --sse-c-copy-source', async () => {
  const bucket = uniqueBucket('cli');
  await ok(['s3', 'mb', `s3://${bucket}`]);
  const keyFile = join(work, 'customer.key');
  const key2File = join(work, 'customer2.key');
  await writeFile(keyFile, randomBytes(32));
  await writeFile(key2File, randomBytes(32));
  const data = randomBytes(20 * 1024 * 1024 + 5);
  const file = join(work, 'secret.bin');
  await writeFile(file, data);
  await ok(['s3', 'cp', file, `s3://${bucket}/secret.bin`, '--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`], { secure: true });
  const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', bucket, '--key', 'secret.bin', '--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${keyFile}`], { secure: true })) as { SSECustomerAlgorithm: string; ContentLength: number };
  assert.equal(head.SSECustomerAlgorithm, 'AES256');
  assert.equal(head.ContentLength, data.length);
  const noKey = await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'secret.bin'], { secure: true });
  assert.notEqual(noKey.code, 0);
  const wrong = await aws(['s3', 'cp', `s3://${bucket}/secret.bin`, join(work, 'never.bin'), '--sse-c', 'AES256', '--sse-c-key', `fileb://${key2File}`], { secure: true });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /403|Forbidden|AccessDenied/);
  await ok(['s3', 'cp', `s3://${bucket}/secret.bin`, `s3://${bucket}/rotated.bin`, '--sse-c-copy-source', 'AES256', '--sse-c-copy-source-key', `fileb://${keyFile}`, '--sse-c', 'AES256', '--sse-c-key', `fileb://${key2File}`], { secure: true });
  const back = join(work, 'secret-back.bin');
  await ok(['s3', 'cp', `s3://${bucket}/rotated.bin`, back, '--sse-c', 'AES256', '--sse-c-key', `fileb://${key2File}`], { secure: true });
  assert.equal(createHash('sha256').update(await readFile(back)).digest('hex'), createHash('sha256').update(data).digest('hex'));
});
