/**
 * The AWS KMS JSON protocol (`POST /`, `X-Amz-Target: TrentService.<Operation>`, SigV4 service
 * `kms`) in front of the built-in KMS, so `aws kms … --endpoint-url` and @aws-sdk/client-kms work.
 * Errors are `{"__type": "<Code>", "message": "…"}` with status 400, as AWS KMS answers.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, signedHeaderView, type SecretLookup } from '../auth/index.js';
import { isObscuraError } from '../../errors/index.js';
import { readBodyLimited } from '../../http/limits.js';
import { KmsError } from '../../kms/errors.js';
import type { BuiltinKms, KeyMetadata } from '../../kms/builtin/builtin-kms.js';

type Json = Record<string, unknown>;

const MAX_KMS_BODY = 64 * 1024;

function seconds(ms: number): number {
  return ms / 1000;
}

function keyMetadata(kms: BuiltinKms, m: KeyMetadata): Json {
  return {
    AWSAccountId: kms.accountId,
    KeyId: m.keyId,
    Arn: m.arn,
    CreationDate: seconds(m.creationDate),
    Enabled: m.enabled,
    Description: m.description,
    KeyUsage: m.keyUsage,
    KeyState: m.keyState,
    ...(m.deletionDate !== undefined ? { DeletionDate: seconds(m.deletionDate) } : {}),
    Origin: m.origin,
    KeyManager: m.keyManager,
    CustomerMasterKeySpec: m.keySpec,
    KeySpec: m.keySpec,
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
}

function str(body: Json, name: string, required = true): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw new KmsError('ValidationException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof v !== 'string') throw new KmsError('ValidationException', `${name} must be a string`);
  return v;
}

function bytes(body: Json, name: string): Buffer {
  const v = str(body, name)!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new KmsError('ValidationException', `${name} must be base64`);
  return Buffer.from(v, 'base64');
}

function context(body: Json, name: string): Record<string, string> {
  const v = body[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw new KmsError('ValidationException', `${name} must be a map of strings`);
  }
  return v as Record<string, string>;
}

function int(body: Json, name: string): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new KmsError('ValidationException', `${name} must be an integer`);
  return v;
}

async function dispatch(kms: BuiltinKms, operation: string, body: Json): Promise<Json> {
  switch (operation) {
    case 'CreateKey': {
      const usage = str(body, 'KeyUsage', false);
      const spec = str(body, 'KeySpec', false) ?? str(body, 'CustomerMasterKeySpec', false);
      if ((usage !== undefined && usage !== 'ENCRYPT_DECRYPT') || (spec !== undefined && spec !== 'SYMMETRIC_DEFAULT')) {
        throw new KmsError('UnsupportedOperationException', 'Only symmetric ENCRYPT_DECRYPT keys (SYMMETRIC_DEFAULT) are supported.');
      }
      const description = str(body, 'Description', false);
      return { KeyMetadata: keyMetadata(kms, await kms.createKey(description !== undefined ? { description } : {})) };
    }
    case 'DescribeKey':
      return { KeyMetadata: keyMetadata(kms, await kms.describeKey(str(body, 'KeyId')!)) };
    case 'ListKeys': {
      const keys = await kms.listKeys();
      return { Keys: keys.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), Truncated: false };
    }
    case 'CreateAlias':
      await kms.createAlias(str(body, 'AliasName')!, str(body, 'TargetKeyId')!);
      return {};
    case 'DeleteAlias':
      await kms.deleteAlias(str(body, 'AliasName')!);
      return {};
    case 'ListAliases': {
      const keyId = str(body, 'KeyId', false);
      const aliases = await kms.listAliases(keyId);
      return { Aliases: aliases.map((a) => ({ AliasName: a.aliasName, AliasArn: a.aliasArn, TargetKeyId: a.targetKeyId })), Truncated: false };
    }
    case 'EnableKey':
      await kms.enableKey(str(body, 'KeyId')!);
      return {};
    case 'DisableKey':
      await kms.disableKey(str(body, 'KeyId')!);
      return {};
    case 'ScheduleKeyDeletion': {
      const window = int(body, 'PendingWindowInDays') ?? 30;
      const m = await kms.scheduleKeyDeletion(str(body, 'KeyId')!, window);
      return { KeyId: m.arn, DeletionDate: seconds(m.deletionDate!), KeyState: m.keyState, PendingWindowInDays: window };
    }
    case 'CancelKeyDeletion':
      return { KeyId: (await kms.cancelKeyDeletion(str(body, 'KeyId')!)).arn };
    case 'EnableKeyRotation':
      await kms.enableKeyRotation(str(body, 'KeyId')!, int(body, 'RotationPeriodInDays') ?? 365);
      return {};
    case 'DisableKeyRotation':
      await kms.disableKeyRotation(str(body, 'KeyId')!);
      return {};
    case 'GetKeyRotationStatus': {
      const s = await kms.getKeyRotationStatus(str(body, 'KeyId')!);
      return {
        KeyRotationEnabled: s.enabled,
        KeyId: kms.arnOf(s.keyId),
        RotationPeriodInDays: s.periodDays,
        ...(s.nextRotationDate !== undefined ? { NextRotationDate: seconds(s.nextRotationDate) } : {}),
      };
    }
    case 'ListKeyRotations': {
      const rotations = await kms.listKeyRotations(str(body, 'KeyId')!);
      return {
        Rotations: rotations.map((r) => ({ KeyId: kms.arnOf(r.keyId), RotationDate: seconds(r.rotationDate), ...(r.rotationType !== undefined ? { RotationType: r.rotationType } : {}) })),
        Truncated: false,
      };
    }
    case 'RotateKeyOnDemand':
      return { KeyId: (await kms.rotateKeyOnDemand(str(body, 'KeyId')!)).keyId };
    case 'GenerateDataKey':
    case 'GenerateDataKeyWithoutPlaintext': {
      const spec = str(body, 'KeySpec', false);
      const n = int(body, 'NumberOfBytes');
      if (spec !== undefined && n !== undefined) throw new KmsError('ValidationException', 'Specify either KeySpec or NumberOfBytes, not both.');
      if (spec !== undefined && spec !== 'AES_256' && spec !== 'AES_128') throw new KmsError('ValidationException', 'KeySpec must be AES_256 or AES_128.');
      const size = n ?? (spec === 'AES_128' ? 16 : 32);
      const dk = await kms.generateDataKey(str(body, 'KeyId')!, context(body, 'EncryptionContext'), size);
      try {
        return {
          CiphertextBlob: dk.wrapped.toString('base64'),
          ...(operation === 'GenerateDataKey' ? { Plaintext: dk.plaintext.toString('base64') } : {}),
          KeyId: kms.arnOf(dk.keyId),
        };
      } finally {
        dk.plaintext.fill(0);
      }
    }
    case 'Encrypt': {
      const { blob, keyId } = await kms.encrypt(str(body, 'KeyId')!, bytes(body, 'Plaintext'), context(body, 'EncryptionContext'));
      return { CiphertextBlob: blob.toString('base64'), KeyId: kms.arnOf(keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }
    case 'Decrypt': {
      const r = await kms.decrypt(bytes(body, 'CiphertextBlob'), context(body, 'EncryptionContext'), str(body, 'KeyId', false));
      try {
        return { Plaintext: r.plaintext.toString('base64'), KeyId: kms.arnOf(r.keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      } finally {
        r.plaintext.fill(0);
      }
    }
    case 'ReEncrypt': {
      const r = await kms.reEncrypt(bytes(body, 'CiphertextBlob'), context(body, 'SourceEncryptionContext'), str(body, 'DestinationKeyId')!, context(body, 'DestinationEncryptionContext'), str(body, 'SourceKeyId', false));
      return {
        CiphertextBlob: r.blob.toString('base64'),
        SourceKeyId: kms.arnOf(r.sourceKeyId),
        KeyId: kms.arnOf(r.keyId),
        SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    }
    default:
      throw new KmsError('UnknownOperationException', `Unknown operation ${operation}`);
  }
}

/** Handles one KMS JSON request end to end (authentication included). Returns the status sent. */
export async function handleKmsRequest(req: IncomingMessage, res: ServerResponse, env: { kms: BuiltinKms; lookupSecret: SecretLookup; now: () => number; requestId: string; rawPath: string; rawQuery: string }): Promise<number> {
  const send = (status: number, payload: Json): number => {
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(body.length), 'x-amzn-requestid': env.requestId });
    res.end(body);
    return status;
  };
  const target = String(req.headers['x-amz-target'] ?? '');
  try {
    const raw = await readBodyLimited(req, MAX_KMS_BODY);
    const auth = authenticate({ method: req.method ?? 'POST', rawPath: env.rawPath, rawQuery: env.rawQuery, headers: signedHeaderView(req) }, env.lookupSecret, env.now(), { bodySha256: createHash('sha256').update(raw).digest('hex') });
    if (auth.accessKeyId === undefined) return send(400, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    if (auth.service !== 'kms') return send(400, { __type: 'InvalidSignatureException', message: 'Credential should be scoped to correct service: kms.' });
    if (!target.startsWith('TrentService.')) return send(400, { __type: 'UnknownOperationException', message: 'Unknown operation' });
    let body: Json;
    try {
      body = raw.length ? (JSON.parse(raw.toString('utf8')) as Json) : {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return send(400, { __type: 'SerializationException', message: 'The request body is not valid JSON.' });
    }
    return send(200, await dispatch(env.kms, target.slice('TrentService.'.length), body));
  } catch (e) {
    if (e instanceof KmsError) return send(e.code === 'KMSInternalException' ? 500 : 400, { __type: e.code, message: e.message });
    if (isObscuraError(e)) {
      const type = e.code === 'InvalidAccessKeyId' ? 'UnrecognizedClientException' : e.code === 'SignatureDoesNotMatch' ? 'InvalidSignatureException' : e.code === 'MaxMessageLengthExceeded' ? 'ValidationException' : 'AccessDeniedException';
      return send(400, { __type: type, message: e.message });
    }
    throw e;
  }
}
