/**
 * The built-in KMS through @aws-sdk/client-kms (AWS KMS JSON protocol), and SSE-KMS plus bucket
 * default encryption through @aws-sdk/client-s3 and esdk-obs-nodejs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ListKeyRotationsCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { bodyBytes } from '../helpers/bodies.js';
import { readCiphertext } from '../helpers/ciphertext.js';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { obsClient, s3Client, type ObsClientInstance } from '../helpers/clients.js';
import { SqliteMetadataStore } from '../../src/metadata/sqlite/sqlite-metadata-store.js';
import { sealMetadata, sealObjectKey, unsealMetadata, unsealObjectKey } from '../../src/crypto/keys.js';

let server: TestServer;
let kms: KMSClient;
let s3: S3Client;
let obs: ObsClientInstance;

async function expectKmsError(p: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(p, (e: { name?: string }) => {
    assert.equal(e.name, name);
    return true;
  });
}

async function expectS3Error(p: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(p, (e: { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.$metadata?.httpStatusCode, status);
    assert.equal(e.name, code);
    return true;
  });
}

function kmsClient(srv: TestServer): KMSClient {
  return new KMSClient({ endpoint: srv.httpUrl, region: 'us-east-1', credentials: { accessKeyId: srv.accessKey, secretAccessKey: srv.secretKey }, maxAttempts: 1 });
}

before(async () => {
  server = await startTestServer();
  kms = kmsClient(server);
  s3 = s3Client(server);
  obs = obsClient(server);
});

after(async () => {
  kms?.destroy();
  s3?.destroy();
  obs?.close();
  await server.stop();
  await server.cleanup();
});

describe('KMS API (@aws-sdk/client-kms)', () => {
  test('key life cycle: create, describe, list, alias, disable, enable, schedule and cancel deletion', async () => {
    const created = await kms.send(new CreateKeyCommand({ Description: 'test key' }));
    const id = created.KeyMetadata!.KeyId!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(created.KeyMetadata!.KeyState, 'Enabled');
    assert.match(created.KeyMetadata!.Arn!, new RegExp(`^arn:aws:kms:us-east-1:\\d{12}:key/${id}$`));
    const described = await kms.send(new DescribeKeyCommand({ KeyId: created.KeyMetadata!.Arn }));
    assert.equal(described.KeyMetadata!.Description, 'test key');
    const alias = `alias/test-${randomBytes(3).toString('hex')}`;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: id }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata!.KeyId, id);
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: id }));
    assert.deepEqual(aliases.Aliases!.map((a) => a.AliasName), [alias]);
    assert.ok((await kms.send(new ListKeysCommand({}))).Keys!.some((k) => k.KeyId === id));
    await kms.send(new DisableKeyCommand({ KeyId: id }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState, 'Disabled');
    await expectKmsError(kms.send(new GenerateDataKeyCommand({ KeyId: id, KeySpec: 'AES_256' })), 'DisabledException');
    await kms.send(new EnableKeyCommand({ KeyId: id }));
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 }));
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.ok(scheduled.DeletionDate!.getTime() > Date.now() + 6 * 86_400_000);
    await expectKmsError(kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException');
    await expectKmsError(kms.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 3 })), 'ValidationException');
    await kms.send(new CancelKeyDeletionCommand({ KeyId: id }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState, 'Disabled');
    await expectKmsError(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' })), 'NotFoundException');
  });

  test('data keys, encrypt, decrypt and re-encrypt with the encryption context as associated data', async () => {
    const a = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const b = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: a, KeySpec: 'AES_256', EncryptionContext: { purpose: 'test' } }));
    assert.equal(dk.Plaintext!.length, 32);
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { purpose: 'test' } }));
    assert.deepEqual(Buffer.from(opened.Plaintext!), Buffer.from(dk.Plaintext!));
    await expectKmsError(kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { purpose: 'other' } })), 'InvalidCiphertextException');
    const tampered = Buffer.from(dk.CiphertextBlob!);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    await expectKmsError(kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { purpose: 'test' } })), 'InvalidCiphertextException');
    const enc = await kms.send(new EncryptCommand({ KeyId: a, Plaintext: Buffer.from('hello kms') }));
    const re = await kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: b }));
    assert.match(re.KeyId!, new RegExp(b));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob }));
    assert.equal(Buffer.from(dec.Plaintext!).toString(), 'hello kms');
  });

  test('rotation: on demand and automatic status; old versions still decrypt', async () => {
    const id = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const before = await kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('before rotation') }));
    await kms.send(new EnableKeyRotationCommand({ KeyId: id, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: id }));
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 90);
    assert.deepEqual((await kms.send(new ListKeyRotationsCommand({ KeyId: id }))).Rotations, []);
    const rotatedFrom = Date.now();
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: id }));
    const rotations = (await kms.send(new ListKeyRotationsCommand({ KeyId: id }))).Rotations!;
    assert.equal(rotations.length, 1);
    assert.equal(rotations[0]!.RotationType, 'ON_DEMAND');
    assert.match(rotations[0]!.KeyId!, new RegExp(`^arn:aws:kms:.*:key/${id}$`));
    assert.ok(Math.abs(rotations[0]!.RotationDate!.getTime() - rotatedFrom) < 5000, 'rotation date is when it happened');
    const after = await kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('after rotation') }));
    assert.notDeepEqual(Buffer.from(before.CiphertextBlob!).subarray(17, 21), Buffer.from(after.CiphertextBlob!).subarray(17, 21), 'a new key version wraps new data');
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).Plaintext!).toString(), 'before rotation');
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: after.CiphertextBlob }))).Plaintext!).toString(), 'after rotation');
  });

  test('a wrong secret or a request signed for another service is refused', async () => {
    const wrong = new KMSClient({ endpoint: server.httpUrl, region: 'us-east-1', credentials: { accessKeyId: server.accessKey, secretAccessKey: 'nope' }, maxAttempts: 1 });
    await expectKmsError(wrong.send(new ListKeysCommand({})), 'InvalidSignatureException');
    wrong.destroy();
  });
});

describe('SSE-KMS', () => {
  test('PUT with aws:kms and a key id (id, ARN or alias); GET and HEAD report it as an ARN with no key headers', async () => {
    const bucket = uniqueBucket('kms');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const alias = `alias/sse-${randomBytes(3).toString('hex')}`;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyId }));
    const data = randomBytes(100_000);
    for (const ref of [key.KeyId!, key.Arn!, alias]) {
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: data, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ref }));
      assert.equal(put.ServerSideEncryption, 'aws:kms');
      assert.equal(put.SSEKMSKeyId, key.Arn);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
      assert.deepEqual(await bodyBytes(got.Body), data);
      assert.equal(got.SSEKMSKeyId, key.Arn);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
      assert.equal(head.ServerSideEncryption, 'aws:kms');
    }
    const withContext = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ctx', Body: 'c', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId, SSEKMSEncryptionContext: Buffer.from(JSON.stringify({ project: 'x' })).toString('base64') }));
    assert.equal(withContext.ServerSideEncryption, 'aws:kms');
    assert.equal((await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'ctx' }))).Body)).toString(), 'c');
  });

  test('without a key id the default key is created on first use and reported', async () => {
    const bucket = uniqueBucket('kms');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'd', Body: 'default', ServerSideEncryption: 'aws:kms' }));
    assert.match(put.SSEKMSKeyId ?? '', /^arn:aws:kms:/);
    const aliases = await kms.send(new ListAliasesCommand({}));
    assert.ok(aliases.Aliases!.some((a) => a.AliasName === 'alias/obscura/default' && put.SSEKMSKeyId!.endsWith(a.TargetKeyId!)));
  });

  test('unknown key 400 KMS.NotFoundException; disabled key refuses writes and reads until enabled again', async () => {
    const bucket = uniqueBucket('kms');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'x', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: '11111111-2222-3333-4444-555555555555' })), 400, 'KMS.NotFoundException');
    const id = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'y', Body: 'readable again', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id }));
    await kms.send(new DisableKeyCommand({ KeyId: id }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'z', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id })), 400, 'KMS.DisabledException');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'y' })), 400, 'KMS.DisabledException');
    await kms.send(new EnableKeyCommand({ KeyId: id }));
    assert.equal((await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'y' }))).Body)).toString(), 'readable again');
  });

  test('after the master key rotates every object still reads; copy-to-self with another key re-seals without touching ciphertext', async () => {
    const bucket = uniqueBucket('kms');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const k1 = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const k2 = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const data = randomBytes(80_000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'r', Body: data, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k1.KeyId }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: k1.KeyId }));
    assert.deepEqual(await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'r' }))).Body), data);
    const store = new SqliteMetadataStore(join(server.dataDir, 'metadata.sqlite'));
    const before = (await store.getObject(bucket, 'r'))!;
    const blob = await readCiphertext(server.dataDir, before.segments[0]!.locator);
    const copied = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'r', CopySource: `${bucket}/r`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k2.KeyId }));
    assert.equal(copied.SSEKMSKeyId, k2.Arn);
    const afterCopy = (await store.getObject(bucket, 'r'))!;
    await store.close();
    assert.equal(afterCopy.segments[0]!.locator, before.segments[0]!.locator);
    assert.equal(afterCopy.sse.kms!.keyId, k2.KeyId);
    assert.deepEqual(await readCiphertext(server.dataDir, afterCopy.segments[0]!.locator), blob, 'ciphertext untouched');
    assert.deepEqual(await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'r' }))).Body), data);
    await kms.send(new DisableKeyCommand({ KeyId: k1.KeyId }));
    assert.deepEqual(await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'r' }))).Body), data, 'no longer needs the old key');
  });

  test('SSE-KMS seals under a 64-byte data key (sealed key version 2); an object an earlier release sealed (a 32-byte data key through HKDF, version 1) still reads and copies', async () => {
    const bucket = uniqueBucket('kms');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const k = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const data = randomBytes(3000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v2', Body: data, ContentType: 'text/v2', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k.KeyId }));
    // The earlier release's object is made from an SSE-C one: its object key sealed again as that release sealed SSE-KMS keys.
    const customerKey = randomBytes(32);
    const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64') };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v1', Body: data, ContentType: 'text/v1', ...ssec }));
    const store = new SqliteMetadataStore(join(server.dataDir, 'metadata.sqlite'));
    try {
      const v2 = (await store.getObject(bucket, 'v2'))!;
      const sealed = Buffer.from(v2.sse.sealedObjectKey, 'base64');
      assert.deepEqual([sealed.length, sealed[0], sealed[1]], [62, 2, 2], 'version 2, algorithm 2, no salt');
      const wrapped = Buffer.from(v2.sse.kms!.wrappedDataKey, 'base64');
      const dataKey = Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: { 'obscura:bucket': bucket, 'obscura:object': 'v2' } }))).Plaintext!);
      assert.equal(dataKey.length, 64);
      // docs/KEYS.md: the second half is the metadata key.
      const meta = unsealMetadata({ objectKey: Buffer.alloc(32), metadataKey: dataKey.subarray(32) }, Buffer.from(v2.sealedMeta, 'base64'));
      assert.equal(JSON.parse(meta.toString('utf8')).contentType, 'text/v2');

      const v1 = (await store.getObject(bucket, 'v1'))!;
      const identity = { bucket, key: 'v1', versionId: v1.versionId };
      const opened = unsealObjectKey(customerKey, Buffer.from(v1.sse.sealedObjectKey, 'base64'), { mode: 'sse-c', ...identity });
      const plainMeta = unsealMetadata(opened, Buffer.from(v1.sealedMeta, 'base64'));
      const old = await kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, NumberOfBytes: 32, EncryptionContext: { 'obscura:bucket': bucket, 'obscura:object': 'v1' } }));
      const resealed = sealObjectKey(Buffer.from(old.Plaintext!), opened.objectKey, { mode: 'sse-kms', ...identity });
      assert.equal(resealed.sealed[0], 1);
      const kmsRecord = { keyId: k.KeyId!, keyVersion: v2.sse.kms!.keyVersion, wrappedDataKey: Buffer.from(old.CiphertextBlob!).toString('base64') };
      await store.putObject({ ...v1, sse: { mode: 'sse-kms', sealedObjectKey: resealed.sealed.toString('base64'), kms: kmsRecord }, sealedMeta: sealMetadata(resealed.metadataKey, plainMeta).toString('base64') });
    } finally {
      await store.close();
    }
    for (const key of ['v2', 'v1']) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.deepEqual(await bodyBytes(got.Body), data, key);
      assert.equal(got.ContentType, `text/${key}`);
      assert.equal(got.ServerSideEncryption, 'aws:kms');
      assert.equal(got.SSEKMSKeyId, k.Arn);
    }
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'v1', ...ssec })), 400, 'InvalidRequest');
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'v1-copy', CopySource: `${bucket}/v1`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k.KeyId }));
    const copy = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'v1-copy' }));
    assert.deepEqual(await bodyBytes(copy.Body), data);
    assert.equal(copy.ContentType, 'text/v1');
    // The KMS context names the bucket and the object but not the version: the sealed key's associated data does.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'moved', Body: data, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k.KeyId }));
    const check = new SqliteMetadataStore(join(server.dataDir, 'metadata.sqlite'));
    try {
      assert.equal(Buffer.from((await check.getObject(bucket, 'v1-copy'))!.sse.sealedObjectKey, 'base64')[0], 2, 'the copy is sealed as version 2');
      const earlier = (await check.getObject(bucket, 'moved'))!;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'moved', Body: randomBytes(100), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k.KeyId }));
      const later = (await check.getObject(bucket, 'moved'))!;
      assert.notEqual(later.versionId, earlier.versionId);
      await check.putObject({ ...later, sse: earlier.sse, sealedMeta: earlier.sealedMeta });
    } finally {
      await check.close();
    }
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'moved' })), 500, 'InternalError');
  });

  test('SSE headers on GET or UploadPart are refused; a key id without the kms mode is refused; multipart parts follow their upload', async () => {
    const bucket = uniqueBucket('kms');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'x', Body: 'x', SSEKMSKeyId: 'abc' })), 400, 'InvalidArgument');
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ServerSideEncryption: 'aws:kms' }));
    assert.equal(init.ServerSideEncryption, 'aws:kms');
    const part = randomBytes(5 * 1024 * 1024);
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: part }));
    assert.equal(p1.ServerSideEncryption, 'aws:kms');
    const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 2, Body: 'tail' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp' }));
    assert.equal(got.ServerSideEncryption, 'aws:kms');
    assert.deepEqual(await bodyBytes(got.Body), Buffer.concat([part, Buffer.from('tail')]));
  });
});

describe('bucket default encryption', () => {
  test('PUT/GET/DELETE ?encryption; the default applies to PUT, Copy and multipart unless the request names a mode', async () => {
    const bucket = uniqueBucket('def');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })), 404, 'ServerSideEncryptionConfigurationNotFoundError');
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.KeyId } }] } }));
    const conf = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.equal(conf.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'aws:kms');
    assert.equal(conf.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!.KMSMasterKeyID, key.Arn);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a', Body: 'default kms' }));
    assert.equal(put.ServerSideEncryption, 'aws:kms');
    assert.equal(put.SSEKMSKeyId, key.Arn);
    const own = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'b', Body: 'own mode', ServerSideEncryption: 'AES256' }));
    assert.equal(own.ServerSideEncryption, 'AES256');
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'c', CopySource: `${bucket}/b` }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'c' }))).ServerSideEncryption, 'aws:kms');
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'm' }));
    assert.equal(init.ServerSideEncryption, 'aws:kms');
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    const after = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'd', Body: 'none' }));
    assert.equal(after.ServerSideEncryption, undefined);
  });

  test('blocking SSE-C writes: 403 on SSE-C PUT, reads of existing SSE-C objects still allowed', async () => {
    const bucket = uniqueBucket('blk');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const k = randomBytes(32);
    const sse = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: k.toString('base64'), SSECustomerKeyMD5: (await import('node:crypto')).createHash('md5').update(k).digest('base64') };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'old', Body: 'before the block', ...sse }));
    const xml = '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>';
    const { signedRequest } = await import('../helpers/raw.js');
    const res = await signedRequest(server, { method: 'PUT', path: `/${bucket}?encryption`, body: xml });
    assert.equal(res.status, 200, res.body.toString());
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'new', Body: 'x', ...sse })), 403, 'AccessDenied');
    assert.equal((await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'old', ...sse }))).Body)).toString(), 'before the block');
  });

  test('OBS dialect: setBucketEncryption with kms, SseKms on putObject, key ids in the region:domain:key/uuid form', async () => {
    const bucket = uniqueBucket('obskms');
    assert.ok((await obs.createBucket({ Bucket: bucket })).CommonMsg.Status < 300);
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const put = await obs.putObject({ Bucket: bucket, Key: 'k', Body: 'obs kms', SseKms: 'kms', SseKmsKey: key.KeyId });
    assert.ok(put.CommonMsg.Status < 300, put.CommonMsg.Message);
    assert.equal(put.InterfaceResult.SseKms, 'kms');
    assert.match(put.InterfaceResult.SseKmsKey, new RegExp(`^us-east-1:\\d{12}:key/${key.KeyId}$`));
    const meta = await obs.getObjectMetadata({ Bucket: bucket, Key: 'k' });
    assert.equal(meta.InterfaceResult.SseKms, 'kms');
    const byObsId = await obs.putObject({ Bucket: bucket, Key: 'k2', Body: 'x', SseKms: 'kms', SseKmsKey: put.InterfaceResult.SseKmsKey });
    assert.ok(byObsId.CommonMsg.Status < 300, byObsId.CommonMsg.Message);
    const set = await obs.setBucketEncryption({ Bucket: bucket, Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'kms', KMSMasterKeyID: key.KeyId } } });
    assert.ok(set.CommonMsg.Status < 300, set.CommonMsg.Message);
    const getEnc = await obs.getBucketEncryption({ Bucket: bucket });
    assert.equal(getEnc.CommonMsg.Status, 200);
    assert.equal(getEnc.InterfaceResult.Rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm, 'kms');
    assert.match(getEnc.InterfaceResult.Rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID, new RegExp(`:key/${key.KeyId}$`));
    const dflt = await obs.putObject({ Bucket: bucket, Key: 'd', Body: 'by default' });
    assert.equal(dflt.InterfaceResult.SseKms, 'kms');
    // The documented copy of an SSE-C object into an SSE-KMS object.
    const ck = randomBytes(32);
    await obs.putObject({ Bucket: bucket, Key: 'c', Body: 'was ssec', SseC: 'AES256', SseCKey: ck });
    const copy = await obs.copyObject({ Bucket: bucket, Key: 'c-kms', CopySource: `${bucket}/c`, CopySourceSseC: 'AES256', CopySourceSseCKey: ck, SseKms: 'kms', SseKmsKey: key.KeyId });
    assert.ok(copy.CommonMsg.Status < 300, copy.CommonMsg.Message);
    const got = await obs.getObject({ Bucket: bucket, Key: 'c-kms' });
    assert.equal(String(got.InterfaceResult.Content), 'was ssec');
    assert.equal(got.InterfaceResult.SseKms, 'kms');
  });
});
