/**
 * "Encrypt with": bucket default, SSE-OBS/SSE-S3, SSE-KMS with a key picker, or SSE-C with a
 * customer key typed in or generated here. A generated key is shown once, with a copy button, a
 * warning that the object cannot be read without it, and a "saved it" checkbox.
 */
import type { KmsKey } from '../../api/contract.js';
import { useServices } from '../services.js';
import type { SseDraft, SseMode } from '../sse-draft.js';
import { CopyButton } from './copy-button.js';
import { CustomerKeyField } from './customer-key-field.js';
import { KmsKeySelect } from './kms-key-select.js';

export interface SsePickerProps {
  idPrefix: string;
  legend: string;
  draft: SseDraft;
  onChange: (draft: SseDraft) => void;
  keys: KmsKey[] | undefined;
  keysError?: string | undefined;
  /** Label of the "no headers" choice, e.g. "Bucket default". */
  defaultLabel: string;
}

const MODES: Array<{ mode: SseMode; hint: string }> = [
  { mode: 'default', hint: 'Sends no encryption headers; the bucket’s default encryption applies.' },
  { mode: 'sse-s3', hint: 'A key managed by the server (AES256).' },
  { mode: 'sse-kms', hint: 'A data key from a KMS master key you choose.' },
  { mode: 'sse-c', hint: 'Your own 256-bit key, sent with every request and never stored.' },
];

const MODE_LABELS: Record<SseMode, string> = {
  default: '',
  'sse-s3': 'SSE-OBS / SSE-S3',
  'sse-kms': 'SSE-KMS',
  'sse-c': 'SSE-C (customer key)',
};

export function SsePicker({ idPrefix, legend, draft, onChange, keys, keysError, defaultLabel }: SsePickerProps) {
  const { generateCustomerKey } = useServices();
  const set = (patch: Partial<SseDraft>): void => onChange({ ...draft, ...patch });
  const generate = (): void => set({ customerKeyText: generateCustomerKey().keyBase64, isGenerated: true, isKeySaved: false });
  return (
    <fieldset class="fieldset">
      <legend>{legend}</legend>
      <div class="choices">
        {MODES.map(({ mode, hint }) => (
          <div class="choice" key={mode}>
            <input type="radio" id={`${idPrefix}-${mode}`} name={`${idPrefix}-mode`} checked={draft.mode === mode} onChange={() => set({ mode })} aria-describedby={`${idPrefix}-${mode}-hint`} />
            <label for={`${idPrefix}-${mode}`}>{mode === 'default' ? defaultLabel : MODE_LABELS[mode]}</label>
            <span class="hint" id={`${idPrefix}-${mode}-hint`}>
              {hint}
            </span>
          </div>
        ))}
      </div>
      {draft.mode === 'sse-kms' && <KmsKeySelect id={`${idPrefix}-kms-key`} label="KMS key" value={draft.kmsKeyId} onChange={(kmsKeyId) => set({ kmsKeyId })} keys={keys} loadError={keysError} />}
      {draft.mode === 'sse-c' && (
        <div class="customer-key">
          <CustomerKeyField
            id={`${idPrefix}-customer-key`}
            label={draft.isGenerated ? 'Generated customer key' : 'Customer key'}
            value={draft.customerKeyText}
            readOnly={draft.isGenerated}
            onChange={(customerKeyText) => set({ customerKeyText, isGenerated: false, isKeySaved: false })}
          />
          <div class="button-row">
            <button type="button" class="button" onClick={generate}>
              {draft.isGenerated ? 'Generate another key' : 'Generate a key'}
            </button>
            {draft.isGenerated && <CopyButton text={draft.customerKeyText} label="Copy key" what="The customer key" fieldId={`${idPrefix}-customer-key`} />}
            {draft.isGenerated && (
              <button type="button" class="button" onClick={() => set({ customerKeyText: '', isGenerated: false, isKeySaved: false })}>
                Enter my own key
              </button>
            )}
          </div>
          {draft.isGenerated && (
            <div class="message message-warning" id={`${idPrefix}-key-warning`}>
              <p>
                <strong>Save this key now.</strong> It is shown only here, Obscura does not keep it, and without it the uploaded objects cannot be read by anyone — not even
                an administrator.
              </p>
              <div class="choice">
                <input type="checkbox" id={`${idPrefix}-key-saved`} checked={draft.isKeySaved} onChange={(e) => set({ isKeySaved: e.currentTarget.checked })} />
                <label for={`${idPrefix}-key-saved`}>I have saved this key somewhere safe</label>
              </div>
            </div>
          )}
        </div>
      )}
    </fieldset>
  );
}
