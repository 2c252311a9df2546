/**
 * PUT/GET/DELETE /?encryption: the bucket's default encryption, applied by every write path that
 * does not name its own mode (sse/sse-service.ts effectiveRequest).
 */
import { fail } from '../errors/index.js';
import { children, childText, el, opt, parseXml } from '../http/xml.js';
import type { BucketEncryption } from '../metadata/records.js';
import type { OperationContext } from './context.js';
import { requireBucket } from './object-common.js';
import type { OperationResult } from './types.js';

/** Parses ServerSideEncryptionConfiguration in either dialect's spelling. */
export function parseBucketEncryption(body: Buffer): BucketEncryption {
  const doc = parseXml(body);
  const root = doc['ServerSideEncryptionConfiguration'];
  if (root === undefined || typeof root === 'string') throw fail('MalformedXML');
  const rules = children(root, 'Rule');
  if (rules.length !== 1) throw fail('MalformedXML');
  const rule = rules[0]!;
  const apply = children(rule, 'ApplyServerSideEncryptionByDefault')[0];
  const blocked = children(children(rule, 'BlockedEncryptionTypes')[0], 'EncryptionType').map((t) => (typeof t === 'string' ? t : ''));
  if (blocked.some((t) => t !== 'SSE-C' && t !== 'NONE')) throw fail('MalformedXML', 'BlockedEncryptionTypes accepts SSE-C or NONE.');
  if (apply === undefined) throw fail('MalformedXML');
  const algorithm = childText(apply, 'SSEAlgorithm');
  let normalized: BucketEncryption['algorithm'];
  if (algorithm === 'AES256') normalized = 'AES256';
  else if (algorithm === 'aws:kms' || algorithm === 'kms') normalized = 'kms';
  else throw fail('MalformedXML', 'SSEAlgorithm must be AES256 or kms (aws:kms).');
  const keyId = childText(apply, 'KMSMasterKeyID');
  if (keyId !== undefined && keyId !== '' && normalized !== 'kms') throw fail('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms', { argumentName: 'ApplyServerSideEncryptionByDefault' });
  const projectId = childText(apply, 'ProjectID');
  const dataEncryption = childText(apply, 'KMSDataEncryption');
  const bucketKey = childText(rule, 'BucketKeyEnabled');
  return {
    algorithm: normalized,
    ...(keyId ? { kmsKeyId: keyId } : {}),
    ...(projectId ? { projectId } : {}),
    ...(dataEncryption ? { kmsDataEncryption: dataEncryption } : {}),
    ...(bucketKey !== undefined ? { bucketKeyEnabled: bucketKey === 'true' } : {}),
    ...(blocked.includes('SSE-C') ? { blockedEncryptionTypes: ['SSE-C'] } : {}),
  };
}

export async function handlePutBucketEncryption(ctx: OperationContext, encryption: BucketEncryption): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const updated = await ctx.metadata.updateBucket({ ...bucket, encryption });
  if (!updated) throw fail('NoSuchBucket');
  return { status: 200 };
}

export async function handleGetBucketEncryption(ctx: OperationContext, kmsAlgorithm: 'kms' | 'aws:kms', renderKeyId: (id: string) => string): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const e = bucket.encryption;
  if (!e) throw fail('ServerSideEncryptionConfigurationNotFoundError', undefined, { bucketName: bucket.name });
  return {
    body: el(
      'ServerSideEncryptionConfiguration',
      el(
        'Rule',
        el(
          'ApplyServerSideEncryptionByDefault',
          el('SSEAlgorithm', e.algorithm === 'kms' ? kmsAlgorithm : 'AES256'),
          opt('KMSMasterKeyID', e.kmsKeyId !== undefined ? renderKeyId(e.kmsKeyId) : undefined),
          opt('ProjectID', e.projectId),
          opt('KMSDataEncryption', e.kmsDataEncryption),
        ),
        opt('BucketKeyEnabled', e.bucketKeyEnabled),
        e.blockedEncryptionTypes?.length ? el('BlockedEncryptionTypes', e.blockedEncryptionTypes.map((t) => el('EncryptionType', t))) : undefined,
      ),
    ),
  };
}

export async function handleDeleteBucketEncryption(ctx: OperationContext): Promise<OperationResult> {
  const bucket = requireBucket(ctx);
  const { encryption: _removed, ...rest } = bucket;
  await ctx.metadata.updateBucket(rest);
  return { status: 204 };
}
