/**
 * The one redaction function that runs on headers before any log line or trace (STYLE.md §4):
 * every key-bearing header, credential and signature is replaced.
 */
import type { IncomingHttpHeaders } from 'node:http';

const SECRET_HEADER = /^(authorization|cookie|x-(amz|obs)-(copy-source-)?server-side-encryption-customer-key(-md5)?|x-(amz|obs)-security-token|x-amz-server-side-encryption-context|x-amz-content-sha256)$/i;

export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = SECRET_HEADER.test(name) ? '[redacted]' : value;
  return out;
}

/** pino redact paths for structured fields that might carry secrets. */
export const logRedactPaths = [
  'headers.authorization',
  'headers["x-amz-server-side-encryption-customer-key"]',
  'headers["x-obs-server-side-encryption-customer-key"]',
  'headers["x-amz-copy-source-server-side-encryption-customer-key"]',
  'headers["x-obs-copy-source-server-side-encryption-customer-key"]',
  'secretKey',
  'secretAccessKey',
  'customerKey',
  'dataKey',
  'masterKey',
];
