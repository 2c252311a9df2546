/**
 * The KMS screen's dialogs: rotation settings, scheduling deletion (7–30 days), and a key's
 * aliases (add, remove). Each calls one KMS operation family and reports in plain words.
 */
import { useState } from 'preact/hooks';
import type { KmsKey } from '../../api/contract.js';
import { Dialog } from '../parts/dialog.js';
import { FormDialog } from '../parts/form-dialog.js';
import { ErrorText, Notice } from '../parts/messages.js';
import { NumberField } from '../parts/number-field.js';
import { RowButton } from '../parts/row-button.js';
import { unwrap } from '../failure.js';
import { formatDate } from '../format.js';
import { useTask } from '../hooks.js';
import { kmsKeyName } from '../kms-keys.js';
import { useServices } from '../services.js';
import { aliasProblem, normalizeAlias, wholeNumberProblem } from '../validation.js';

export interface KeyDialogProps {
  kmsKey: KmsKey;
  onClose: () => void;
  /** Reload the key list after a change. */
  onChanged: () => void;
}

export function RotationDialog({ kmsKey, onClose, onChanged }: KeyDialogProps) {
  const { api } = useServices();
  const [isEnabled, setEnabled] = useState(kmsKey.rotationEnabled);
  const [days, setDays] = useState(String(kmsKey.rotationPeriodInDays ?? 365));
  const save = async (): Promise<string> => {
    if (isEnabled) {
      const problem = wholeNumberProblem(days, 90, 2560, 'The rotation period');
      if (problem) throw new Error(problem);
      unwrap(await api.kms.setRotation(kmsKey.keyId, true, Number(days)));
      return `Automatic rotation of ${kmsKeyName(kmsKey)} is on, every ${days} days.`;
    }
    unwrap(await api.kms.setRotation(kmsKey.keyId, false));
    return `Automatic rotation of ${kmsKeyName(kmsKey)} is off.`;
  };
  return (
    <FormDialog title={`Rotation of ${kmsKeyName(kmsKey)}`} submitLabel="Save rotation" onSubmit={save} onClose={onClose} onDone={onChanged}>
      <p>Rotation creates new key material for new data keys; objects encrypted before keep opening with the older material.</p>
      <div class="choice">
        <input type="checkbox" id="rotation-enabled" checked={isEnabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <label for="rotation-enabled">Rotate automatically</label>
      </div>
      {isEnabled && (
        <NumberField id="rotation-days" label="Rotation period in days" min={90} max={2560} value={days} onInput={setDays} />
      )}
    </FormDialog>
  );
}

export function DeletionDialog({ kmsKey, onClose, onChanged }: KeyDialogProps) {
  const { api } = useServices();
  const [days, setDays] = useState('30');
  const schedule = async (): Promise<string> => {
    const problem = wholeNumberProblem(days, 7, 30, 'The waiting period');
    if (problem) throw new Error(problem);
    const result = unwrap(await api.kms.scheduleKeyDeletion(kmsKey.keyId, Number(days)));
    return `${kmsKeyName(kmsKey)} will be deleted on ${formatDate(result.deletionDate)} unless you cancel the deletion before then.`;
  };
  return (
    <FormDialog title={`Schedule deletion of ${kmsKeyName(kmsKey)}`} submitLabel="Schedule deletion" onSubmit={schedule} onClose={onClose} onDone={onChanged} danger>
      <Notice tone="warning">
        When the key is deleted, every object encrypted under it (SSE-KMS) can never be read again. Until then the key is unusable but the deletion can be cancelled.
      </Notice>
      <NumberField id="deletion-days" label="Waiting period in days" min={7} max={30} value={days} onInput={setDays} />
    </FormDialog>
  );
}

export function AliasesDialog({ kmsKey, onClose, onChanged }: KeyDialogProps) {
  const { api } = useServices();
  const [aliases, setAliases] = useState(kmsKey.aliases);
  const [text, setText] = useState('');
  /** Said inside the dialog: the page's live region is inert while a modal dialog is open. */
  const [status, setStatus] = useState('');
  const task = useTask();
  const add = async (event: Event): Promise<void> => {
    event.preventDefault();
    const alias = normalizeAlias(text);
    setStatus('');
    const ok = await task.run(async () => {
      const problem = aliasProblem(alias);
      if (problem) throw new Error(problem);
      unwrap(await api.kms.createAlias(alias, kmsKey.keyId));
    });
    if (ok) {
      setStatus(`Alias ${alias} now points to this key.`);
      setAliases([...aliases, alias]);
      setText('');
      onChanged();
    }
  };
  const remove = async (alias: string): Promise<void> => {
    setStatus('');
    const ok = await task.run(async () => {
      unwrap(await api.kms.deleteAlias(alias));
    });
    if (ok) {
      setStatus(`Alias ${alias} removed.`);
      setAliases(aliases.filter((a) => a !== alias));
      onChanged();
    }
  };
  return (
    <Dialog title={`Aliases of ${kmsKey.keyId}`} onClose={onClose}>
      <div class="dialog-body">
        {aliases.length === 0 ? (
          <p>This key has no alias.</p>
        ) : (
          <ul class="alias-list">
            {aliases.map((alias) => (
              <li key={alias}>
                <span class="mono">{alias}</span> <RowButton label="Remove" item={alias} onClick={() => void remove(alias)} tone="danger" />
              </li>
            ))}
          </ul>
        )}
        <form class="inline-form" onSubmit={(e) => void add(e)} noValidate>
          <div class="field field-grow">
            <label for="alias-new">New alias</label>
            <input id="alias-new" type="text" class="mono" value={text} placeholder="alias/photos" onInput={(e) => setText(e.currentTarget.value)} autoComplete="off" spellcheck={false} aria-describedby="alias-new-hint" />
            <p class="hint" id="alias-new-hint">
              Letters, digits, /, _ and -; “alias/” is added if you leave it out.
            </p>
          </div>
          <button type="submit" class="button button-primary" aria-disabled={task.busy}>
            Add alias
          </button>
        </form>
        <ErrorText text={task.error} />
        <p role="status" class="status-line">
          {status}
        </p>
      </div>
      <div class="dialog-actions">
        <button type="button" class="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
