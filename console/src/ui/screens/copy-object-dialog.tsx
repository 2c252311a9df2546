/**
 * Copy or rename an object to a target bucket and key, choosing the target's encryption (so a
 * copy can re-encrypt: SSE-C → SSE-KMS, one customer key → another, even in place). Rename is a
 * copy followed by deleting the original. An SSE-C source needs its customer key.
 */
import { useState } from 'preact/hooks';
import type { KmsKey } from '../../api/contract.js';
import { CustomerKeyField } from '../parts/customer-key-field.js';
import { FormDialog } from '../parts/form-dialog.js';
import { SsePicker } from '../parts/sse-picker.js';
import { unwrap } from '../failure.js';
import { useLoad } from '../hooks.js';
import { navigate } from '../router.js';
import { useServices } from '../services.js';
import { newSseDraft, optionalCustomerKey, sseChoiceOf } from '../sse-draft.js';

export interface CopyObjectDialogProps {
  bucket: string;
  objectKey: string;
  isSourceSseC: boolean;
  /** The source customer key already typed on the details screen. */
  sourceKeyText: string;
  keys: KmsKey[] | undefined;
  keysError: string | undefined;
  onClose: () => void;
}

export function CopyObjectDialog({ bucket, objectKey, isSourceSseC, sourceKeyText, keys, keysError, onClose }: CopyObjectDialogProps) {
  const { api, parseCustomerKey } = useServices();
  const buckets = useLoad(() => api.listBuckets(), []);
  const [isRename, setRename] = useState(false);
  const [targetBucket, setTargetBucket] = useState(bucket);
  const [targetKey, setTargetKey] = useState(objectKey);
  const [sourceKey, setSourceKey] = useState(sourceKeyText);
  const [sse, setSse] = useState(newSseDraft());

  const submit = async (): Promise<string> => {
    const key = targetKey.trim();
    if (!key) throw new Error('Enter the target object name.');
    if (isRename && targetBucket === bucket && key === objectKey) throw new Error('To rename, choose a different name or bucket.');
    const customerKey = optionalCustomerKey(sourceKey, parseCustomerKey);
    if (isSourceSseC && !customerKey) throw new Error('This object is encrypted with a customer key (SSE-C): enter that key as the source key to copy it.');
    const target = { bucket: targetBucket, key, sse: sseChoiceOf(sse, parseCustomerKey) };
    unwrap(await api.copyObject({ bucket, key: objectKey, ...(customerKey ? { customerKey } : {}) }, target));
    if (!isRename) return `Copied to ${targetBucket}/${key}.`;
    unwrap(await api.deleteObject(bucket, objectKey));
    navigate({ screen: 'object', bucket: targetBucket, key });
    return `Renamed to ${targetBucket}/${key}.`;
  };

  const bucketNames = buckets.data?.map((b) => b.name) ?? [bucket];
  return (
    <FormDialog title={`Copy or rename ${objectKey}`} submitLabel={isRename ? 'Rename' : 'Copy'} onSubmit={submit} onClose={onClose} wide>
      <fieldset class="fieldset">
        <legend>Action</legend>
        <div class="choices choices-row">
          <div class="choice">
            <input type="radio" id="copy-action-copy" name="copy-action" checked={!isRename} onChange={() => setRename(false)} />
            <label for="copy-action-copy">Copy (keep the original)</label>
          </div>
          <div class="choice">
            <input type="radio" id="copy-action-rename" name="copy-action" checked={isRename} onChange={() => setRename(true)} />
            <label for="copy-action-rename">Rename or move (copy, then delete the original)</label>
          </div>
        </div>
      </fieldset>
      <div class="field">
        <label for="copy-target-bucket">Target bucket</label>
        <select id="copy-target-bucket" value={targetBucket} onChange={(e) => setTargetBucket(e.currentTarget.value)}>
          {bucketNames.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="copy-target-key">Target object name</label>
        <input id="copy-target-key" type="text" class="mono" value={targetKey} onInput={(e) => setTargetKey(e.currentTarget.value)} autoComplete="off" spellcheck={false} aria-describedby="copy-target-key-hint" />
        <p class="hint" id="copy-target-key-hint">
          The same name in the same bucket re-encrypts the object in place (copy only).
        </p>
      </div>
      {isSourceSseC && <CustomerKeyField id="copy-source-key" label="Source customer key (SSE-C)" value={sourceKey} onChange={setSourceKey} />}
      <SsePicker idPrefix="copy-sse" legend="Target encryption" draft={sse} onChange={setSse} keys={keys} keysError={keysError} defaultLabel="Target bucket default" />
    </FormDialog>
  );
}
