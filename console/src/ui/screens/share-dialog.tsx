/**
 * Share an object as a presigned GET URL valid for 1 hour, 1 day, 7 days or a custom number of
 * seconds. The URL carries a signature, not the secret key; an SSE-C object cannot be opened by
 * a plain link, since a link cannot send the customer key headers.
 */
import { useState } from 'preact/hooks';
import { CopyButton } from '../parts/copy-button.js';
import { FormDialog } from '../parts/form-dialog.js';
import { Notice } from '../parts/messages.js';
import { NumberField } from '../parts/number-field.js';
import { formatDateTime } from '../format.js';
import { useServices } from '../services.js';
import { wholeNumberProblem } from '../validation.js';

const MAX_SECONDS = 7 * 24 * 3600;
const EXPIRIES = [
  { id: '1h', label: '1 hour', seconds: 3600 },
  { id: '1d', label: '1 day', seconds: 24 * 3600 },
  { id: '7d', label: '7 days', seconds: MAX_SECONDS },
  { id: 'custom', label: 'Custom', seconds: 0 },
];

export function ShareDialog({ bucket, objectKey, isSseC, onClose }: { bucket: string; objectKey: string; isSseC: boolean; onClose: () => void }) {
  const { api } = useServices();
  const [choice, setChoice] = useState('1h');
  const [customSeconds, setCustomSeconds] = useState('600');
  const [link, setLink] = useState<{ url: string; expires: Date } | undefined>(undefined);

  const create = async (): Promise<string> => {
    let seconds = EXPIRIES.find((e) => e.id === choice)!.seconds;
    if (choice === 'custom') {
      const problem = wholeNumberProblem(customSeconds, 1, MAX_SECONDS, 'The validity in seconds');
      if (problem) throw new Error(problem);
      seconds = Number(customSeconds);
    }
    const url = await api.presignGet(bucket, objectKey, seconds);
    setLink({ url, expires: new Date(Date.now() + seconds * 1000) });
    return 'Link created.';
  };

  return (
    <FormDialog title={`Share ${objectKey}`} submitLabel={link ? 'Create a new link' : 'Create link'} onSubmit={create} onClose={onClose} stayOpen cancelLabel="Close" wide>
      {isSseC && (
        <Notice tone="warning">
          This object is encrypted with a customer key (SSE-C). A link cannot carry the key, so opening it fails; copy the object with SSE-OBS or SSE-KMS to share it by link.
        </Notice>
      )}
      <fieldset class="fieldset">
        <legend>Valid for</legend>
        <div class="choices choices-row">
          {EXPIRIES.map((e) => (
            <div class="choice" key={e.id}>
              <input type="radio" id={`share-${e.id}`} name="share-expiry" checked={choice === e.id} onChange={() => setChoice(e.id)} />
              <label for={`share-${e.id}`}>{e.label}</label>
            </div>
          ))}
        </div>
        {choice === 'custom' && (
          <NumberField id="share-seconds" label="Seconds" min={1} max={MAX_SECONDS} value={customSeconds} onInput={setCustomSeconds} />
        )}
      </fieldset>
      {link && (
        <div class="field">
          <label for="share-url">Signed link</label>
          <input id="share-url" type="text" class="mono" readOnly value={link.url} aria-describedby="share-url-hint" />
          <p class="hint" id="share-url-hint">
            Anyone with this link can download the object until {formatDateTime(link.expires)}.
          </p>
          <CopyButton text={link.url} label="Copy link" what="Link" fieldId="share-url" />
        </div>
      )}
    </FormDialog>
  );
}
