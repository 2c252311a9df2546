/**
 * Turning API results into either their body or one thrown ApiFailure, and any thrown value into
 * a sentence a user understands (the client's describeError, which also words a lost connection,
 * a cancel, and the message of our own input checks).
 */
import type { ApiResult } from '../api/contract.js';

/** A failed API result carried as an exception through async UI code. */
export class ApiFailure extends Error {
  constructor(readonly result: ApiResult<unknown>) {
    super(result.errorMessage ?? `HTTP ${result.status}`);
    this.name = 'ApiFailure';
  }
}

export function isOk(result: ApiResult<unknown>): boolean {
  return result.status >= 200 && result.status < 300;
}

/** The body of a successful result; throws ApiFailure otherwise. */
export function unwrap<T>(result: ApiResult<T>): T {
  if (!isOk(result)) throw new ApiFailure(result);
  return result.body as T;
}

/**
 * A sentence for anything thrown by a task, all through describeError: failed results, what the
 * client throws (NetworkError, AbortError) and our own input checks (an Error whose message is the sentence).
 */
export function failureText(error: unknown, describeError: (failure: ApiResult<unknown> | Error) => string): string {
  if (error instanceof ApiFailure) return describeError(error.result);
  if (error instanceof Error) return describeError(error);
  return 'Something went wrong. Please try again.';
}
