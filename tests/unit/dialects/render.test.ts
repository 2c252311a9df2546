/** The headers every answer starts with, in each dialect's spelling, and a fresh object each time (callers add to it). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { obsDialect, s3Dialect } from '../../../src/dialects/dialect.js';
import { requestIdHeaders } from '../../../src/dialects/render.js';

test('requestIdHeaders: x-amz- for S3, x-obs- for OBS, a new object on every call', () => {
  assert.deepEqual(requestIdHeaders(s3Dialect, 'REQ1', 'HOST1'), { 'x-amz-request-id': 'REQ1', 'x-amz-id-2': 'HOST1' });
  assert.deepEqual(requestIdHeaders(obsDialect, 'REQ2', 'HOST2'), { 'x-obs-request-id': 'REQ2', 'x-obs-id-2': 'HOST2' });
  const first = requestIdHeaders(s3Dialect, 'A', 'B');
  first['etag'] = '"x"';
  assert.deepEqual(requestIdHeaders(s3Dialect, 'A', 'B'), { 'x-amz-request-id': 'A', 'x-amz-id-2': 'B' });
});
