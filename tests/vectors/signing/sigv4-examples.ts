/**
 * The S3 SigV4 examples AWS publishes (API Reference: sig-v4-header-based-auth and
 * sigv4-query-string-auth): credentials, time, requests and their exact canonical requests,
 * string-to-sign hashes and signatures. Shared by the server/SDK signer tests and the browser
 * console's signer tests, so both are held to the same published values.
 */
import { EMPTY_SHA256 } from '../../../src/signing/sigv4-core.js';

// The credentials, time, bucket and region of every S3 SigV4 example in the AWS documentation.
export const AK = 'AKIAIOSFODNN7EXAMPLE';
export const SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const DATETIME = '20130524T000000Z';
export const NOW = Date.UTC(2013, 4, 24, 0, 0, 0);
export const SCOPE = '20130524/us-east-1/s3/aws4_request';
export const HOST = 'examplebucket.s3.amazonaws.com';

/** AWS General Reference, "Examples of how to derive a signing key for Signature Version 4". */
export const SIGNING_KEY_EXAMPLE = {
  secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  date: '20120215',
  region: 'us-east-1',
  service: 'iam',
  keyHex: 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
};

export interface HeaderExample {
  name: string;
  method: string;
  /** The path as sent on the wire. */
  rawPath: string;
  rawQuery: string;
  canonicalUri: string;
  query: Array<[string, string]>;
  /** Request headers without Authorization, lower-cased as Node delivers them. */
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  /** Published canonical request, string-to-sign hash and signature. */
  canonicalRequest: string;
  stringToSignHash: string;
  signature: string;
}

export const examples: HeaderExample[] = [
  {
    name: 'GET Object with Range',
    method: 'GET',
    rawPath: '/test.txt',
    rawQuery: '',
    canonicalUri: '/test.txt',
    query: [],
    headers: { host: HOST, range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': DATETIME },
    signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
    payloadHash: EMPTY_SHA256,
    canonicalRequest:
      'GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n' +
      'x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\n' +
      'host;range;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    stringToSignHash: '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  },
  {
    name: 'PUT Object test$file.text',
    method: 'PUT',
    rawPath: '/test$file.text',
    rawQuery: '',
    canonicalUri: '/test%24file.text',
    query: [],
    headers: {
      host: HOST,
      date: 'Fri, 24 May 2013 00:00:00 GMT',
      'x-amz-date': DATETIME,
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
    },
    signedHeaders: ['date', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-storage-class'],
    payloadHash: '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
    canonicalRequest:
      'PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\nhost:examplebucket.s3.amazonaws.com\n' +
      'x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\nx-amz-date:20130524T000000Z\n' +
      'x-amz-storage-class:REDUCED_REDUNDANCY\n\ndate;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n' +
      '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
    stringToSignHash: '9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d',
    signature: '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
  },
  {
    name: 'GET Bucket Lifecycle',
    method: 'GET',
    rawPath: '/',
    rawQuery: 'lifecycle',
    canonicalUri: '/',
    query: [['lifecycle', '']],
    headers: { host: HOST, 'x-amz-date': DATETIME, 'x-amz-content-sha256': EMPTY_SHA256 },
    signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'],
    payloadHash: EMPTY_SHA256,
    canonicalRequest:
      'GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\n' +
      'x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\n' +
      'host;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    stringToSignHash: '9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca',
    signature: 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
  },
  {
    name: 'GET Bucket (List Objects)',
    method: 'GET',
    rawPath: '/',
    rawQuery: 'max-keys=2&prefix=J',
    canonicalUri: '/',
    query: [['max-keys', '2'], ['prefix', 'J']],
    headers: { host: HOST, 'x-amz-date': DATETIME, 'x-amz-content-sha256': EMPTY_SHA256 },
    signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'],
    payloadHash: EMPTY_SHA256,
    canonicalRequest:
      'GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n' +
      'x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\n' +
      'host;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    stringToSignHash: 'df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7',
    signature: '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
  },
];

/** The headers our signers (server/SDK and browser) add for an example: its published signature, fields separated by ", ". */
export function publishedSignedHeaders(ex: HeaderExample): Record<string, string> {
  return {
    'x-amz-date': DATETIME,
    'x-amz-content-sha256': ex.payloadHash,
    authorization: `AWS4-HMAC-SHA256 Credential=${AK}/${SCOPE}, SignedHeaders=${ex.signedHeaders.join(';')}, Signature=${ex.signature}`,
  };
}

// ---- presigned URL (sigv4-query-string-auth.html): GET /test.txt, 86400 s ----

export const PRESIGNED_SIGNATURE = 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
export const PRESIGNED_QUERY =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
  '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host';
