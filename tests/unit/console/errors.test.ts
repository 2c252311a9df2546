/**
 * What failures mean to a console user (console/src/api/errors.ts, results.ts): the server's
 * answers (XML body, HEAD error headers, KMS JSON) refined into the console's codes, and the one
 * sentence each reads as, including network failures and cancels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeError, NetworkError, refineErrorCode } from '../../../console/src/api/errors.js';
import { resultOf } from '../../../console/src/api/results.js';
import type { Answer } from '../../../console/src/api/transport.js';

const MISSING_KEY = 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.';
const WRONG_KEY = 'The provided customer key does not match the key the object was stored with.';
const INSECURE = 'Requests specifying Server Side Encryption with Customer provided keys or KMS keys must be made over a secure connection.';

function xmlError(status: number, code: string, message: string): Answer {
  return {
    status,
    reason: 'Error',
    header: { 'content-type': 'application/xml', 'x-amz-request-id': 'REQ1' },
    text: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><Resource>/b/k</Resource><RequestId>REQ2</RequestId></Error>`,
  };
}

test('a GET without the key of an SSE-C object is CustomerKeyRequired, and reads as the sentence the screens show', () => {
  const result = resultOf(xmlError(400, 'InvalidRequest', MISSING_KEY), { sentCustomerKey: false });
  assert.deepEqual([result.errorCode, result.serverErrorCode, result.requestId, result.resource], ['CustomerKeyRequired', 'InvalidRequest', 'REQ2', '/b/k']);
  assert.equal(describeError(result), 'This object is encrypted with a customer key (SSE-C). Enter its key to read it.');
});

test('a HEAD has no body: the code and message come from the x-amz-error-* headers', () => {
  const head: Answer = { status: 403, reason: 'Forbidden', header: { 'x-amz-error-code': 'AccessDenied', 'x-amz-error-message': WRONG_KEY, 'x-amz-request-id': 'REQ3' }, text: '' };
  const result = resultOf(head, { sentCustomerKey: true });
  assert.deepEqual([result.errorCode, result.serverErrorCode, result.requestId], ['CustomerKeyMismatch', 'AccessDenied', 'REQ3']);
  assert.equal(describeError(result), 'The customer key does not match the key this object was encrypted with.');
});

test('AccessDenied without a customer key stays AccessDenied (not the wrong-key sentence)', () => {
  const result = resultOf(xmlError(403, 'AccessDenied', 'Access Denied'), { sentCustomerKey: false });
  assert.equal(result.errorCode, 'AccessDenied');
  assert.equal(describeError(result), 'Access denied: this account may not do that.');
});

test('an SSE-C write into a bucket that blocks SSE-C is SseCBlocked, not the access-denied or wrong-key sentence', () => {
  const blocked = 'Requests specifying Server Side Encryption with Customer provided keys are blocked for this bucket.';
  const result = resultOf(xmlError(403, 'AccessDenied', blocked), { sentCustomerKey: true });
  assert.deepEqual([result.errorCode, result.serverErrorCode], ['SseCBlocked', 'AccessDenied']);
  assert.match(describeError(result), /^This bucket blocks SSE-C: .*turn off “Block SSE-C uploads”/);
  assert.equal(refineErrorCode('AccessDenied', blocked, { sentCustomerKey: false }), 'SseCBlocked', 'a copy whose source is not SSE-C');
});

test('SSE over plain HTTP is HttpsRequired and names the HTTPS console when it is known', () => {
  const result = resultOf(xmlError(400, 'InvalidRequest', INSECURE), { sentCustomerKey: true });
  assert.equal(result.errorCode, 'HttpsRequired');
  assert.equal(describeError(result, { httpsConsoleUrl: 'https://127.0.0.1:9443/console/' }), 'Encrypted uploads and downloads need the HTTPS console: https://127.0.0.1:9443/console/');
  assert.equal(describeError(result), 'Encrypted uploads and downloads need the HTTPS console.');
});

test('KMS key states read the same from S3 (KMS.*) and from the KMS JSON protocol', () => {
  const s3 = resultOf(xmlError(400, 'KMS.DisabledException', 'arn:… is disabled.'), { sentCustomerKey: false });
  const json: Answer = { status: 400, reason: 'Bad Request', header: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'K1' }, text: JSON.stringify({ __type: 'KMSInvalidStateException', message: 'arn:aws:kms:…:key/1 is pending deletion.' }) };
  const kms = resultOf(json, { sentCustomerKey: false });
  assert.deepEqual([s3.errorCode, kms.errorCode, kms.serverErrorCode, kms.requestId], ['KmsKeyDisabled', 'KmsKeyPendingDeletion', 'KMSInvalidStateException', 'K1']);
  assert.equal(describeError(s3), 'The KMS key is disabled: enable it to encrypt or decrypt with it.');
  assert.equal(describeError(kms), 'The KMS key is scheduled for deletion: cancel the deletion to use it again.');
  assert.equal(refineErrorCode('KMS.KMSInvalidStateException', 'arn:… is pending deletion.', { sentCustomerKey: false }), 'KmsKeyPendingDeletion');
  assert.equal(refineErrorCode('KMSInvalidStateException', 'arn:… is not pending deletion.', { sentCustomerKey: false }), 'KMSInvalidStateException');
});

test('login failures read the same whichever protocol refused them', () => {
  const wrongSecret = resultOf(xmlError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match'), { sentCustomerKey: false });
  const unknownKey = resultOf(xmlError(403, 'InvalidAccessKeyId', 'The access key ID you provided does not exist in our records.'), { sentCustomerKey: false });
  assert.equal(refineErrorCode('UnrecognizedClientException', '', { sentCustomerKey: false }), 'InvalidAccessKeyId');
  assert.equal(refineErrorCode('InvalidSignatureException', '', { sentCustomerKey: false }), 'SignatureDoesNotMatch');
  for (const r of [wrongSecret, unknownKey]) assert.equal(describeError(r), 'The access key or secret key is wrong.');
});

test('bucket errors have their own sentences', () => {
  assert.equal(describeError(resultOf(xmlError(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty.'), { sentCustomerKey: false })), 'The bucket is not empty: delete its objects first.');
  assert.equal(describeError(resultOf(xmlError(404, 'NoSuchBucket', 'The specified bucket does not exist'), { sentCustomerKey: false })), 'The bucket does not exist (it may have been deleted).');
});

test('an unknown code falls back to the server message, then to the status', () => {
  assert.equal(describeError(resultOf(xmlError(400, 'InvalidTag', 'The tag is invalid.'), { sentCustomerKey: false })), 'The server refused the request: The tag is invalid. (InvalidTag)');
  assert.equal(describeError({ status: 502, reason: 'Bad Gateway', header: {} }), 'The server refused the request (HTTP 502).');
});

test('network failures and cancels are described too', () => {
  assert.equal(describeError(new NetworkError()), 'The server could not be reached. Check that it is running and that you are online, then try again.');
  assert.equal(describeError(new DOMException('aborted', 'AbortError')), 'Cancelled.');
  assert.equal(describeError(new Error('Enter a customer key: 64 hexadecimal digits or the base64 of 32 bytes.')), 'Enter a customer key: 64 hexadecimal digits or the base64 of 32 bytes.');
});

test('a success carries its parsed body and request id, no error fields', () => {
  const result = resultOf({ status: 200, reason: 'OK', header: { 'x-amz-request-id': 'OK1', etag: '"abc"' }, text: '' }, { sentCustomerKey: false }, (a) => ({ etag: a.header['etag'] }));
  assert.deepEqual(result, { status: 200, reason: 'OK', header: { 'x-amz-request-id': 'OK1', etag: '"abc"' }, requestId: 'OK1', body: { etag: '"abc"' } });
});
