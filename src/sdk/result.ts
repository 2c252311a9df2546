/**
 * The result every SDK call returns, shaped as the OBS SDK documentation describes it: HTTP
 * errors are results (status >= 300 with errorCode, errorMessage, requestId, hostId, resource),
 * never exceptions; only misuse (bad arguments) throws.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { XMLParser } from 'fast-xml-parser';

export interface ObsResult<T = undefined> {
  status: number;
  reason: string;
  /** Lower-case response headers. */
  header: Record<string, string>;
  requestId?: string;
  hostId?: string;
  indicator?: string;
  errorCode?: string;
  errorMessage?: string;
  resource?: string;
  /** The typed result on success (status < 300). */
  body?: T;
}

const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true, isArray: (name) => ['Contents', 'CommonPrefixes', 'Part', 'Upload', 'Bucket', 'Deleted', 'Error', 'Tag', 'Rule', 'Object'].includes(name) });

export type XmlDoc = Record<string, unknown>;

export function parseXmlBody(text: string): XmlDoc {
  if (text.trim() === '') return {};
  return parser.parse(text) as XmlDoc;
}

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Builds the result of a response; `errorBody` is the text of a non-2xx body (if any). */
export function makeResult<T>(status: number, reason: string, headers: IncomingHttpHeaders, errorBody: string | undefined, body?: T): ObsResult<T> {
  const header = flattenHeaders(headers);
  const result: ObsResult<T> = { status, reason, header };
  const requestId = header['x-obs-request-id'] ?? header['x-amz-request-id'] ?? header['x-amzn-requestid'];
  const hostId = header['x-obs-id-2'] ?? header['x-amz-id-2'];
  if (requestId !== undefined) result.requestId = requestId;
  if (hostId !== undefined) result.hostId = hostId;
  if (header['x-reserved-indicator'] !== undefined) result.indicator = header['x-reserved-indicator'];
  if (status >= 300) {
    const parsed = errorBody ? parseXmlBody(errorBody)['Error'] : undefined;
    const doc = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, string> | undefined;
    const code = doc?.['Code'] ?? header['x-obs-error-code'] ?? header['x-amz-error-code'];
    const message = doc?.['Message'] ?? header['x-obs-error-message'] ?? header['x-amz-error-message'];
    if (code !== undefined) result.errorCode = code;
    if (message !== undefined) result.errorMessage = message;
    if (doc?.['RequestId'] !== undefined) result.requestId = doc['RequestId'];
    if (doc?.['HostId'] !== undefined) result.hostId = doc['HostId'];
    if (doc?.['Resource'] !== undefined) result.resource = doc['Resource'];
  } else if (body !== undefined) {
    result.body = body;
  }
  return result;
}
