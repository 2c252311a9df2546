/**
 * An object's encryption badge from its HEAD. A HEAD without (or with a wrong) customer key on an
 * SSE-C object fails in a known way — 400 CustomerKeyRequired / 403 CustomerKeyMismatch, no body
 * since HEAD answers carry none — and that failure is itself the answer: SSE-C.
 */
import type { ApiResult, ObjectHead } from '../api/contract.js';
import type { BadgeState } from './parts/encryption-badge.js';

export function badgeFromHead(result: ApiResult<ObjectHead>): BadgeState {
  if (result.body?.encryption) return result.body.encryption;
  if (needsCustomerKey(result) || result.errorCode === 'CustomerKeyMismatch') return { mode: 'sse-c', keyMd5Base64: '' };
  return 'unknown';
}

/** True when a read without a customer key failed because the object is SSE-C. */
export function needsCustomerKey(result: ApiResult<unknown>): boolean {
  return result.errorCode === 'CustomerKeyRequired';
}
