/**
 * The state of an "encrypt with" choice while the user edits it (SsePicker), and its conversion
 * to the contract's SseChoice. Conversion throws an Error whose message is shown to the user.
 */
import type { CustomerKey, ParseCustomerKey, SseChoice } from '../api/contract.js';

export type SseMode = SseChoice['mode'];

export interface SseDraft {
  mode: SseMode;
  /** '' = the server's default KMS key. */
  kmsKeyId: string;
  /** The customer key as typed or generated (SSE-C). */
  customerKeyText: string;
  /** The key was generated here and is being shown once. */
  isGenerated: boolean;
  /** The user confirmed they saved the generated key. */
  isKeySaved: boolean;
}

export function newSseDraft(mode: SseMode = 'default'): SseDraft {
  return { mode, kmsKeyId: '', customerKeyText: '', isGenerated: false, isKeySaved: false };
}

export function sseChoiceOf(draft: SseDraft, parseCustomerKey: ParseCustomerKey): SseChoice {
  switch (draft.mode) {
    case 'default':
    case 'sse-s3':
      return { mode: draft.mode };
    case 'sse-kms':
      return draft.kmsKeyId ? { mode: 'sse-kms', keyId: draft.kmsKeyId } : { mode: 'sse-kms' };
    case 'sse-c': {
      if (!draft.customerKeyText.trim()) throw new Error('Enter a customer key or generate one.');
      if (draft.isGenerated && !draft.isKeySaved) throw new Error('Confirm that you have saved the generated customer key: without it the object cannot be read.');
      return { mode: 'sse-c', key: parseCustomerKey(draft.customerKeyText.trim()) };
    }
  }
}

/** The customer key typed into a read field: undefined when blank, else parsed (throws a clear Error). */
export function optionalCustomerKey(text: string, parseCustomerKey: ParseCustomerKey): CustomerKey | undefined {
  return text.trim() ? parseCustomerKey(text.trim()) : undefined;
}
