/**
 * The embedded default as a user meets it: credentials, service key and TLS certificate created on
 * first start with owner-only modes and reused afterwards; flags and OBSCURA_* variables; HTTPS
 * with the generated certificate; SIGTERM draining an in-flight upload and exiting 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFile, stat, mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetBucketLocationCommand, GetObjectCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { repoRoot, startTestServer } from '../helpers/server.js';
import { SERVER_NODE_FLAGS } from '../../src/server/node-flags.js';
import { s3Client } from '../helpers/clients.js';
import { signV4 } from '../../src/signing/index.js';

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

test('first start creates credentials, service key and certificate owner-only; the next start reuses them', async () => {
  const first = await startTestServer({ generatedCredentials: true });
  try {
    assert.match(first.accessKey, /^[A-Z0-9]{20}$/);
    assert.ok(first.secretKey.length >= 40);
    assert.match(first.output(), /obscura listening http=http:\/\/127\.0\.0\.1:\d+ https=https:\/\/127\.0\.0\.1:\d+/);
    assert.match(first.output(), /SHA-256 [0-9A-F:]{95}/);
    for (const file of ['credentials.json', 'service-master.key', 'tls/key.pem']) assert.equal(await mode(join(first.configDir, file)), 0o600, file);
    assert.equal(await mode(first.configDir), 0o700);
    assert.equal(await mode(join(first.dataDir, 'metadata.sqlite')), 0o600);
    const s3 = s3Client(first);
    await s3.send(new CreateBucketCommand({ Bucket: 'persisted' }));
    s3.destroy();
  } finally {
    assert.equal(await first.stop(), 0);
  }
  const cert = await readFile(join(first.configDir, 'tls', 'cert.pem'), 'utf8');
  const second = await startTestServer({ generatedCredentials: true, dataDir: first.dataDir, configDir: first.configDir });
  try {
    assert.equal(second.accessKey, first.accessKey);
    assert.equal(second.secretKey, first.secretKey);
    assert.equal(await readFile(join(first.configDir, 'tls', 'cert.pem'), 'utf8'), cert, 'the certificate is not rewritten');
    const s3 = s3Client(second);
    const list = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(list.Buckets?.map((b) => b.Name), ['persisted']);
    // HTTPS with the generated certificate, verified against it (no verification switched off).
    const x509 = new X509Certificate(cert);
    assert.ok(x509.checkHost('localhost'));
    assert.ok(x509.checkIP('127.0.0.1'));
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: second.httpsPort, path: '/?apiversion', method: 'HEAD', ca: cert, servername: 'localhost' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
    s3.destroy();
  } finally {
    assert.equal(await second.stop(), 0);
    await second.cleanup();
    await rm(join(first.configDir, '..'), { recursive: true, force: true });
  }
});

test('OBSCURA_* variables configure the server, and flags win over them', async () => {
  const server = await startTestServer({ env: { OBSCURA_REGION: 'env-region-1', OBSCURA_HTTPS_PORT: '-1', OBSCURA_DOMAIN: 'objects.test' } });
  try {
    assert.notEqual(server.httpsUrl, '', 'the --https-port flag wins over OBSCURA_HTTPS_PORT');
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'regional' }));
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: 'regional' }));
    assert.equal(loc.LocationConstraint, 'env-region-1');
    const probe = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.httpPort, method: 'HEAD', path: '/?apiversion', headers: { host: 'regional.objects.test' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(probe, 200, 'OBSCURA_DOMAIN sets the virtual-host domain');
    s3.destroy();
  } finally {
    await server.stop();
    await server.cleanup();
  }
});

test('run as a command, bin/obscura.js gives node the server\'s options; started without them, the server says so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'obscura-nodeflags-'));
  const child = spawn(join(repoRoot, 'bin', 'obscura.js'), ['server', '--data-dir', join(dir, 'd'), '--config-dir', join(dir, 'c'), '--http-port', '0', '--https-port', '-1', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolveListening, reject) => {
      child.stdout.on('data', () => /obscura listening/.test(out) && resolveListening());
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const cmdline = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).split('\0');
    for (const flag of SERVER_NODE_FLAGS) assert.ok(cmdline.includes(flag), `${flag} in ${cmdline.join(' ')}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.doesNotMatch(out, /started without the options/);
    // The default keep-alive, announced to clients: longer than a load balancer's 60 s.
    const port = Number(/http=http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const agent = new http.Agent({ keepAlive: true });
    const keepAlive = await new Promise<unknown>((resolveHead, reject) => {
      http.request({ host: '127.0.0.1', port, method: 'HEAD', path: '/?apiversion', agent }, (res) => {
        res.resume();
        resolveHead(res.headers['keep-alive']);
      }).on('error', reject).end();
    });
    agent.destroy();
    assert.equal(keepAlive, 'timeout=65');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
  const bare = await startTestServer({ nodeArgs: [] });
  try {
    // The warning follows the listening line; the logger may write it a moment later.
    const findWarning = (): string | undefined => bare.logs().split('\n').find((line) => line.includes('started without the options'));
    for (let i = 0; i < 50 && !findWarning(); i++) await new Promise((r) => setTimeout(r, 20));
    const warning = findWarning();
    assert.ok(warning, 'a warning names what is missing');
    assert.deepEqual((JSON.parse(warning) as { missing: string[] }).missing, [...SERVER_NODE_FLAGS]);
    assert.match(warning, /docs\/DEPLOY\.md/);
  } finally {
    assert.equal(await bare.stop(), 0);
    await bare.cleanup();
  }
});

test('a bad flag value is a clear error and exit code 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'obscura-badflag-'));
  try {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'obscura.js'), 'server', '--http-port', 'ninety', '--data-dir', join(dir, 'd'), '--config-dir', join(dir, 'c')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 2);
    assert.match(stderr, /--http-port must be a port number/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SIGTERM lets an in-flight upload finish, then exits 0', async () => {
  const server = await startTestServer();
  const s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'drain' }));
  const data = randomBytes(256 * 1024);
  const path = '/drain/slow';
  const headers: Record<string, string> = { host: `127.0.0.1:${server.httpPort}` };
  const auth = signV4({ method: 'PUT', canonicalUri: path, query: [], headers, payloadHash: 'UNSIGNED-PAYLOAD', accessKeyId: server.accessKey, secretAccessKey: server.secretKey, region: 'us-east-1', service: 's3', nowMs: Date.now() });
  const upload = new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.httpPort, method: 'PUT', path, headers: { ...headers, ...auth, 'content-length': String(data.length) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.write(data.subarray(0, 1000));
    setTimeout(() => {
      server.process.kill('SIGTERM');
      setTimeout(() => req.end(data.subarray(1000)), 300);
    }, 200);
  });
  assert.equal(await upload, 200);
  assert.equal(await server.stop(), 0);
  const again = await startTestServer({ dataDir: server.dataDir, configDir: server.configDir, accessKey: server.accessKey, secretKey: server.secretKey });
  const s3b = s3Client(again);
  const got = await s3b.send(new GetObjectCommand({ Bucket: 'drain', Key: 'slow' }));
  const chunks: Buffer[] = [];
  for await (const c of got.Body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  assert.deepEqual(Buffer.concat(chunks), data);
  s3.destroy();
  s3b.destroy();
  await again.stop();
  await again.cleanup();
  await server.cleanup();
});

test('the KMS root key: created 0600 on first start; a wrong or missing one refuses to start and changes nothing', async () => {
  const first = await startTestServer();
  const kmsClientModule = await import('@aws-sdk/client-kms');
  const kms = new kmsClientModule.KMSClient({ endpoint: first.httpUrl, region: 'us-east-1', credentials: { accessKeyId: first.accessKey, secretAccessKey: first.secretKey }, maxAttempts: 1 });
  const key = await kms.send(new kmsClientModule.CreateKeyCommand({ Description: 'survives restarts' }));
  kms.destroy();
  assert.equal(await first.stop(), 0);
  const rootFile = join(first.configDir, 'kms-root.key');
  assert.equal(await mode(rootFile), 0o600);
  const original = await readFile(rootFile);
  const { SqliteMetadataStore } = await import('../../src/metadata/sqlite/sqlite-metadata-store.js');
  const keystore = async (): Promise<string | undefined> => {
    const store = new SqliteMetadataStore(join(first.dataDir, 'metadata.sqlite'));
    try {
      return await store.getState('kms.keystore');
    } finally {
      await store.close();
    }
  };
  const sealed = await keystore();
  assert.ok(sealed);
  const again = { dataDir: first.dataDir, configDir: first.configDir, accessKey: first.accessKey, secretKey: first.secretKey };
  const { writeFile: write, unlink } = await import('node:fs/promises');
  await write(rootFile, randomBytes(32));
  await assert.rejects(startTestServer(again), /does not open with this root key/);
  await unlink(rootFile);
  await assert.rejects(startTestServer(again), /root key .* is missing but a KMS keystore exists/);
  assert.equal(await keystore(), sealed, 'the keystore was not touched');
  await assert.rejects(stat(rootFile), 'no new root key was made');
  const viaEnv = await startTestServer({ ...again, env: { OBSCURA_KMS_ROOT_KEY: original.toString('base64') } });
  const kms2 = new kmsClientModule.KMSClient({ endpoint: viaEnv.httpUrl, region: 'us-east-1', credentials: { accessKeyId: first.accessKey, secretAccessKey: first.secretKey }, maxAttempts: 1 });
  const described = await kms2.send(new kmsClientModule.DescribeKeyCommand({ KeyId: key.KeyMetadata!.KeyId }));
  assert.equal(described.KeyMetadata!.Description, 'survives restarts');
  kms2.destroy();
  assert.equal(await viaEnv.stop(), 0);
  await viaEnv.cleanup();
  await first.cleanup();
});
