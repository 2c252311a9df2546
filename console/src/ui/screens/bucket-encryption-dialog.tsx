/**
 * A bucket's default encryption: none, SSE-OBS/SSE-S3 (AES256) or SSE-KMS with a key picker,
 * and whether SSE-C writes are blocked. "None" deletes the configuration, which also drops the
 * SSE-C block (as in S3), so the checkbox needs a default to be chosen.
 */
import { useEffect, useState } from 'preact/hooks';
import type { BucketEncryptionConfig, KmsKey } from '../../api/contract.js';
import { FormDialog } from '../parts/form-dialog.js';
import { KmsKeySelect } from '../parts/kms-key-select.js';
import { ErrorText, Loading } from '../parts/messages.js';
import { bucketEncryptionText } from '../bucket-encryption.js';
import { unwrap } from '../failure.js';
import { useLoad } from '../hooks.js';
import { useServices } from '../services.js';

const ALGORITHMS: Array<{ value: BucketEncryptionConfig['algorithm']; label: string; hint: string }> = [
  { value: 'none', label: 'No default', hint: 'Objects uploaded without encryption headers are still stored encrypted with the service key.' },
  { value: 'AES256', label: 'SSE-OBS / SSE-S3 (AES256)', hint: 'A key managed by the server.' },
  { value: 'aws:kms', label: 'SSE-KMS', hint: 'Data keys from a KMS master key you choose.' },
];

export interface BucketEncryptionDialogProps {
  bucket: string;
  keys: KmsKey[] | undefined;
  keysError: string | undefined;
  onClose: () => void;
  onDone: () => void;
}

export function BucketEncryptionDialog({ bucket, keys, keysError, onClose, onDone }: BucketEncryptionDialogProps) {
  const { api } = useServices();
  const current = useLoad(() => api.getBucketEncryption(bucket), [bucket]);
  const [draft, setDraft] = useState<BucketEncryptionConfig | undefined>(undefined);
  useEffect(() => {
    if (current.data && !draft) setDraft({ ...current.data, kmsKeyId: current.data.kmsKeyId ?? '' });
  }, [current.data]);

  const save = async (): Promise<string> => {
    if (!draft) throw new Error('The current settings are still loading; try again in a moment.');
    const config: BucketEncryptionConfig = {
      algorithm: draft.algorithm,
      blockSseC: draft.algorithm !== 'none' && draft.blockSseC,
      ...(draft.algorithm === 'aws:kms' && draft.kmsKeyId ? { kmsKeyId: draft.kmsKeyId } : {}),
    };
    unwrap(await api.setBucketEncryption(bucket, config));
    return `Default encryption of bucket ${bucket} is now ${bucketEncryptionText(config, keys)}${config.blockSseC ? ', and SSE-C uploads are blocked' : ''}.`;
  };

  return (
    <FormDialog title={`Default encryption of ${bucket}`} submitLabel="Save encryption" onSubmit={save} onClose={onClose} onDone={onDone}>
      {current.error && <ErrorText text={current.error} />}
      {!draft && !current.error && <Loading what="the current settings" />}
      {draft && (
        <>
          <fieldset class="fieldset">
            <legend>Default encryption for new objects</legend>
            <div class="choices">
              {ALGORITHMS.map((a) => (
                <div class="choice" key={a.value}>
                  <input type="radio" id={`be-${a.value}`} name="be-algorithm" checked={draft.algorithm === a.value} onChange={() => setDraft({ ...draft, algorithm: a.value })} aria-describedby={`be-${a.value}-hint`} />
                  <label for={`be-${a.value}`}>{a.label}</label>
                  <span class="hint" id={`be-${a.value}-hint`}>
                    {a.hint}
                  </span>
                </div>
              ))}
            </div>
            {draft.algorithm === 'aws:kms' && <KmsKeySelect id="be-kms-key" label="KMS key" value={draft.kmsKeyId ?? ''} onChange={(kmsKeyId) => setDraft({ ...draft, kmsKeyId })} keys={keys} loadError={keysError} />}
          </fieldset>
          <div class="choice">
            <input type="checkbox" id="be-block-ssec" checked={draft.algorithm !== 'none' && draft.blockSseC} disabled={draft.algorithm === 'none'} onChange={(e) => setDraft({ ...draft, blockSseC: e.currentTarget.checked })} aria-describedby="be-block-ssec-hint" />
            <label for="be-block-ssec">Block SSE-C uploads (customer-provided keys)</label>
            <span class="hint" id="be-block-ssec-hint">
              {draft.algorithm === 'none' ? 'Choose a default encryption first: the block is part of that configuration.' : 'Uploads and copies that bring their own customer key are refused.'}
            </span>
          </div>
        </>
      )}
    </FormDialog>
  );
}
