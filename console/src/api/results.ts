/**
 * Answers as ApiResults, shaped like the SDK's ObsResult: status, reason, headers, request id, and
 * on failure the error code and message from the S3 XML body, the x-amz-error-* headers (HEAD has
 * no body) or the KMS JSON body, refined into the console's codes (errors.ts). HTTP errors are
 * results, never exceptions.
 */
import type { ApiResult } from './contract.js';
import { refineErrorCode, type FailureContext } from './errors.js';
import type { Answer } from './transport.js';
import { child, parseXml, text, type XmlNode } from './xml.js';

interface ErrorFields {
  code?: string;
  message?: string;
  resource?: string;
  requestId?: string;
}

function kmsErrorFields(textBody: string): ErrorFields {
  try {
    const json = JSON.parse(textBody) as { __type?: unknown; message?: unknown; Message?: unknown };
    const type = typeof json.__type === 'string' ? json.__type.slice(json.__type.lastIndexOf('#') + 1) : undefined;
    const message = typeof json.message === 'string' ? json.message : typeof json.Message === 'string' ? json.Message : undefined;
    return { ...(type !== undefined ? { code: type } : {}), ...(message !== undefined ? { message } : {}) };
  } catch {
    return {};
  }
}

/** The error fields and the elements of S3's <Error> document that carry them. */
const ERROR_ELEMENTS = [['code', 'Code'], ['message', 'Message'], ['resource', 'Resource'], ['requestId', 'RequestId']] as const;

function xmlErrorFields(textBody: string): ErrorFields {
  let error: XmlNode;
  try {
    error = child(parseXml(textBody), 'Error');
  } catch {
    return {};
  }
  const fields: ErrorFields = {};
  for (const [field, element] of ERROR_ELEMENTS) {
    const value = text(error, element);
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

function errorFieldsOf(answer: Answer): ErrorFields {
  const isJson = (answer.header['content-type'] ?? '').includes('json');
  const fromBody = answer.text === '' ? {} : isJson ? kmsErrorFields(answer.text) : xmlErrorFields(answer.text);
  const code = fromBody.code ?? answer.header['x-amz-error-code'];
  const message = fromBody.message ?? answer.header['x-amz-error-message'];
  return { ...fromBody, ...(code !== undefined ? { code } : {}), ...(message !== undefined ? { message } : {}) };
}

/** The result of an answer; `parse` builds the typed body of a success. */
export function resultOf<T>(answer: Answer, context: FailureContext, parse?: (answer: Answer) => T): ApiResult<T> {
  const result: ApiResult<T> = { status: answer.status, reason: answer.reason, header: answer.header };
  const requestId = answer.header['x-amz-request-id'] ?? answer.header['x-amzn-requestid'];
  if (requestId !== undefined) result.requestId = requestId;
  if (answer.status < 300) {
    if (parse) result.body = parse(answer);
    return result;
  }
  const fields = errorFieldsOf(answer);
  if (fields.requestId !== undefined) result.requestId = fields.requestId;
  if (fields.resource !== undefined) result.resource = fields.resource;
  if (fields.message !== undefined) result.errorMessage = fields.message;
  if (fields.code !== undefined) {
    result.serverErrorCode = fields.code;
    result.errorCode = refineErrorCode(fields.code, fields.message ?? '', context);
  }
  return result;
}

/** The same answer without its body: a failure passed on under another body type, or a success whose body is not needed. */
export function withoutBody<T>(result: ApiResult<unknown>): ApiResult<T> {
  const { body: _unused, ...failure } = result;
  return failure as ApiResult<T>;
}

export function isSuccess(result: ApiResult<unknown>): boolean {
  return result.status < 300;
}

export const NO_CUSTOMER_KEY: FailureContext = { sentCustomerKey: false };
