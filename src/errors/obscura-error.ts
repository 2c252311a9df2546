/**
 * The one error class operations throw. Carries a table name, a message, optional detail fields
 * rendered in the error body, and an optional cause that is logged and never rendered.
 */
import { errorTable, type ErrorName, type ErrorStatus } from './table.js';

export interface ErrorDetail {
  resource?: string;
  bucketName?: string;
  key?: string;
  argumentName?: string;
  argumentValue?: string;
  /** Extra body elements, rendered in order (e.g. MinSizeAllowed). Never secrets. */
  extra?: Record<string, string>;
  /** Extra response headers (e.g. Allow for 405). */
  headers?: Record<string, string>;
}

export class ObscuraError extends Error {
  readonly code: ErrorName;
  readonly status: ErrorStatus;
  readonly detail: ErrorDetail;

  constructor(code: ErrorName, message?: string, detail: ErrorDetail = {}, options?: { cause?: unknown }) {
    super(message ?? errorTable[code].message, options);
    this.name = 'ObscuraError';
    this.code = code;
    this.status = errorTable[code].status;
    this.detail = detail;
  }
}

/** Shorthand used by parsers: `throw fail('InvalidArgument', 'why', { argumentName: 'x' })`. */
export function fail(code: ErrorName, message?: string, detail?: ErrorDetail, cause?: unknown): ObscuraError {
  return new ObscuraError(code, message, detail, cause === undefined ? undefined : { cause });
}

export function isObscuraError(e: unknown): e is ObscuraError {
  return e instanceof ObscuraError;
}
