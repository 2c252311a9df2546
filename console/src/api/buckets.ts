/**
 * Bucket calls of the console client: ListBuckets, CreateBucket, DeleteBucket and the bucket's
 * default encryption (GET/PUT/DELETE ?encryption, with S3's BlockedEncryptionTypes for SSE-C).
 */
import type { ApiResult, BucketEncryptionConfig, BucketSummary } from './contract.js';
import { NO_CUSTOMER_KEY, resultOf } from './results.js';
import type { Transport } from './transport.js';
import { child, children, element, parseXml, text, XML_DECLARATION } from './xml.js';

function parseBuckets(xml: string): BucketSummary[] {
  const buckets = child(child(parseXml(xml), 'ListAllMyBucketsResult'), 'Buckets');
  return children(buckets, 'Bucket').map((b) => ({ name: text(b, 'Name') ?? '', creationDate: new Date(text(b, 'CreationDate') ?? 0) }));
}

function parseEncryption(xml: string): BucketEncryptionConfig {
  const rule = children(child(parseXml(xml), 'ServerSideEncryptionConfiguration'), 'Rule')[0] ?? {};
  const apply = child(rule, 'ApplyServerSideEncryptionByDefault');
  const algorithm = text(apply, 'SSEAlgorithm');
  const blocked = (child(rule, 'BlockedEncryptionTypes')['EncryptionType'] as unknown[] | undefined) ?? [];
  const kmsKeyId = text(apply, 'KMSMasterKeyID');
  return {
    algorithm: algorithm === 'aws:kms' || algorithm === 'kms' ? 'aws:kms' : algorithm === 'AES256' ? 'AES256' : 'none',
    ...(kmsKeyId ? { kmsKeyId } : {}),
    blockSseC: blocked.includes('SSE-C'),
  };
}

/** The ServerSideEncryptionConfiguration document of a default other than 'none'. */
export function renderEncryption(config: BucketEncryptionConfig): string {
  const apply = element('SSEAlgorithm', config.algorithm) + (config.algorithm === 'aws:kms' && config.kmsKeyId ? element('KMSMasterKeyID', config.kmsKeyId) : '');
  const blocked = config.blockSseC ? `<BlockedEncryptionTypes>${element('EncryptionType', 'SSE-C')}</BlockedEncryptionTypes>` : '';
  return `${XML_DECLARATION}<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault>${apply}</ApplyServerSideEncryptionByDefault>${blocked}</Rule></ServerSideEncryptionConfiguration>`;
}

export function bucketCalls(transport: Transport) {
  const call = async <T = undefined>(request: Parameters<Transport['exchange']>[0], parse?: (xml: string) => T): Promise<ApiResult<T>> =>
    resultOf(await transport.exchange(request), NO_CUSTOMER_KEY, parse ? (answer) => parse(answer.text) : undefined);

  return {
    listBuckets: () => call({ method: 'GET' }, parseBuckets),
    createBucket: (bucket: string) => call({ method: 'PUT', bucket }),
    deleteBucket: (bucket: string) => call({ method: 'DELETE', bucket }),
    async getBucketEncryption(bucket: string): Promise<ApiResult<BucketEncryptionConfig>> {
      const result = await call({ method: 'GET', bucket, query: [['encryption', '']] }, parseEncryption);
      // No default configured is a state, not a failure, for the console.
      if (result.errorCode === 'ServerSideEncryptionConfigurationNotFoundError') return { status: 200, reason: 'OK', header: result.header, ...(result.requestId ? { requestId: result.requestId } : {}), body: { algorithm: 'none', blockSseC: false } };
      return result;
    },
    setBucketEncryption(bucket: string, config: BucketEncryptionConfig): Promise<ApiResult> {
      if (config.algorithm === 'none') return call({ method: 'DELETE', bucket, query: [['encryption', '']] });
      return call({ method: 'PUT', bucket, query: [['encryption', '']], headers: { 'content-type': 'application/xml' }, body: renderEncryption(config) });
    },
  };
}
