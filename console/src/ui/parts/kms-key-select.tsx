/**
 * The KMS key picker: a labelled <select> listing keys by alias, description and id. Keys that
 * cannot encrypt (disabled, pending deletion) are listed but not selectable. The empty value means
 * "the server's default KMS key".
 */
import type { KmsKey } from '../../api/contract.js';
import { kmsKeyOptionText } from '../kms-keys.js';

export interface KmsKeySelectProps {
  id: string;
  label: string;
  value: string;
  onChange: (keyId: string) => void;
  keys: KmsKey[] | undefined;
  loadError?: string | undefined;
}

export function KmsKeySelect({ id, label, value, onChange, keys, loadError }: KmsKeySelectProps) {
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)} aria-describedby={hintId}>
        <option value="">Default KMS key (alias/obscura/default)</option>
        {(keys ?? []).map((key) => (
          <option key={key.keyId} value={key.keyId} disabled={key.keyState !== 'Enabled'}>
            {kmsKeyOptionText(key)}
          </option>
        ))}
      </select>
      <p class="hint" id={hintId}>
        {loadError ? `The key list could not be loaded: ${loadError}` : keys === undefined ? 'Loading keys…' : 'Create and manage keys on the KMS keys screen.'}
      </p>
    </div>
  );
}
