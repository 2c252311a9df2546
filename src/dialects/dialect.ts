/**
 * What each dialect provides: its header prefix, XML namespace, error-header names, and the
 * spelling of values that differ (OBS `kms` vs S3 `aws:kms`, KMS key ids). Detection happens in
 * detect.ts; rendering in render.ts.
 */
export type DialectName = 'obs' | 's3';

export interface Dialect {
  readonly name: DialectName;
  /** Header prefix, lower-case: `x-obs-` or `x-amz-`. */
  readonly prefix: 'x-obs-' | 'x-amz-';
  /** XML namespace of response documents. */
  readonly xmlns: string;
  /** Accepts the other dialect's prefix on reads of request headers (OBS accepts x-amz- too). */
  readonly acceptsOtherPrefix: boolean;
  /** Spelling of the KMS mode in `server-side-encryption` headers and bucket encryption XML. */
  readonly kmsAlgorithm: 'kms' | 'aws:kms';
  /** Header carrying the KMS key id. */
  readonly kmsKeyIdHeader: string;
}

export const obsDialect: Dialect = {
  name: 'obs',
  prefix: 'x-obs-',
  xmlns: 'http://obs.myhwclouds.com/doc/2015-06-30/',
  acceptsOtherPrefix: true,
  kmsAlgorithm: 'kms',
  kmsKeyIdHeader: 'x-obs-server-side-encryption-kms-key-id',
};

export const s3Dialect: Dialect = {
  name: 's3',
  prefix: 'x-amz-',
  xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
  acceptsOtherPrefix: false,
  kmsAlgorithm: 'aws:kms',
  kmsKeyIdHeader: 'x-amz-server-side-encryption-aws-kms-key-id',
};

export function dialectByName(name: DialectName): Dialect {
  return name === 'obs' ? obsDialect : s3Dialect;
}
